package io.medledger.anchor.bitcoin;

import java.util.Objects;

/**
 * The verdict of {@link InputVerifier} on one input. Immutable and thread-safe.
 *
 * @param status valid, invalid, or a script type the verifier does not handle
 * @param reason a short explanation (empty when valid)
 */
public record InputVerification(Status status, String reason) {
  /** Outcome kinds. */
  public enum Status {
    /** The input's signature and key check out. */
    VALID,
    /** The input does not satisfy its script. */
    INVALID,
    /** The spent script is not P2PKH, P2WPKH or P2TR key path. */
    UNSUPPORTED
  }

  /** Validates the fields. */
  public InputVerification {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
  }

  static InputVerification valid() {
    return new InputVerification(Status.VALID, "");
  }

  static InputVerification invalid(String reason) {
    return new InputVerification(Status.INVALID, reason);
  }

  static InputVerification unsupported(String reason) {
    return new InputVerification(Status.UNSUPPORTED, reason);
  }

  /** True if the status is {@link Status#VALID}. */
  public boolean isValid() {
    return status == Status.VALID;
  }
}
