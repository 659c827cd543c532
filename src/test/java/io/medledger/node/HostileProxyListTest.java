package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A patient's grant encrypts one key fragment to each proxy the node lists, with the threshold it
 * states. One hostile node's list would let it name itself the only proxy, lower the threshold, or
 * put its own key in place of every other proxy's and so take every fragment: the remote
 * connection takes the list only as every node that answers states it, with the protocol's
 * threshold.
 */
@Timeout(120)
class HostileProxyListTest {
  private static final ParticipantId[] PROXIES = {id(), id(), id()};
  private static final PublicKey[] KEYS = {key(), key(), key()};
  private static final PublicKey HOSTILE = key();

  private static ParticipantId id() {
    return ParticipantId.of(Ed25519PrivateKey.generate().publicKey());
  }

  private static PublicKey key() {
    return SecretKey.random().publicKey();
  }

  /** A PROXIES answer: {@code n} proxies of {@link #PROXIES} with {@code keys}, threshold {@code t}. */
  private static byte[] answer(int t, PublicKey... keys) {
    LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK).u16(keys.length).u8(t);
    for (int i = 0; i < keys.length; i++) {
      w.id(PROXIES[i]).bool(true).bytes(keys[i].toBytes());
    }
    return w.toBytes();
  }

  private static NodeEndpoint node(Ed25519PrivateKey key, Ed25519PrivateKey client, AtomicReference<byte[]> answer) {
    RequestHandler h = (who, req) -> CompletableFuture.completedFuture(answer.get());
    return NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(key), client.publicKey()::equals, h,
        TransportLimits.defaults());
  }

  @Test
  void aNodeThatListsOtherProxiesOrKeysOrThresholdThanTheOthersIsNotBelieved() {
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey hostileKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey honestKey = Ed25519PrivateKey.generate();
    AtomicReference<byte[]> lie = new AtomicReference<>();
    AtomicReference<byte[]> truth = new AtomicReference<>(answer(2, KEYS));
    try (NodeEndpoint hostile = node(hostileKey, client, lie);
        NodeEndpoint honest = node(honestKey, client, truth);
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(hostileKey.publicKey(), hostile.boundAddress(), ServerRole.FEDERATION)
            .node(honestKey.publicKey(), honest.boundAddress(), ServerRole.FEDERATION).build()) {
      lie.set(answer(2, HOSTILE, HOSTILE, HOSTILE));
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, c::proxyKeys, "its key for all");
      assertTrue(e.getMessage().contains("different proxies"), e.getMessage());
      lie.set(answer(2, KEYS[0], HOSTILE, KEYS[2]));
      assertThrows(MalformedEncodingException.class, c::proxyKeys, "its key for one other proxy");
      lie.set(answer(1, KEYS[0]));
      assertThrows(MalformedEncodingException.class, c::proxyKeys, "itself the only proxy");
      lie.set(answer(1, KEYS));
      assertThrows(MalformedEncodingException.class, c::threshold, "a threshold of one of three");

      lie.set(answer(2, KEYS));
      List<ProxyKey> keys = c.proxyKeys();
      assertEquals(3, keys.size());
      assertEquals(KEYS[1], keys.get(1).publicKey());
      assertEquals(2, c.threshold());
    }
  }

  @Test
  void aNodeThatAloneAnswersOfSeveralIsNotBelieved() {
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey hostileKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey honestKey = Ed25519PrivateKey.generate();
    AtomicReference<byte[]> truth = new AtomicReference<>(answer(2, KEYS));
    PeerAddress down;
    try (NodeEndpoint gone = node(honestKey, client, truth)) {
      down = gone.boundAddress(); // the honest node is down, or a hand on the network path keeps it from the client
    }
    AtomicReference<byte[]> lie = new AtomicReference<>(answer(1, HOSTILE));
    try (NodeEndpoint hostile = node(hostileKey, client, lie);
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(hostileKey.publicKey(), hostile.boundAddress(), ServerRole.FEDERATION)
            .node(honestKey.publicKey(), down, ServerRole.FEDERATION).build()) {
      assertThrows(UnconfirmedAnswerException.class, c::proxyKeys, "itself the only proxy, with a threshold of one");
      assertThrows(UnconfirmedAnswerException.class, c::threshold);
    }
  }

  @Test
  void aNodeAloneMustStillStateTheProtocolsThreshold() {
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey nodeKey = Ed25519PrivateKey.generate();
    AtomicReference<byte[]> answer = new AtomicReference<>(answer(1, KEYS));
    try (NodeEndpoint n = node(nodeKey, client, answer);
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(nodeKey.publicKey(), n.boundAddress(), ServerRole.FEDERATION).build()) {
      assertThrows(MalformedEncodingException.class, c::threshold);
      answer.set(answer(2, KEYS));
      assertEquals(2, c.threshold());
    }
  }
}
