package io.medledger.storage;

/** A blob store could not be reached, read or written. */
public class BlobUnavailableException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public BlobUnavailableException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public BlobUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
