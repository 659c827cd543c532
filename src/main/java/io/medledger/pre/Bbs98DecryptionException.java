package io.medledger.pre;

import io.medledger.MedLedgerException;

/** Thrown when a BBS98 ciphertext does not decrypt: wrong key, or altered ciphertext or associated data. */
public final class Bbs98DecryptionException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception; the message never contains key material. */
  public Bbs98DecryptionException(String message) {
    super(message);
  }
}
