package io.medledger.anchor.bitcoin;

import java.util.Objects;

/**
 * An unspent output the wallet may spend: where it is, its value and its locking script.
 * Immutable and thread-safe.
 *
 * @param outPoint the output's location
 * @param value its amount in satoshis, 1 to 21 million BTC
 * @param scriptPubKey its locking script
 */
public record Utxo(OutPoint outPoint, long value, Script scriptPubKey) {
  /** Validates the fields. */
  public Utxo {
    Objects.requireNonNull(outPoint, "outPoint");
    Objects.requireNonNull(scriptPubKey, "scriptPubKey");
    if (value <= 0 || value > TxOutput.MAX_MONEY) {
      throw new IllegalArgumentException("UTXO value must be between 1 satoshi and 21 million BTC");
    }
  }

  /** The output as it appears in the funding transaction. */
  public TxOutput toOutput() {
    return new TxOutput(value, scriptPubKey);
  }
}
