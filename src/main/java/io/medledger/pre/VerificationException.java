package io.medledger.pre;

import io.medledger.MedLedgerException;

/** Thrown by {@link Verification#orElseThrow()} for a rejected fragment; names the reason. */
public final class VerificationException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  private final VerificationFailure reason;

  /** An exception for {@code reason}. */
  public VerificationException(VerificationFailure reason) {
    super(reason.description());
    this.reason = reason;
  }

  /** Why verification failed. */
  public VerificationFailure reason() {
    return reason;
  }
}
