package io.medledger.internal.umbral;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.pre.EntropySource;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.util.BigIntegers;

/**
 * An element of Z/nZ for the secp256k1 order n, always in canonical range [0, n).
 *
 * <p>Immutable and thread-safe. {@code toString} does not show the value: scalars are often
 * secret.
 */
public final class CurveScalar {
  /** Encoded length. */
  public static final int LENGTH = 32;
  private static final BigInteger N = Secp256k1.N;
  private static final BigInteger N_MINUS_1 = N.subtract(BigInteger.ONE);
  private static final byte[] N_BYTES = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(LENGTH, N);

  /** One. */
  public static final CurveScalar ONE = new CurveScalar(BigInteger.ONE);

  private final BigInteger value;

  private CurveScalar(BigInteger value) {
    this.value = value;
  }

  /** Reduces {@code v} mod n. */
  public static CurveScalar reduce(BigInteger v) {
    return new CurveScalar(v.mod(N));
  }

  /**
   * Parses 32 big-endian bytes at {@code off}; accepts 0, rejects values {@code >= n}.
   *
   * @throws MalformedEncodingException if out of range or too short
   */
  public static CurveScalar fromBytes(byte[] b, int off) {
    if (b.length - off < LENGTH) {
      throw new MalformedEncodingException("a curve scalar is 32 bytes");
    }
    BigInteger v = new BigInteger(1, Arrays.copyOfRange(b, off, off + LENGTH));
    if (v.compareTo(N) >= 0) {
      throw new MalformedEncodingException("invalid curve scalar: not below the group order");
    }
    return new CurveScalar(v);
  }

  /**
   * Parses exactly 32 bytes as a non-zero scalar (a secret key).
   *
   * @throws MalformedEncodingException if the length is not 32 or the value is 0 or {@code >= n}
   */
  public static CurveScalar nonZeroFromBytes(byte[] b) {
    if (b == null || b.length != LENGTH) {
      throw new MalformedEncodingException("a secret scalar is exactly 32 bytes");
    }
    BigInteger v = new BigInteger(1, b);
    if (v.signum() == 0 || v.compareTo(N) >= 0) {
      throw new MalformedEncodingException("secret scalar out of range (must be 1..n-1)");
    }
    return new CurveScalar(v);
  }

  /**
   * Checks that {@code b} is 32 big-endian bytes of a scalar in [1, n−1], in time independent of
   * its value and without copying it (no {@code BigInteger}), for secrets.
   *
   * @throws MalformedEncodingException if it is not
   */
  public static void checkNonZero(byte[] b) {
    if (b == null || b.length != LENGTH) {
      throw new MalformedEncodingException("a secret scalar is exactly 32 bytes");
    }
    int any = 0;
    int borrow = 0; // of b − n, from the last byte up: 1 at the end exactly when b < n
    for (int i = LENGTH - 1; i >= 0; i--) {
      int x = b[i] & 0xff;
      any |= x;
      int d = x - (N_BYTES[i] & 0xff) - borrow;
      borrow = (d >>> 31) & 1;
    }
    if ((((any - 1) >>> 31) & 1 | (borrow ^ 1)) != 0) {
      throw new MalformedEncodingException("secret scalar out of range (must be 1..n-1)");
    }
  }

  /** A uniformly random non-zero scalar: 32-byte draws, rejecting 0 and values {@code >= n}. */
  public static CurveScalar randomNonZero(EntropySource rng) {
    byte[] buf = new byte[LENGTH];
    while (true) {
      rng.nextBytes(buf);
      BigInteger v = new BigInteger(1, buf);
      Arrays.fill(buf, (byte) 0);
      if (v.signum() != 0 && v.compareTo(N) < 0) {
        return new CurveScalar(v);
      }
    }
  }

  /**
   * Hashes to a non-zero scalar: SHA-256(u32be(len(dst)) ‖ dst ‖ parts...) mod (n − 1) + 1.
   */
  public static CurveScalar hash(String dst, byte[]... parts) {
    return hash(dst.getBytes(StandardCharsets.US_ASCII), parts);
  }

  /** As {@link #hash(String, byte[]...)} with a binary tag. */
  public static CurveScalar hash(byte[] dst, byte[]... parts) {
    MessageDigest md = io.medledger.crypto.Sha256.newMessageDigest();
    int len = dst.length;
    md.update(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
    md.update(dst);
    for (byte[] p : parts) {
      md.update(p);
    }
    BigInteger w = new BigInteger(1, md.digest());
    return new CurveScalar(w.mod(N_MINUS_1).add(BigInteger.ONE));
  }

  /** The value as a non-negative integer below n. */
  public BigInteger toBigInteger() {
    return value;
  }

  /** 32 big-endian bytes. */
  public byte[] toBytes() {
    return BigIntegers.asUnsignedByteArray(LENGTH, value);
  }

  /** Whether this is 0. */
  public boolean isZero() {
    return value.signum() == 0;
  }

  /** this + o mod n. */
  public CurveScalar add(CurveScalar o) {
    BigInteger r = value.add(o.value);
    return new CurveScalar(r.compareTo(N) >= 0 ? r.subtract(N) : r);
  }

  /** this − o mod n. */
  public CurveScalar subtract(CurveScalar o) {
    BigInteger r = value.subtract(o.value);
    return new CurveScalar(r.signum() < 0 ? r.add(N) : r);
  }

  /** this · o mod n. */
  public CurveScalar multiply(CurveScalar o) {
    return new CurveScalar(value.multiply(o.value).mod(N));
  }

  /** −this mod n. */
  public CurveScalar negate() {
    return value.signum() == 0 ? this : new CurveScalar(N.subtract(value));
  }

  /**
   * The multiplicative inverse mod n.
   *
   * @throws ArithmeticException if this is 0
   */
  public CurveScalar invert() {
    if (value.signum() == 0) {
      throw new ArithmeticException("zero has no inverse");
    }
    return new CurveScalar(BigIntegers.modOddInverse(N, value));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CurveScalar s && MessageDigest.isEqual(toBytes(), s.toBytes());
  }

  /** Constant, so that a scalar's hash does not leak anything about a secret value. */
  @Override
  public int hashCode() {
    return 1;
  }

  @Override
  public String toString() {
    return "CurveScalar[redacted]";
  }
}
