package io.medledger.anchor.bitcoin;

import io.medledger.internal.bitcoin.ByteWriter;
import java.util.Objects;

/**
 * A transaction output: an amount in satoshis and a locking script. The value is kept as parsed
 * (consensus range checks are {@link Transaction#checkSanity()}). Immutable and thread-safe.
 *
 * @param value amount in satoshis
 * @param scriptPubKey the locking script
 */
public record TxOutput(long value, Script scriptPubKey) {
  /** 21 million BTC in satoshis: the largest valid output value. */
  public static final long MAX_MONEY = 21_000_000L * 100_000_000L;

  /** Validates the fields. */
  public TxOutput {
    Objects.requireNonNull(scriptPubKey, "scriptPubKey");
  }

  /** Serialized size in bytes (value, script length, script). */
  public int serializedSize() {
    return 8 + ByteWriter.compactSizeLength(scriptPubKey.size()) + scriptPubKey.size();
  }

  /**
   * Bitcoin Core's dust threshold for this output at the default dust relay fee (3 sat/vB): the
   * cost of the output plus the input that would spend it. Zero for OP_RETURN outputs.
   */
  public long dustThreshold() {
    ScriptType t = scriptPubKey.type();
    if (t == ScriptType.OP_RETURN) {
      return 0;
    }
    long spendSize = scriptPubKey.witnessVersion() >= 0 ? 32 + 4 + 1 + 107 / 4 + 4 : 32 + 4 + 1 + 107 + 4;
    return (serializedSize() + spendSize) * 3000 / 1000;
  }

  /** True if the value is below {@link #dustThreshold()}. */
  public boolean isDust() {
    return value < dustThreshold();
  }
}
