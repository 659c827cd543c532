package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.consensus.Admission.Decision;
import io.medledger.consensus.ConsensusMessage.Proposal;
import io.medledger.consensus.ConsensusMessage.Timeout;
import io.medledger.consensus.ConsensusMessage.Vote;
import io.medledger.crypto.Digest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The round window K, the next-height buffer with its per-signer quota, and the past-height window. */
class AdmissionTest {
  private static final int K = Admission.ROUND_WINDOW;
  private static final Digest HASH = Digest.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

  private static Vote vote(long h, int r) {
    return new Vote(new Statement(StatementKind.PREVOTE, h, r, HASH, -1), 0, new byte[64], -1, new byte[64]);
  }

  @Test
  void currentHeightKeepsRoundsUpToKAheadAndTimeoutsOfAnyRound() {
    Admission a = new Admission();
    assertEquals(8, K);
    assertEquals(Decision.CURRENT, a.decide(5, 2, 5, 0, false), "earlier rounds of this height count");
    assertEquals(Decision.CURRENT, a.decide(5, 2, 5, 2 + K, false));
    assertEquals(Decision.DROP, a.decide(5, 2, 5, 3 + K, false));
    assertEquals(Decision.CURRENT, a.decide(5, 2, 5, 1000, true), "a far timeout only raises that voter's round");
  }

  @Test
  void nextHeightKeepsRoundsZeroToKAndNothingBeyondIt() {
    Admission a = new Admission();
    assertEquals(Decision.NEXT_HEIGHT, a.decide(5, 7, 6, 0, false));
    assertEquals(Decision.NEXT_HEIGHT, a.decide(5, 7, 6, K, false));
    assertEquals(Decision.DROP, a.decide(5, 7, 6, K + 1, false));
    assertEquals(Decision.DROP, a.decide(5, 7, 6, K + 1, true), "timeouts of the next height are windowed too");
    assertEquals(Decision.DROP, a.decide(5, 0, 7, 0, false), "two heights ahead");
  }

  @Test
  void pastHeightsAreKeptForEvidenceWithinWhereTheNodeLeftThemPlusK() {
    Admission a = new Admission();
    a.left(3, 4);
    assertEquals(Decision.PAST, a.decide(5, 0, 3, 4 + K, false));
    assertEquals(Decision.PAST_BEYOND_WINDOW, a.decide(5, 0, 3, 5 + K, false));
    assertEquals(Decision.PAST, a.decide(5, 0, 4, K, false), "unknown leave round counts as 0");
    assertEquals(Decision.PAST_BEYOND_WINDOW, a.decide(5, 0, 4, K + 1, false));
    assertEquals(Decision.DROP, a.decide(5, 0, 2, 0, false), "three heights back");
    assertEquals(Decision.DROP, a.decide(2, 0, 0, 0, false), "height 0 is genesis");
    assertEquals(Decision.PAST, a.decide(2, 0, 1, 0, false));
    a.enter(5, 4);
    assertEquals(Decision.PAST, a.decide(5, 0, 3, 4 + K, false), "kept while the height is within two");
    a.enter(6, 4);
    assertEquals(Decision.PAST_BEYOND_WINDOW, a.decide(5, 0, 3, 4 + K, false), "forgotten below height - 2");
  }

  @Test
  void bufferIsBoundedPerSignerAndDrainedOnEnteringTheHeight() {
    Admission a = new Admission();
    a.enter(5, 3);
    int quota = Admission.FUTURE_PER_SIGNER;
    assertEquals(4 * (K + 1), quota);
    for (int i = 0; i < quota; i++) {
      assertTrue(a.buffer(1, vote(6, i % (K + 1))));
    }
    assertFalse(a.buffer(1, vote(6, 0)), "signer 1 is over its quota");
    assertTrue(a.buffer(2, vote(6, 0)), "signer 2 has its own");
    assertFalse(a.buffer(-1, vote(6, 0)), "an unverified signer is never buffered");
    assertEquals(quota + 1, a.buffered());
    assertEquals((quota + 1) * 100L, a.retainedBytes(100));
    List<ConsensusMessage> drained = a.enter(6, 3);
    assertEquals(quota + 1, drained.size());
    assertEquals(0, a.buffered());
    assertEquals(0, a.retainedBytes(100));
    assertTrue(a.buffer(1, vote(7, 0)), "quotas restart at the new height");
  }

  @Test
  void bufferedBlocksCountInTheRetainedBytes() {
    Admission a = new Admission();
    a.enter(1, 2);
    Statement ps = new Statement(StatementKind.PROPOSAL, 2, 0, HASH, -1);
    a.buffer(0, new Proposal(ps, new byte[64], new byte[1000], null));
    Statement ts = new Statement(StatementKind.TIMEOUT, 2, 1, HASH, 0);
    QuorumCertificate pol = new QuorumCertificate(new Statement(StatementKind.PREVOTE, 2, 0, HASH, -1),
        List.of(new QuorumCertificate.VoterSignature(0, new byte[64])));
    a.buffer(1, new Timeout(ts, 1, new byte[64], pol, new byte[300]));
    assertEquals(1000 + 300 + 2 * 10, a.retainedBytes(10));
  }

  @Test
  void roundOfEachKind() {
    assertEquals(0, Admission.roundOf(ConsensusMessage.Status.sign(4, 7, 0,
        io.medledger.crypto.Ed25519PrivateKey.fromSeed(new byte[32]), HASH)), "a status has no round");
    assertEquals(3, Admission.roundOf(vote(1, 3)));
    assertEquals(4, Admission.roundOf(new Proposal(new Statement(StatementKind.PROPOSAL, 1, 4, HASH, -1),
        new byte[64], new byte[1], null)));
    assertEquals(5, Admission.roundOf(new Timeout(new Statement(StatementKind.TIMEOUT, 1, 5, Statement.NO_BLOCK, -1),
        0, new byte[64], null, new byte[0])));
  }
}
