package io.medledger.anchor;

import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * A signed anchoring transaction: its txid (internal byte order), raw bytes, fee rate and fee.
 * Immutable and thread-safe.
 *
 * @param txid the transaction id in internal byte order
 * @param raw the signed serialization
 * @param feeRate the fee rate it pays, in sat/vB
 * @param fee its absolute fee in satoshis
 */
public record SignedTransaction(Digest txid, byte[] raw, long feeRate, long fee) {
  /** Copies the raw bytes and validates the fields. */
  public SignedTransaction {
    Objects.requireNonNull(txid, "txid");
    raw = raw.clone();
    if (raw.length == 0 || feeRate < 1 || fee < 0) {
      throw new IllegalArgumentException("an anchor transaction has bytes, a fee rate of at least 1 and a fee");
    }
  }

  /** A copy of the raw bytes. */
  @Override
  public byte[] raw() {
    return raw.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedTransaction t && t.txid.equals(txid) && java.util.Arrays.equals(t.raw, raw)
        && t.feeRate == feeRate && t.fee == fee;
  }

  @Override
  public int hashCode() {
    return txid.hashCode();
  }

  @Override
  public String toString() {
    return "SignedTransaction[txid=" + txid.reversed().toHex() + ", feeRate=" + feeRate + ", fee=" + fee + "]";
  }
}
