package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.ConsensusMessage.Proposal;
import io.medledger.consensus.ConsensusMessage.Timeout;
import io.medledger.consensus.ConsensusMessage.Vote;
import io.medledger.crypto.Digest;
import io.medledger.internal.consensus.Wire;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lock rule, proof-of-lock adoption and the saved form of what a node signed. */
class LockStateTest {
  private static final Digest A = digest(1);
  private static final Digest B = digest(2);

  private static Digest digest(int i) {
    byte[] b = new byte[32];
    b[5] = (byte) i;
    return Digest.of(b);
  }

  private static QuorumCertificate prevotes(long h, int r, Digest hash) {
    byte[] s = new byte[64];
    s[0] = 1;
    return new QuorumCertificate(new Statement(StatementKind.PREVOTE, h, r, hash, -1),
        List.of(new QuorumCertificate.VoterSignature(0, s), new QuorumCertificate.VoterSignature(2, s)));
  }

  @Test
  void anUnlockedNodeMayPrevoteAnything() {
    LockState s = new LockState();
    assertTrue(s.mayPrevote(A, -1, 0));
    assertTrue(s.mayPrevote(B, -1, 5));
  }

  @Test
  void aLockedNodePrevotesItsBlockOrAProofOfLockFromItsLockRoundOnAndBeforeThisRound() {
    LockState s = new LockState();
    s.lock(2, A);
    assertEquals(2, s.lockedRound);
    assertEquals(A, s.lockedHash);
    assertTrue(s.mayPrevote(A, -1, 3), "its own block");
    assertFalse(s.mayPrevote(B, -1, 3), "another block without proof of lock");
    assertFalse(s.mayPrevote(B, 1, 3), "a proof of lock older than the lock");
    assertTrue(s.mayPrevote(B, 2, 3), "a proof of lock at the lock round");
    assertTrue(s.mayPrevote(B, 4, 5), "a later proof of lock");
    assertFalse(s.mayPrevote(B, 5, 5), "a proof of lock must be of an earlier round than the proposal");
    assertFalse(s.mayPrevote(B, 6, 5));
    s.lock(0, B);
    assertTrue(s.mayPrevote(B, -1, 1));
    assertFalse(s.mayPrevote(A, -1, 1), "a lock at round 0 is a lock");
    assertTrue(s.mayPrevote(A, 0, 1), "a lock at round 0 yields to a proof of lock at round 0");
  }

  @Test
  void adoptsOnlyAHigherProofOfLock() {
    LockState s = new LockState();
    assertTrue(s.learnValid(1, A, prevotes(3, 1, A)));
    assertFalse(s.learnValid(1, B, prevotes(3, 1, B)), "same round: keeps the first");
    assertFalse(s.learnValid(0, B, prevotes(3, 0, B)));
    assertEquals(A, s.validHash);
    assertTrue(s.learnValid(2, B, prevotes(3, 2, B)));
    assertEquals(2, s.validRound);
    assertEquals(B, s.validHash);
    assertEquals(prevotes(3, 2, B), s.validCert);
    assertTrue(new LockState().learnValid(0, A, prevotes(3, 0, A)), "round 0 is above none");
  }

  @Test
  void resumesAtTheHighestRoundItSignedIn() {
    LockState s = new LockState();
    assertEquals(3, s.resumeRound(3));
    s.lastPrevoteRound = 4;
    assertEquals(4, s.resumeRound(3));
    s.lastPrecommitRound = 5;
    assertEquals(5, s.resumeRound(3));
    s.lastTimeoutRound = 7;
    assertEquals(7, s.resumeRound(3));
    s.lastProposalRound = 9;
    assertEquals(7, s.resumeRound(3), "a proposal round does not move the node on");
    assertEquals(8, s.resumeRound(8));
  }

