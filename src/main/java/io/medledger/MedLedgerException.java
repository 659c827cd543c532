package io.medledger;

/**
 * The root of every exception MedLedger throws on purpose. All are unchecked: a refusal, a fault
 * or malformed input is reported by a subtype that names what was refused or which node, proxy or
 * store failed. Messages never carry key material or payloads.
 *
 * <p>Instances are immutable once thrown and may be shared between threads.
 */
public class MedLedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message. */
  public MedLedgerException(String message) {
    super(message);
  }

  /** Creates the exception with a message and its cause. */
  public MedLedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
