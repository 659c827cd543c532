package io.medledger.internal.umbral;

import io.medledger.codec.MalformedEncodingException;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A secp256k1 point other than the identity, with its 33-byte compressed SEC1 encoding (the only
 * form this library reads or writes).
 *
 * <p>Immutable and thread-safe.
 */
public final class CurvePoint {
  /** Encoded length. */
  public static final int LENGTH = 33;

  /** The generator G. */
  public static final CurvePoint G = of(Secp256k1.G);
  /** The Umbral parameter point U. */
  public static final CurvePoint U = of(Secp256k1.U);

  private final ECPoint point;
  private final byte[] encoded;

  private CurvePoint(ECPoint normalized, byte[] encoded) {
    this.point = normalized;
    this.encoded = encoded;
  }

  /**
   * Wraps an arithmetic result, normalizing it.
   *
   * @throws IdentityPointException if {@code p} is the identity
   */
  public static CurvePoint of(ECPoint p) {
    if (p.isInfinity()) {
      throw new IdentityPointException();
    }
    ECPoint n = p.normalize();
    return new CurvePoint(n, n.getEncoded(true));
  }

  /**
   * Parses a 33-byte compressed encoding at {@code off}.
   *
   * @throws MalformedEncodingException if truncated, not 0x02/0x03, x ≥ p or x not on the curve
   */
  public static CurvePoint fromBytes(byte[] b, int off) {
    if (b.length - off < LENGTH) {
      throw new MalformedEncodingException("a curve point is 33 bytes (compressed SEC1)");
    }
    byte prefix = b[off];
    if (prefix != 0x02 && prefix != 0x03) {
      throw new MalformedEncodingException(prefix == 0
          ? "the identity point is not accepted"
          : "invalid curve point: only compressed SEC1 encodings (0x02/0x03) are accepted");
    }
    byte[] enc = Arrays.copyOfRange(b, off, off + LENGTH);
    ECPoint p;
    try {
      p = Secp256k1.CURVE.decodePoint(enc);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("invalid curve point: x is not the coordinate of a curve point");
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new MalformedEncodingException("invalid curve point");
    }
    return new CurvePoint(p.normalize(), enc);
  }

  /** Parses exactly 33 bytes (see {@link #fromBytes(byte[], int)}). */
  public static CurvePoint fromBytes(byte[] b) {
    if (b == null || b.length != LENGTH) {
      throw new MalformedEncodingException(b != null && b.length == 1 && b[0] == 0
          ? "the identity point is not accepted"
          : "a curve point is exactly 33 bytes (compressed SEC1)");
    }
    return fromBytes(b, 0);
  }

  /** The BouncyCastle point (normalized). */
  public ECPoint ec() {
    return point;
  }

  /** The compressed encoding (a copy). */
  public byte[] toBytes() {
    return encoded.clone();
  }

  /** Writes the 33-byte encoding into {@code out} at {@code off}. */
  public void copyTo(byte[] out, int off) {
    System.arraycopy(encoded, 0, out, off, LENGTH);
  }

  /** this · k (variable base). May be the identity only if k is 0. */
  public ECPoint mul(CurveScalar k) {
    return Secp256k1.mul(point, k.toBigInteger());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CurvePoint p && MessageDigest.isEqual(encoded, p.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return org.bouncycastle.util.encoders.Hex.toHexString(encoded);
  }

  /** Raised when an arithmetic result that must be a proper point is the identity. */
  public static final class IdentityPointException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    IdentityPointException() {
      super("unexpected identity point");
    }
  }
}
