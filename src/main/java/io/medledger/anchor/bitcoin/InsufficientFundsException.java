package io.medledger.anchor.bitcoin;

import io.medledger.MedLedgerException;

/**
 * Thrown when the available UTXOs cannot pay for an anchor transaction at the requested fee.
 * Immutable once thrown.
 */
public final class InsufficientFundsException extends MedLedgerException {
  private static final long serialVersionUID = 1L;
  private final long required;
  private final long available;

  /** Creates the exception with the amounts involved, in satoshis. */
  public InsufficientFundsException(long required, long available) {
    super("insufficient funds: need at least " + required + " sat, have " + available + " sat");
    this.required = required;
    this.available = available;
  }

  /** Satoshis needed. */
  public long required() {
    return required;
  }

  /** Satoshis available. */
  public long available() {
    return available;
  }
}
