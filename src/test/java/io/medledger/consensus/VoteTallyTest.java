package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Vote counting per kind and round, one vote per voter, quorums and certificate assembly. */
class VoteTallyTest {
  private static final Digest CHAIN = digest(99);
  private static final Digest A = digest(1);
  private static final Digest B = digest(2);

  private static Digest digest(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    return Digest.of(b);
  }

  private static byte[] sig(int voter) {
    byte[] s = new byte[64];
    s[0] = (byte) voter;
    return s;
  }

  @Test
  void countsOneVotePerVoterKindAndRound() {
    VoteTally t = new VoteTally();
    assertTrue(t.isEmpty());
    assertTrue(t.add(StatementKind.PREVOTE, 0, A, 1, sig(1)));
    assertFalse(t.add(StatementKind.PREVOTE, 0, B, 1, sig(1)), "a second prevote of voter 1 at round 0 is ignored");
    assertTrue(t.add(StatementKind.PREVOTE, 1, B, 1, sig(1)), "another round");
    assertTrue(t.add(StatementKind.PRECOMMIT, 0, B, 1, sig(1)), "another kind");
    assertFalse(t.add(StatementKind.PRECOMMIT, 0, A, 1, sig(1)));
    assertTrue(t.add(StatementKind.PREVOTE, 0, A, 2, sig(2)));
    assertFalse(t.isEmpty());
    assertEquals(4, t.size());
    assertEquals(2, t.count(StatementKind.PREVOTE, 0, A));
    assertEquals(0, t.count(StatementKind.PREVOTE, 0, B));
    assertEquals(1, t.count(StatementKind.PRECOMMIT, 0, B));
    assertEquals(0, t.count(StatementKind.PRECOMMIT, 5, B));
    assertEquals(List.of(0, 1), new ArrayList<>(t.rounds(StatementKind.PREVOTE)));
    assertEquals(List.of(0), new ArrayList<>(t.rounds(StatementKind.PRECOMMIT)));
    t.clear();
    assertTrue(t.isEmpty());
    assertEquals(0, t.size());
    assertTrue(t.add(StatementKind.PREVOTE, 0, B, 1, sig(1)), "a new height counts afresh");
    assertFalse(t.isEmpty(), "prevotes alone");
    t.clear();
    t.add(StatementKind.PRECOMMIT, 0, B, 1, sig(1));
    assertFalse(t.isEmpty(), "precommits alone");
    assertThrows(IllegalArgumentException.class, () -> t.add(StatementKind.TIMEOUT, 0, A, 3, sig(3)));
  }

  @Test
  void slotsOfHighVoterIndicesAndRoundsDoNotCollide() {
    VoteTally t = new VoteTally();
    assertTrue(t.add(StatementKind.PREVOTE, 1, A, 0, sig(0)));
    assertTrue(t.add(StatementKind.PREVOTE, 0, A, 1 << 15, sig(0)));
    assertTrue(t.add(StatementKind.PREVOTE, 0, A, 0, sig(0)));
    assertTrue(t.add(StatementKind.PREVOTE, 70_000, A, 0, sig(0)));
  }

  @Test
  void quorumIsReachedAtExactlyTheQuorumSize() {
    VoteTally t = new VoteTally();
    t.add(StatementKind.PREVOTE, 2, A, 0, sig(0));
    t.add(StatementKind.PREVOTE, 2, A, 3, sig(3));
    t.add(StatementKind.PREVOTE, 2, B, 1, sig(1));
    assertEquals(List.of(), t.quorumHashes(StatementKind.PREVOTE, 2, 3));
    t.add(StatementKind.PREVOTE, 2, A, 2, sig(2));
    assertEquals(List.of(A), t.quorumHashes(StatementKind.PREVOTE, 2, 3));
    assertEquals(List.of(), t.quorumHashes(StatementKind.PREVOTE, 1, 3));
    assertEquals(List.of(), t.quorumHashes(StatementKind.PRECOMMIT, 2, 3), "kinds are counted apart");
    assertEquals(2, t.quorumHashes(StatementKind.PREVOTE, 2, 1).size());
  }

  @Test
  void certificateListsTheSignersAscendingAndVerifies() {
    List<Ed25519PrivateKey> keys = new ArrayList<>();
    List<Ed25519PublicKey> voters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] seed = new byte[32];
      seed[1] = (byte) (i + 1);
      keys.add(Ed25519PrivateKey.fromSeed(seed));
      voters.add(keys.get(i).publicKey());
    }
    Statement st = new Statement(StatementKind.PRECOMMIT, 7, 1, A, -1);
    VoteTally t = new VoteTally();
    for (int i : new int[] {3, 0, 2}) {
      t.add(StatementKind.PRECOMMIT, 1, A, i, keys.get(i).sign(st.signingBytes(CHAIN)));
    }
    QuorumCertificate c = t.certificate(StatementKind.PRECOMMIT, 7, 1, A);
    assertEquals(st, c.statement());
    assertEquals(7, c.height());
    assertEquals(1, c.round());
    assertEquals(A, c.blockHash());
    assertFalse(t.add(new ConsensusMessage.Vote(st, 3, keys.get(3).sign(st.signingBytes(CHAIN)), -1, new byte[64])),
        "a signed vote counts through the same slots");
    Statement pv = new Statement(StatementKind.PREVOTE, 7, 1, B, -1);
    assertTrue(t.add(new ConsensusMessage.Vote(pv, 3, keys.get(3).sign(pv.signingBytes(CHAIN)), -1, new byte[64])));
    assertEquals(1, t.count(StatementKind.PREVOTE, 1, B));
    QuorumCertificate.VoterSignature one = new QuorumCertificate.VoterSignature(1, sig(1));
    assertEquals(one, new QuorumCertificate.VoterSignature(1, sig(1)));
    assertEquals(one.hashCode(), new QuorumCertificate.VoterSignature(1, sig(1)).hashCode());
    assertFalse(one.equals(new QuorumCertificate.VoterSignature(1, sig(2))), "another signature");
    assertFalse(one.equals(new QuorumCertificate.VoterSignature(2, sig(1))), "another signer");
    assertFalse(one.toString().isEmpty());
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate.VoterSignature(1, new byte[63]));
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate.VoterSignature(1, null));
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate.VoterSignature(-1, sig(1)));
    assertEquals(List.of(0, 2, 3), c.signers());
    assertArrayEquals(keys.get(2).sign(st.signingBytes(CHAIN)), c.signatures().get(1).signature());
    assertTrue(c.verify(CHAIN, voters));
  }
}
