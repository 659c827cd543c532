package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Block;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Endorsement;
import io.medledger.chain.ValidationResult;
import io.medledger.codec.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An audit server keeps the block of the next height it validated when a commit notice for the
 * height it already holds arrives late: its certified block is then appended as validated, not
 * validated again. Blocks of heights the ledger holds (other rounds' candidates) are dropped. The
 * direct sequencer's path: {@link RotatingAuditSequencer} proposes, votes and commits through them.
 */
class HeldBlocksTest {
  /** A certificate of {@code block} from every audit server of {@code f}. */
  private static CertifiedBlock certified(Federation f, Block block) {
    List<Endorsement> votes = new ArrayList<>();
    for (FederationServer a : f.auditNodes()) {
      ValidationResult<Endorsement> v = a.vote(block);
      assertTrue(v.isAccepted(), String.valueOf(v));
      votes.add(v.value());
    }
    return new CertifiedBlock(block, new Certificate(votes.stream().sorted().toList(), ByteString.EMPTY));
  }

  private static Block candidate(FederationServer bookkeeper, int round, long time) {
    ValidationResult<BlockCandidate> c = bookkeeper.propose(round, time, List.of());
    assertTrue(c.isAccepted(), String.valueOf(c));
    return c.value().block().block();
  }

  @Test
  void aLateCommitNoticeKeepsTheNextHeightsValidatedBlockAndACommitDropsTheOtherCandidates() {
    try (Federation f = TestFederation.builder().directSequencer().build()) {
      FederationServer bk = f.federationNodes().get(0);
      FederationServer auditor = f.auditNodes().get(0);
      long tip = auditor.ledger().height();
      long time = Math.max(f.clock().millis(), auditor.ledger().tip().orElseThrow().timestamp());
      Block first = candidate(bk, 0, time);
      Block second = candidate(bk, 1, time + 1);
      CertifiedBlock made = certified(f, first);
      assertTrue(auditor.vote(second).isAccepted());
      assertEquals(2, auditor.heldBlocks(), "control: both candidates of the next height are held");

      auditor.committed(tip); // the notice of the tip, late: the next height's blocks stay validated
      assertEquals(2, auditor.heldBlocks(), "a late commit notice dropped the next height's validated blocks");

      ValidationResult<CertifiedBlock> r = auditor.commit(made);
      assertTrue(r.isAccepted(), String.valueOf(r));
      assertEquals(tip + 1, auditor.ledger().height());
      assertEquals(0, auditor.heldBlocks(), "the other round's candidate can never be appended: dropped");
    }
  }
}
