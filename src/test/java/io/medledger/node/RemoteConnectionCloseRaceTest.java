package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A read that passed the connection's "closed?" check just before {@link RemoteConnection#close()}
 * ran connected a new channel after close had closed them all, and left it open (a TLS connection
 * and its event-loop thread) for good. It now fails as closed and opens nothing.
 */
@Timeout(60)
class RemoteConnectionCloseRaceTest {
  @Test
  void aReadRacingCloseOpensNoChannel() throws Exception {
    GatedMap<Object, ClientChannel> gate = new GatedMap<>();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey nodeKey = Ed25519PrivateKey.generate();
    RequestHandler node = (who, req) -> CompletableFuture.completedFuture(
        new LedgerWire.Writer(ClientWire.OK).i64(42).toBytes());
    try (NodeEndpoint ep = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(nodeKey),
        client.publicKey()::equals, node, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(nodeKey.publicKey(), ep.boundAddress(), ServerRole.FEDERATION).build()) {
      gate.installIn(c, "channels");
      AtomicReference<Object> outcome = new AtomicReference<>();
      Thread reader = new Thread(() -> {
        try {
          outcome.set(c.height());
        } catch (RuntimeException x) {
          outcome.set(x);
        }
      }, "racing-reader");
      try {
        reader.start();
        assertTrue(gate.reached.await(20, TimeUnit.SECONDS), "the read passed the check of closed");
        c.close(); // runs whole between the check and the connect
      } finally {
        gate.go.countDown();
      }
      reader.join(30_000);
      assertTrue(gate.values().stream().noneMatch(ClientChannel::isOpen),
          "a channel opened after close stays open: " + gate);
      NodeException x = assertInstanceOf(NodeException.class, outcome.get(), "the racing read fails as closed");
      assertEquals(NodeException.Reason.UNREACHABLE, x.reason());
    } finally {
      gate.values().forEach(ClientChannel::close);
    }
  }
}
