package io.medledger.client;

import io.medledger.MedLedgerException;
import java.util.Objects;

/**
 * A client asked for something its participant type or its grants do not allow. The message and
 * {@link #missingRight()} name the right that was missing; no secret or payload is included.
 * The same rule is enforced again by block validation, so a modified client gains nothing.
 */
public class AccessRefusedException extends MedLedgerException {
  private static final long serialVersionUID = 1L;
  private final AccessRight missingRight;

  /**
   * Creates the exception.
   *
   * @param missingRight the missing right, for example {@link AccessRight#TREATMENT_GRANT}
   * @param message what was refused and why
   */
  public AccessRefusedException(AccessRight missingRight, String message) {
    super("access denied (" + Objects.requireNonNull(missingRight, "missingRight").label() + "): " + message);
    this.missingRight = missingRight;
  }

  /** The missing right, for example {@link AccessRight#RESEARCH_GRANT}. */
  public AccessRight missingRight() {
    return missingRight;
  }
}
