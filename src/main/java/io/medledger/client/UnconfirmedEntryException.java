package io.medledger.client;

import io.medledger.MedLedgerException;

/**
 * A node reported a submitted entry final, but no other node confirmed it at that place on the
 * ledger in time: the node may be lying (an entry it never passed on, such as a revocation the
 * patient then believes in force) or the others may lag. Whether the entry is on the ledger is
 * unknown; look it up later (for example {@link LedgerConnection#entry}) before submitting again.
 */
public class UnconfirmedEntryException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. @param message which node reported what, and what the others said */
  public UnconfirmedEntryException(String message) {
    super(message);
  }
}
