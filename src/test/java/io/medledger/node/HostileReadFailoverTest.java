package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.client.Identity;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hostile node first in a client's list answers reads with garbage or refusals, and refuses the
 * key cards published to it: the client asks the next node rather than fail, and still publishes
 * to the nodes after it.
 */
@Timeout(60)
class HostileReadFailoverTest {
  @Test
  void aNodeAnsweringGarbageOrRefusingIsPassedOver() {
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey hostileKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey honestKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey secondKey = Ed25519PrivateKey.generate(); // the height needs two nodes' reports
    AtomicInteger mode = new AtomicInteger();
    RequestHandler hostile = (who, req) -> CompletableFuture.completedFuture(mode.get() == 0
        ? new byte[] {ClientWire.OK, 1, 2} : ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy"));
    AtomicInteger cards = new AtomicInteger();
    RequestHandler honest = (who, req) -> {
      if (req[0] == ClientWire.PUBLISH_KEY_CARD) {
        cards.incrementAndGet();
        return CompletableFuture.completedFuture(new byte[] {ClientWire.OK});
      }
      return CompletableFuture.completedFuture(new LedgerWire.Writer(ClientWire.OK).i64(42).toBytes());
    };
    try (NodeEndpoint h = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(hostileKey),
        client.publicKey()::equals, hostile, TransportLimits.defaults());
        NodeEndpoint o = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(honestKey),
            client.publicKey()::equals, honest, TransportLimits.defaults());
        NodeEndpoint o2 = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(secondKey),
            client.publicKey()::equals, honest, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(hostileKey.publicKey(), h.boundAddress(), ServerRole.FEDERATION)
            .node(honestKey.publicKey(), o.boundAddress(), ServerRole.FEDERATION)
            .node(secondKey.publicKey(), o2.boundAddress(), ServerRole.FEDERATION).build();
        RemoteConnection alone = RemoteConnection.builder(TlsIdentity.of(client))
            .node(hostileKey.publicKey(), h.boundAddress(), ServerRole.FEDERATION).build()) {
      assertEquals(42, c.height(), "garbage from the first node");
      assertThrows(MalformedEncodingException.class, alone::height, "garbage from the only node is still raised");
      mode.set(1);
      assertEquals(42, c.height(), "a refusal from the first node");
      assertThrows(IllegalArgumentException.class, () -> c.publish(Identity.generate(ParticipantKind.PATIENT, "Anna").card()),
          "the refusal is raised");
      assertTrue(cards.get() == 2, "but the nodes after the refusing one got the card");
    }
  }
}
