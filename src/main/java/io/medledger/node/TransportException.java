package io.medledger.node;

import io.medledger.MedLedgerException;

/** A transport could not be started, a connection failed, or a peer broke the wire protocol. */
public class TransportException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
