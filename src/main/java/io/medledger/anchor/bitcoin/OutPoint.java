package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * A reference to a transaction output: the txid in internal byte order and the output index.
 *
 * <p>Immutable and thread-safe.
 *
 * @param txid the transaction id in internal (serialization) byte order
 * @param index the output index, 0 to 2^32-1
 */
public record OutPoint(Digest txid, long index) {
  /** The index of the null outpoint that coinbase inputs spend. */
  public static final long NULL_INDEX = 0xffffffffL;

  /** Validates the fields. */
  public OutPoint {
    Objects.requireNonNull(txid, "txid");
    if (index < 0 || index > 0xffffffffL) {
      throw new IllegalArgumentException("output index must be a 32-bit unsigned value");
    }
  }

  /** An outpoint from a txid in display (RPC, explorer) byte order. */
  public static OutPoint fromDisplay(String txidHex, long index) {
    return new OutPoint(Digest.fromHex(txidHex).reversed(), index);
  }

  /** The txid in display (byte-reversed) hex. */
  public String txidHex() {
    return txid.reversed().toHex();
  }

  /** True for the coinbase's null outpoint (zero txid, index 2^32-1). */
  public boolean isNull() {
    if (index != NULL_INDEX) {
      return false;
    }
    for (int i = 0; i < Digest.LENGTH; i++) {
      if (txid.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return txidHex() + ":" + index;
  }
}
