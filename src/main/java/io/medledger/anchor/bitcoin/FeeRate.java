package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A fee rate in satoshis per 1000 virtual bytes (so 1.5 sat/vB is 1500). Fees are rounded up, so
 * a transaction never pays less than the rate. Immutable and thread-safe.
 *
 * @param satPerKvB satoshis per 1000 vbytes, 1 to {@link #MAX_SAT_PER_KVB}
 */
public record FeeRate(long satPerKvB) implements Comparable<FeeRate> {
  /**
   * Upper bound: 10,000 sat/vB, Bitcoin Core's default {@code maxfeerate} for
   * {@code sendrawtransaction}; a guard against typing the rate in the wrong unit.
   */
  public static final long MAX_SAT_PER_KVB = 10_000_000L;
  /** BIP 125's default incremental relay fee (1 sat/vB) that a replacement must add. */
  public static final FeeRate INCREMENTAL_RELAY = new FeeRate(1000);

  /** Validates the range. */
  public FeeRate {
    if (satPerKvB < 1 || satPerKvB > MAX_SAT_PER_KVB) {
      throw new IllegalArgumentException("fee rate must be between 0.001 and 10000 sat/vB");
    }
  }

  /** A whole number of sat/vB. */
  public static FeeRate ofSatPerVbyte(long satPerVbyte) {
    if (satPerVbyte < 0 || satPerVbyte > MAX_SAT_PER_KVB / 1000) {
      throw new IllegalArgumentException("fee rate must be between 0.001 and 10000 sat/vB");
    }
    return new FeeRate(satPerVbyte * 1000);
  }

  /**
   * Parses a decimal sat/vB value with at most three decimals, e.g. {@code "2"} or {@code "1.25"}
   * (at most 32 characters).
   *
   * @throws MalformedEncodingException on malformed text or a value out of range
   */
  public static FeeRate parseSatPerVbyte(String text) {
    if (text.length() > 32) {
      throw new MalformedEncodingException("fee rate is longer than 32 characters");
    }
    BigDecimal kv;
    try {
      kv = new BigDecimal(text.trim()).movePointRight(3);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new MalformedEncodingException("fee rate is not a number in range: '" + text + "'");
    }
    if (kv.stripTrailingZeros().scale() > 0) {
      throw new MalformedEncodingException("fee rate has more than three decimals");
    }
    if (kv.signum() <= 0 || kv.compareTo(BigDecimal.valueOf(MAX_SAT_PER_KVB)) > 0) {
      throw new MalformedEncodingException("fee rate must be between 0.001 and 10000 sat/vB");
    }
    return new FeeRate(kv.setScale(0, RoundingMode.UNNECESSARY).longValueExact());
  }


  /** The fee for {@code vsize} virtual bytes, rounded up to a whole satoshi. */
  public long feeFor(long vsize) {
    return Math.floorDiv(Math.multiplyExact(satPerKvB, vsize) + 999, 1000);
  }

  /** The rate in sat/vB as a decimal. */
  public BigDecimal satPerVbyte() {
    return BigDecimal.valueOf(satPerKvB, 3).stripTrailingZeros();
  }

  @Override
  public int compareTo(FeeRate o) {
    return Long.compare(satPerKvB, o.satPerKvB);
  }

  @Override
  public String toString() {
    return satPerVbyte().toPlainString() + " sat/vB";
  }
}
