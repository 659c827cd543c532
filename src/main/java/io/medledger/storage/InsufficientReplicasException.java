package io.medledger.storage;

import io.medledger.MedLedgerException;

/**
 * Fewer storage nodes acknowledged a write than the write quorum requires, or no node could
 * serve a verified copy for a read. Nothing that failed is reported as stored.
 */
public class InsufficientReplicasException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public InsufficientReplicasException(String message) {
    super(message);
  }
}
