package io.medledger.anchor;

import io.medledger.MedLedgerException;

/**
 * Anchoring could not proceed: the Bitcoin network could not be reached or refused a transaction,
 * or the wallet cannot fund one; or an anchor receipt cannot be exported as an OpenTimestamps proof.
 */
public class AnchorException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public AnchorException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public AnchorException(String message, Throwable cause) {
    super(message, cause);
  }
}
