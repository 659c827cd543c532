package io.medledger.storage;

/** A stored blob's bytes no longer hash to its id. The bytes are never returned. */
public class BlobCorruptedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public BlobCorruptedException(String message) {
    super(message);
  }
}