  @Test
  void savedFormRoundTripsEverythingAndResetForgetsIt() {
    LockState s = new LockState();
    s.lock(1, A);
    s.learnValid(1, A, prevotes(6, 1, A));
    s.lastPrevoteRound = 1;
    s.lastPrecommitRound = 1;
    s.lastTimeoutRound = 2;
    s.lastProposalRound = 0;
    s.myPrevote = new Vote(new Statement(StatementKind.PREVOTE, 6, 1, A, -1), 3, new byte[64], -1, new byte[64]);
    s.myPrecommit = new Vote(new Statement(StatementKind.PRECOMMIT, 6, 1, A, -1), 3, new byte[64], -1, new byte[64]);
    s.myTimeout = new Timeout(new Statement(StatementKind.TIMEOUT, 6, 2, A, 1), 3, new byte[64], prevotes(6, 1, A),
        new byte[] {7, 7});
    s.myProposal = new Proposal(new Statement(StatementKind.PROPOSAL, 6, 0, A, -1), new byte[64], new byte[] {7, 7}, null);
    byte[] saved = s.encode(6, 2, new byte[] {7, 7});

    Wire.Reader r = new Wire.Reader(saved);
    assertEquals(6, LockState.readHeight(r));
    LockState t = new LockState();
    assertEquals(2, t.read(r, 1 << 20));
    assertEquals(1, r.i32In(-1, Integer.MAX_VALUE, "valid round"));
    assertEquals(prevotes(6, 1, A), QuorumCertificate.read(r));
    assertArrayEquals(new byte[] {7, 7}, r.bytes(100));
    r.done();
    assertEquals(1, t.lockedRound);
    assertEquals(A, t.lockedHash);
    assertEquals(1, t.lastPrevoteRound);
    assertEquals(1, t.lastPrecommitRound);
    assertEquals(2, t.lastTimeoutRound);
    assertEquals(0, t.lastProposalRound);
    assertArrayEquals(s.myPrevote.encode(), t.myPrevote.encode());
    assertArrayEquals(s.myPrecommit.encode(), t.myPrecommit.encode());
    assertArrayEquals(s.myTimeout.encode(), t.myTimeout.encode());
    assertArrayEquals(s.myProposal.encode(), t.myProposal.encode());
    assertEquals(-1, t.validRound, "the caller reads the proof of lock");

    t.reset();
    assertEquals(-1, t.lockedRound);
    assertNull(t.lockedHash);
    assertEquals(-1, t.validRound);
    assertNull(t.validHash);
    assertNull(t.validCert);
    assertEquals(-1, t.lastPrevoteRound);
    assertEquals(-1, t.lastPrecommitRound);
    assertEquals(-1, t.lastTimeoutRound);
    assertEquals(-1, t.lastProposalRound);
    assertNull(t.myPrevote);
    assertNull(t.myPrecommit);
    assertNull(t.myTimeout);
    assertNull(t.myProposal);
  }

  @Test
  void anEmptyStateSavesNoLockAndNoProofOfLock() {
    LockState s = new LockState();
    byte[] saved = s.encode(3, 0, null);
    Wire.Reader r = new Wire.Reader(saved);
    assertEquals(3, LockState.readHeight(r));
    LockState t = new LockState();
    t.lock(4, B);
    assertEquals(0, t.read(r, 1 << 20));
    assertEquals(-1, t.lockedRound);
    assertNull(t.lockedHash, "no lock reads back as none, not as the zero hash");
    assertNull(t.myPrevote);
    assertEquals(-1, r.i32In(-1, Integer.MAX_VALUE, "valid round"));
    r.done();

    s.learnValid(0, A, prevotes(3, 0, A));
    Wire.Reader r2 = new Wire.Reader(s.encode(3, 0, null));
    LockState.readHeight(r2);
    new LockState().read(r2, 1 << 20);
    assertEquals(-1, r2.i32In(-1, Integer.MAX_VALUE, "valid round"), "a proof of lock without its block is not saved");
    r2.done();

    s.lock(0, A);
    Wire.Reader r3 = new Wire.Reader(s.encode(3, 0, new byte[] {4}));
    LockState.readHeight(r3);
    LockState u = new LockState();
    u.read(r3, 1 << 20);
    assertEquals(A, u.lockedHash, "a lock at round 0 keeps its block");
    assertEquals(0, r3.i32In(-1, Integer.MAX_VALUE, "valid round"), "a proof of lock at round 0 is saved");
  }

  @Test
  void refusesAnotherVersionAndAMessageOfTheWrongKind() {
    byte[] saved = new LockState().encode(3, 0, null);
    saved[0] = 2;
    assertThrows(MalformedEncodingException.class, () -> LockState.readHeight(new Wire.Reader(saved)));
    // a timeout where the prevote belongs
    Timeout timeout = new Timeout(new Statement(StatementKind.TIMEOUT, 3, 0, Statement.NO_BLOCK, -1), 0,
        new byte[64], null, new byte[0]);
    Wire.Writer bad = new Wire.Writer(64).u8(LockState.VERSION).i64(3).i32(0).i32(-1).digest(Statement.NO_BLOCK)
        .i32(-1).i32(-1).i32(0).i32(-1).bytes(timeout.encode());
    Wire.Reader br = new Wire.Reader(bad.toByteArray());
    LockState.readHeight(br);
    assertThrows(ClassCastException.class, () -> new LockState().read(br, 1 << 20));
  }
}
