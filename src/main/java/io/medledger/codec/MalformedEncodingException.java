package io.medledger.codec;

import io.medledger.MedLedgerException;

/**
 * Thrown when bytes or text from outside (network, disk, user) do not decode to a valid value:
 * wrong length, non-canonical form, unknown version, trailing bytes, an invalid curve point.
 *
 * <p>Messages describe what was wrong with the input, never secret material.
 */
public class MalformedEncodingException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message describing the defect. */
  public MalformedEncodingException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the underlying cause. */
  public MalformedEncodingException(String message, Throwable cause) {
    super(message, cause);
  }
}
