package io.medledger.client;

import io.medledger.MedLedgerException;

/**
 * The federation refused an entry: admission or block validation rejected it, or no block could
 * be made final. The reason comes from the ledger's validation rules. A client that can already
 * see that those rules refuse the entry (a patient's grants not revoked past their bound, a key
 * registered again) throws it before sending anything, saying so in the message.
 */
public class EntryRejectedException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public EntryRejectedException(String message) {
    super(message);
  }
}
