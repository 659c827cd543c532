package io.medledger.chain;

import io.medledger.storage.StoreException;

/**
 * Thrown by a {@link Ledger} that is closed, or that was closed while the call waited for it: the
 * call read or changed nothing. A {@link StoreException}, since the stores it would use are closed.
 *
 * <p>Immutable once thrown.
 */
public final class LedgerClosedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public LedgerClosedException() {
    super("the ledger is closed");
  }
}
