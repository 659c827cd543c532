package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Ledger;
import io.medledger.consensus.ConsensusMessage;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.transport.NodeFrames;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One member floods every other node with votes that carry bad signatures, as fast as the
 * transport takes them: each node stops hearing it once its budget of bad signatures is spent, so
 * the federation goes on committing at its pace.
 */
@Timeout(120)
class ConsensusFloodTest {
  @Test
  void aMemberFloodingForgedVotesDoesNotStallTheFederation() throws Exception {
    try (NodeCluster c = new NodeCluster("rotating-audit", false, 4, 4)) {
      c.maxBlockEntries = 10;
      c.create();
      int flooder = c.members.size() - 1; // an audit server whose driver never starts: its transport is the attacker's
      c.startAllBut(flooder);
      Ledger reference = c.ledgers.get(0);
      for (int i = 0; i < 40; i++) {
        c.drivers.get(i % 4).submit(c.fixture.registerPatient(c.fixture.actor("a" + i)).encode());
      }
      NodeCluster.await(() -> reference.height() >= 3, 60_000, () -> "3 blocks: " + reference.height());
      List<Ed25519PublicKey> voters = Protocols.voters(c.protocol,
          new io.medledger.consensus.LedgerApp(reference).membership(reference.height() + 1));
      int voter = voters.indexOf(c.members.get(flooder).publicKey());
      PeerTransport attacker = c.transports.get(flooder);
      long before = reference.height();
      long start = System.nanoTime();
      int sent = 0;
      int submitted = 0;
      while (System.nanoTime() - start < 5_000_000_000L) {
        long h = reference.height() + 1;
        for (int i = 0; i < 50; i++) {
          Statement st = new Statement(StatementKind.PREVOTE, h, i % 8, Sha256.hash(new byte[] {(byte) sent,
              (byte) (sent >> 8), (byte) (sent >> 16)}), -1);
          byte[] junk = new byte[64];
          junk[0] = (byte) sent;
          junk[1] = (byte) (sent >> 8);
          junk[2] = (byte) (sent >> 16);
          byte[] frame = NodeFrames.consensus(new ConsensusMessage.Vote(st, voter, junk, -1, new byte[64]).encode());
          for (int j = 0; j < flooder; j++) {
            attacker.send(c.members.get(j).publicKey(), frame);
          }
          sent++;
        }
        if (submitted < 400) {
          c.drivers.get(submitted % 4).submit(c.fixture.registerPatient(c.fixture.actor("b" + submitted)).encode());
          submitted++;
        }
        Thread.sleep(1);
      }
      long during = reference.height() - before;
      System.out.printf("vote flood: %d forged votes to each of %d nodes in 5 s; %d blocks committed meanwhile%n", sent,
          flooder, during);
      assertTrue(sent >= 20_000, "control: the flood was heavy: " + sent);
      assertTrue(during >= 10, "the federation went on committing during the flood: " + during + " blocks");
    }
  }
}
