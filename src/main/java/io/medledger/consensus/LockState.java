package io.medledger.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.ConsensusMessage.Proposal;
import io.medledger.consensus.ConsensusMessage.Timeout;
import io.medledger.consensus.ConsensusMessage.Vote;
import io.medledger.crypto.Digest;
import io.medledger.internal.consensus.Wire;

/**
 * What a node has signed and is locked on at the current height, which its {@link SafetyStore}
 * keeps: the lock (round and block), the highest proof of lock it knows (round, block and prevote
 * certificate), the last rounds it prevoted, precommitted, timed out and proposed in, and those
 * messages. Holds the lock rule. Not thread-safe.
 */
final class LockState {
  /** The version byte of the saved encoding. */
  static final int VERSION = 1;

  int lockedRound = -1;
  Digest lockedHash;
  int validRound = -1;
  Digest validHash;
  QuorumCertificate validCert;
  int lastPrevoteRound = -1;
  int lastPrecommitRound = -1;
  int lastTimeoutRound = -1;
  int lastProposalRound = -1;
  Vote myPrevote;
  Vote myPrecommit;
  Timeout myTimeout;
  Proposal myProposal;

  /** Forgets everything (a new height). */
  void reset() {
    lockedRound = -1;
    lockedHash = null;
    validRound = -1;
    validHash = null;
    validCert = null;
    lastPrevoteRound = -1;
    lastPrecommitRound = -1;
    lastTimeoutRound = -1;
    lastProposalRound = -1;
    myPrevote = null;
    myPrecommit = null;
    myTimeout = null;
    myProposal = null;
  }

  /**
   * The lock rule: a node may prevote block {@code hash}, proposed at {@code round} with proof-of-lock
   * round {@code aux} (-1 for none), when it is not locked, or is locked on that block, or the
   * proof of lock is at or after its lock and before {@code round}.
   */
  boolean mayPrevote(Digest hash, int aux, int round) {
    return lockedRound < 0 || hash.equals(lockedHash) || (aux >= lockedRound && aux < round);
  }

  /** Locks on {@code hash} at {@code round} (before precommitting it). */
  void lock(int round, Digest hash) {
    lockedRound = round;
    lockedHash = hash;
  }

  /** Adopts a proof of lock when it is of a higher round than the one known; true if adopted. */
  boolean learnValid(int round, Digest hash, QuorumCertificate cert) {
    if (round > validRound) {
      validRound = round;
      validHash = hash;
      validCert = cert;
      return true;
    }
    return false;
  }

  /** The highest round this node signed a prevote, precommit or timeout in (or {@code round} if higher). */
  int resumeRound(int round) {
    return Math.max(round, Math.max(lastTimeoutRound, Math.max(lastPrevoteRound, lastPrecommitRound)));
  }

  private static void opt(Wire.Writer w, ConsensusMessage m) {
    w.bytes(m == null ? new byte[0] : m.encode());
  }

  /**
   * The saved form at (height, round); {@code polBlock} is the encoded proof-of-lock block, or
   * null when it is not known (the proof of lock is then not saved).
   */
  byte[] encode(long height, int round, byte[] polBlock) {
    Wire.Writer w = new Wire.Writer(256);
    w.u8(VERSION).i64(height).i32(round).i32(lockedRound).digest(lockedHash == null ? Statement.NO_BLOCK : lockedHash)
        .i32(lastPrevoteRound).i32(lastPrecommitRound).i32(lastTimeoutRound).i32(lastProposalRound);
    opt(w, myPrevote);
    opt(w, myPrecommit);
    opt(w, myTimeout);
    opt(w, myProposal);
    boolean pol = validRound >= 0 && polBlock != null;
    w.i32(pol ? validRound : -1);
    if (pol) {
      validCert.write(w);
      w.bytes(polBlock);
    }
    return w.toByteArray();
  }

  /**
   * The largest saved form with messages and a proof-of-lock block of at most
   * {@code maxMessageBytes} each: four messages, the block, a certificate of
   * {@link QuorumCertificate#MAX_SIGNERS} signers and the fixed fields, generously rounded up.
   */
  static long maxEncodedBytes(int maxMessageBytes) {
    return 5L * (maxMessageBytes + 4) + (long) QuorumCertificate.MAX_SIGNERS * (4 + 64) + (64 << 10);
  }

  /** Reads the version and height of a saved form. */
  static long readHeight(Wire.Reader r) {
    if (r.u8() != VERSION) {
      throw new MalformedEncodingException("unknown safety state version");
    }
    return r.i64();
  }

  private static ConsensusMessage optRead(Wire.Reader r, int maxMessageBytes) {
    byte[] b = r.bytes(maxMessageBytes);
    return b.length == 0 ? null : ConsensusMessage.decode(b, maxMessageBytes);
  }

  /**
   * Reads the rest of a saved form after {@link #readHeight} up to the proof of lock (the caller
   * reads that, then calls {@code r.done()}); returns the saved round.
   *
   * @throws ClassCastException if a saved message is of the wrong kind
   */
  int read(Wire.Reader r, int maxMessageBytes) {
    int round = r.i32In(0, Integer.MAX_VALUE, "round");
    lockedRound = r.i32In(-1, Integer.MAX_VALUE, "locked round");
    Digest lh = r.digest();
    lockedHash = lockedRound >= 0 ? lh : null;
    lastPrevoteRound = r.i32();
    lastPrecommitRound = r.i32();
    lastTimeoutRound = r.i32();
    lastProposalRound = r.i32();
    myPrevote = (Vote) optRead(r, maxMessageBytes);
    myPrecommit = (Vote) optRead(r, maxMessageBytes);
    myTimeout = (Timeout) optRead(r, maxMessageBytes);
    myProposal = (Proposal) optRead(r, maxMessageBytes);
    return round;
  }
}
