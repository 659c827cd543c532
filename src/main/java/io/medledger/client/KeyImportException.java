package io.medledger.client;

import io.medledger.MedLedgerException;

/**
 * Exported keys could not be imported: the bytes are not an identity export of a known version,
 * or the passphrase does not open them (or they were altered). The message never carries key
 * material.
 */
public class KeyImportException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public KeyImportException(String message) {
    super(message);
  }
}
