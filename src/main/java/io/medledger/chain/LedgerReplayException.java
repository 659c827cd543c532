package io.medledger.chain;

import io.medledger.MedLedgerException;

/**
 * Thrown when a block store's contents do not replay into a valid chain (a stored block fails to
 * decode or to validate). The message names the height and the reason.
 */
public final class LedgerReplayException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  private final long height;

  /** Creates the exception for the block at {@code height}. */
  public LedgerReplayException(long height, String reason, Throwable cause) {
    super("stored block at height " + height + " is invalid: " + reason, cause);
    this.height = height;
  }

  /** The height of the offending block. */
  public long height() {
    return height;
  }
}
