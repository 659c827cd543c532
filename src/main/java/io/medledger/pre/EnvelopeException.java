package io.medledger.pre;

import io.medledger.MedLedgerException;

/**
 * A record envelope could not be opened or its grant material could not be used: wrong key,
 * tampered bytes, a forged or wrong capsule fragment, too few fragments, or a revoked grant.
 * Messages name the proxy at fault where there is one, never key material.
 */
public class EnvelopeException extends MedLedgerException {
  private static final long serialVersionUID = 1L;
  private final String proxyId;

  /** Creates the exception. */
  public EnvelopeException(String message) {
    this(message, null, null);
  }

  /** Creates the exception, naming the proxy at fault (or {@code null}) and the cause. */
  public EnvelopeException(String message, String proxyId, Throwable cause) {
    super(message, cause);
    this.proxyId = proxyId;
  }

  /** The proxy whose fragment or answer was at fault, or {@code null}. */
  public String proxyId() {
    return proxyId;
  }
}
