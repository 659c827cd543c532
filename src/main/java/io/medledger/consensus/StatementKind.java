package io.medledger.consensus;

import io.medledger.internal.consensus.StatementBytes;

/** What a signed consensus {@link Statement} asserts. */
public enum StatementKind {
  /** A proposer's assertion: "this block is my proposal at (height, round)". */
  PROPOSAL(StatementBytes.PROPOSAL),
  /** A voter's first-phase vote (audit servers' validation countersignature). */
  PREVOTE(StatementBytes.PREVOTE),
  /** A voter's second-phase vote; a quorum of these is the finality certificate. */
  PRECOMMIT(StatementBytes.PRECOMMIT),
  /** A voter's assertion: "I give up on round r at this height". */
  TIMEOUT(StatementBytes.TIMEOUT);

  private final int code;

  StatementKind(int code) {
    this.code = code;
  }

  /** The one-byte wire code. */
  public int code() {
    return code;
  }

  /** Decodes a wire code. @throws io.medledger.codec.MalformedEncodingException if unknown */
  public static StatementKind fromCode(int code) {
    for (StatementKind k : values()) {
      if (k.code == code) {
        return k;
      }
    }
    throw new io.medledger.codec.MalformedEncodingException("unknown statement kind " + code);
  }
}
