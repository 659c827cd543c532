package io.medledger.anchor.bitcoin;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import java.math.BigInteger;

/**
 * Bitcoin's compact target encoding ({@code nBits}), decoded and encoded exactly as Bitcoin Core's
 * {@code arith_uint256::SetCompact} and {@code GetCompact} do, including the sign bit and the
 * overflow rule.
 *
 * <p>A compact value is a one-byte size {@code s} followed by a 23-bit mantissa {@code m} and a
 * sign bit: the target is {@code m * 256^(s-3)}. Thread-safe: stateless.
 */
public final class CompactTarget {
  private static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);

  private CompactTarget() {}

  /**
   * The decoded form of a compact value.
   *
   * @param target the 256-bit value (may be zero; meaningless when {@code overflow} is set)
   * @param negative whether the sign bit is set on a non-zero mantissa
   * @param overflow whether the value does not fit in 256 bits
   */
  public record Decoded(BigInteger target, boolean negative, boolean overflow) {
    /** Checks that no required component is null. */
    public Decoded {
      java.util.Objects.requireNonNull(target, "target");
    }

    /** Whether this is a usable proof-of-work target: positive, non-zero, no overflow. */
    public boolean isUsableTarget() {
      return !negative && !overflow && target.signum() > 0;
    }
  }

  /** Decodes {@code bits} as Core's {@code SetCompact}. */
  public static Decoded decode(int bits) {
    int size = bits >>> 24;
    long word = bits & 0x007fffffL;
    BigInteger value;
    boolean overflow = word != 0
        && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
    if (size <= 3) {
      value = BigInteger.valueOf(word >>> (8 * (3 - size)));
    } else if (overflow) {
      value = BigInteger.ZERO;
    } else {
      value = BigInteger.valueOf(word).shiftLeft(8 * (size - 3));
    }
    boolean negative = word != 0 && (bits & 0x00800000) != 0;
    return new Decoded(value, negative, overflow);
  }

  /**
   * Encodes a non-negative target below 2^256 as Core's {@code GetCompact(false)}; precision
   * below the three most significant bytes is dropped.
   *
   * @throws IllegalArgumentException if {@code target} is negative or not below 2^256
   */
  public static int encode(BigInteger target) {
    if (target.signum() < 0 || target.compareTo(TWO_256) >= 0) {
      throw new IllegalArgumentException("target must be in [0, 2^256)");
    }
    int size = (target.bitLength() + 7) / 8;
    long compact;
    if (size <= 3) {
      compact = target.longValue() << (8 * (3 - size));
    } else {
      compact = target.shiftRight(8 * (size - 3)).longValue();
    }
    if ((compact & 0x00800000L) != 0) {
      compact >>>= 8;
      size++;
    }
    return (int) (compact | ((long) size << 24));
  }

  /**
   * The expected number of hashes to meet {@code target}: {@code floor(2^256 / (target + 1))},
   * as Core's {@code GetBlockProof}.
   */
  public static BigInteger work(BigInteger target) {
    if (target.signum() < 0) {
      throw new IllegalArgumentException("negative target");
    }
    return TWO_256.divide(target.add(BigInteger.ONE));
  }

  /** The work of a header with compact target {@code bits}; zero for an unusable target. */
  public static BigInteger work(int bits) {
    Decoded d = decode(bits);
    return d.isUsableTarget() ? work(d.target()) : BigInteger.ZERO;
  }

  /** {@code bits} as 8 lowercase hex digits of the big-endian number, e.g. {@code 1d00ffff}. */
  public static String toHex(int bits) {
    return String.format("%08x", bits);
  }

  /**
   * Parses 8 hex digits (ASCII, either case; no sign) of the big-endian number.
   *
   * @throws MalformedEncodingException if the text is not 8 hex digits
   */
  public static int fromHex(String hex) {
    if (hex.length() != 8) {
      throw new MalformedEncodingException("compact bits are 8 hex digits, got " + hex.length() + " characters");
    }
    byte[] b = ByteString.fromHex(hex).toByteArray();
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }

}
