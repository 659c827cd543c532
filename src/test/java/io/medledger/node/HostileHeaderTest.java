package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.CertifiedBlock;
import io.medledger.client.SmallFederation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.Federation;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A proof (a patient's history, an inclusion, a receipt's commitment) is checked against a block
 * header. A node that forges both the proof and the header could hide access events from an
 * auditor, so a remote connection takes a header only once a second node serves the same one.
 */
@Timeout(120)
class HostileHeaderTest {
  private static CertifiedBlock firstBlockOf(String chain) throws Exception {
    try (Federation f = SmallFederation.builder(chain, 17).directSequencer().build()) {
      f.registerPatient("Anna");
      return f.connection().block(1);
    }
  }

  private static RequestHandler serving(AtomicReference<CertifiedBlock> block) {
    return (who, req) -> CompletableFuture.completedFuture(req[0] == ClientWire.BLOCK
        ? new LedgerWire.Writer(ClientWire.OK).bytes(block.get().encode()).toBytes()
        : ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "not served here"));
  }

  @Test
  void aHeaderNoOtherNodeServesIsNotBelieved() throws Exception {
    CertifiedBlock forged = firstBlockOf("hostile-header-forged");
    CertifiedBlock real = firstBlockOf("hostile-header-real");
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey hostileKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey otherKey = Ed25519PrivateKey.generate();
    AtomicReference<CertifiedBlock> otherServes = new AtomicReference<>(real);
    try (NodeEndpoint hostile = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(hostileKey),
        client.publicKey()::equals, serving(new AtomicReference<>(forged)), TransportLimits.defaults());
        NodeEndpoint honest = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(otherKey),
            client.publicKey()::equals, serving(otherServes), TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(hostileKey.publicKey(), hostile.boundAddress(), ServerRole.FEDERATION)
            .node(otherKey.publicKey(), honest.boundAddress(), ServerRole.AUDIT)
            .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(2)).build()) {
      assertEquals(forged.header(), c.block(1).header(), "one node's block, as served");
      UnconfirmedAnswerException e = assertThrows(UnconfirmedAnswerException.class, () -> c.header(1));
      assertTrue(e.getMessage().contains("header 1"), e.getMessage());
      otherServes.set(forged);
      assertEquals(forged.header(), c.header(1), "confirmed by the other node");
    }
  }
}
