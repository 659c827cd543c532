package io.medledger.network;

import io.medledger.MedLedgerException;
import java.util.Objects;

/**
 * A client asked for something its participant type or its grants do not allow. The message and
 * {@link #missingRight()} name the right that was missing; no secret or payload is included.
 * The same rule is enforced again by block validation, so a modified client gains nothing.
 */
public class AccessRefusedException extends MedLedgerException {
  private static final long serialVersionUID = 1L;
  private final String missingRight;

  /**
   * Creates the exception.
   *
   * @param missingRight a short name of the missing right, for example {@code treatment-grant}
   * @param message what was refused and why
   */
  public AccessRefusedException(String missingRight, String message) {
    super("access denied (" + Objects.requireNonNull(missingRight, "missingRight") + "): " + message);
    this.missingRight = missingRight;
  }

  /** The missing right, for example {@code research-grant} or {@code role:patient}. */
  public String missingRight() {
    return missingRight;
  }
}
