package io.medledger.anchor;

import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * A signed anchoring transaction: its txid (internal byte order), raw bytes, fee rate and fee.
 * The raw bytes must be exactly one Bitcoin transaction serialization whose txid is {@code txid},
 * so a journal or a wallet cannot pair one transaction's id with another's bytes. Immutable and
 * thread-safe.
 *
 * @param txid the transaction id in internal byte order
 * @param raw the signed serialization
 * @param feeRate the fee rate it pays, in sat/vB
 * @param fee its absolute fee in satoshis
 */
public record SignedTransaction(Digest txid, byte[] raw, long feeRate, long fee) {
  /**
   * Copies the raw bytes and validates the fields.
   *
   * @throws IllegalArgumentException if the fee rate is below 1, the fee negative, or {@code txid}
   *     is not the txid of {@code raw}
   * @throws io.medledger.codec.MalformedEncodingException if {@code raw} is not one transaction
   */
  public SignedTransaction {
    Objects.requireNonNull(txid, "txid");
    raw = raw.clone();
    if (raw.length == 0 || feeRate < 1 || fee < 0) {
      throw new IllegalArgumentException("an anchor transaction has bytes, a fee rate of at least 1 and a fee");
    }
    Digest actual = Transaction.parse(raw).txid();
    if (!actual.equals(txid)) {
      throw new IllegalArgumentException("txid " + txid.reversed().toHex() + " is not that of the transaction's bytes ("
          + actual.reversed().toHex() + ")");
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
