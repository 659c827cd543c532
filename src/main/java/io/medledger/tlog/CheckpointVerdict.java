package io.medledger.tlog;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link CheckpointVerifier} concluded about a signed note: the verified checkpoint, or the
 * reason it was refused with a detail naming the key or count involved.
 *
 * <p>Immutable and thread-safe.
 *
 * @param reason {@link Reason#VERIFIED} or why the note was refused
 * @param detail a short human-readable explanation (never secret)
 * @param checkpoint present exactly when the reason is {@link Reason#VERIFIED}
 */
public record CheckpointVerdict(Reason reason, String detail, Optional<VerifiedCheckpoint> checkpoint) {
  /** Outcomes of checkpoint verification. */
  public enum Reason {
    /** Enough valid signatures and cosignatures. */
    VERIFIED,
    /** A signature line names a known key but does not verify. */
    BAD_SIGNATURE,
    /** Fewer valid log signatures than the policy needs (including none from a known key). */
    TOO_FEW_SIGNATURES,
    /** A cosignature line names a known witness but does not verify, or is dated too far ahead. */
    BAD_COSIGNATURE,
    /** Fewer valid witness cosignatures than the policy needs. */
    TOO_FEW_COSIGNATURES,
    /** The signed text is not a checkpoint. */
    NOT_A_CHECKPOINT,
    /** The checkpoint is for another log. */
    WRONG_ORIGIN
  }

  /** Checks that a checkpoint is present exactly when verified. */
  public CheckpointVerdict {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    if (checkpoint.isPresent() != (reason == Reason.VERIFIED)) {
      throw new IllegalArgumentException("a checkpoint is present exactly when verified");
    }
  }

  static CheckpointVerdict refused(Reason r, String detail) {
    return new CheckpointVerdict(r, detail, Optional.empty());
  }

  /** Whether the checkpoint verified. */
  public boolean isVerified() {
    return reason == Reason.VERIFIED;
  }
}
