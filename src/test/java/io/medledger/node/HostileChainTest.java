package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.chain.ChainParameters;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.Protocols;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which chain a client is on and which consensus protocol certifies its blocks (the rule an
 * auditor checks every certificate with) are not one node's word: every node that answers must
 * state the same, and the configured chain when there is one.
 */
@Timeout(60)
class HostileChainTest {
  private static byte[] chain(String name, String protocol) {
    return new LedgerWire.Writer(ClientWire.OK).string(name).digest(ChainParameters.defaults(name).chainId())
        .string(protocol).toBytes();
  }

  @Test
  void aNodeNamingAnotherChainOrProtocolThanTheOthersIsNotBelieved() {
    String rotating = Protocols.names().get(0);
    String other = Protocols.names().get(2);
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey hostileKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey honestKey = Ed25519PrivateKey.generate();
    AtomicReference<byte[]> lie = new AtomicReference<>();
    RequestHandler hostile = (who, req) -> CompletableFuture.completedFuture(lie.get());
    RequestHandler honest = (who, req) -> CompletableFuture.completedFuture(chain("real", rotating));
    try (NodeEndpoint h = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(hostileKey),
        client.publicKey()::equals, hostile, TransportLimits.defaults());
        NodeEndpoint o = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(honestKey),
            client.publicKey()::equals, honest, TransportLimits.defaults())) {
      java.util.function.Supplier<RemoteConnection> both = () -> RemoteConnection.builder(TlsIdentity.of(client))
          .node(hostileKey.publicKey(), h.boundAddress(), ServerRole.FEDERATION)
          .node(honestKey.publicKey(), o.boundAddress(), ServerRole.FEDERATION).build();
      lie.set(chain("real", other));
      try (RemoteConnection c = both.get()) {
        assertThrows(MalformedEncodingException.class, c::certificatePolicy, "another protocol");
      }
      lie.set(chain("fake", rotating));
      try (RemoteConnection c = both.get()) {
        assertThrows(MalformedEncodingException.class, c::parameters, "another chain");
      }
      lie.set(chain("real", rotating));
      try (RemoteConnection c = both.get()) {
        assertEquals(ChainParameters.defaults("real").chainId(), c.parameters().chainId());
      }
      lie.set(chain("fake", rotating));
      ClientConfig config = new ClientConfig("real", Path.of("keys"), new NodeConfig.KeySource.Environment("MEDLEDGER_PASS"),
          List.of(new ClientConfig.NodeEndpointConfig(hostileKey.publicKey(), h.boundAddress(), ServerRole.FEDERATION)));
      try (RemoteConnection alone = RemoteConnection.builder(TlsIdentity.of(client)).nodes(config).build()) {
        assertThrows(MalformedEncodingException.class, alone::parameters, "a chain other than the configured one");
      }
      // the registrar rule's height comes from the client's configuration (or its builder), never from the nodes
      lie.set(chain("real", rotating));
      try (RemoteConnection c = both.get()) {
        assertEquals(0, c.parameters().registrarsFrom());
      }
      ClientConfig upgraded = new ClientConfig("real", Path.of("keys"), new NodeConfig.KeySource.Environment("MEDLEDGER_PASS"),
          List.of(new ClientConfig.NodeEndpointConfig(honestKey.publicKey(), o.boundAddress(), ServerRole.FEDERATION)), 1234);
      try (RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client)).nodes(upgraded).build()) {
        assertEquals(1234, c.parameters().registrarsFrom());
      }
      try (RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client)).nodes(upgraded).registrarsFrom(7).build()) {
        assertEquals(7, c.parameters().registrarsFrom());
      }
      ClientConfig reused = new ClientConfig("real", Path.of("keys"), new NodeConfig.KeySource.Environment("MEDLEDGER_PASS"),
          upgraded.nodes(), 0, 4321, 64, 0);
      try (RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client)).nodes(reused).build()) {
        assertEquals(4321, c.parameters().reusedKeysFrom());
      }
      try (RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client)).nodes(reused).reusedKeysFrom(9).build()) {
        assertEquals(9, c.parameters().reusedKeysFrom());
      }
      assertThrows(IllegalArgumentException.class, () -> RemoteConnection.builder(TlsIdentity.of(client)).registrarsFrom(-1));
      // and so do the per-registrar bound and its height
      try (RemoteConnection c = both.get()) {
        assertEquals(64, c.parameters().registrationsPerRegistrar());
        assertEquals(0, c.parameters().registrationBoundFrom());
      }
      ClientConfig bounded = new ClientConfig("real", Path.of("keys"), new NodeConfig.KeySource.Environment("MEDLEDGER_PASS"),
          List.of(new ClientConfig.NodeEndpointConfig(honestKey.publicKey(), o.boundAddress(), ServerRole.FEDERATION)), 0, 0,
          16, 99);
      try (RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client)).nodes(bounded).build()) {
        assertEquals(16, c.parameters().registrationsPerRegistrar());
        assertEquals(99, c.parameters().registrationBoundFrom());
      }
      try (RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client)).nodes(bounded).registrationBound(8, 3)
          .build()) {
        assertEquals(8, c.parameters().registrationsPerRegistrar());
        assertEquals(3, c.parameters().registrationBoundFrom());
      }
      assertThrows(IllegalArgumentException.class,
          () -> RemoteConnection.builder(TlsIdentity.of(client)).registrationBound(0, 0));
      assertThrows(IllegalArgumentException.class,
          () -> RemoteConnection.builder(TlsIdentity.of(client)).registrationBound(1, -1));
    }
  }
}
