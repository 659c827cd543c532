package io.medledger.storage;

import io.medledger.MedLedgerException;

/**
 * A block or state store operation failed: an I/O error (the cause is attached), a store that is
 * closed or locked by another process, or a store whose files are damaged ({@link StoreCorruptedException}).
 *
 * <p>Unchecked, like the other exceptions of this library; messages name files and offsets, never
 * block contents.
 */
public class StoreException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public StoreException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the underlying cause. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
