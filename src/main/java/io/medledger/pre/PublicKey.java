package io.medledger.pre;

import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.umbral.CurvePoint;

/**
 * A secp256k1 public key (Umbral delegating, receiving or verifying key): a point other than the
 * identity, encoded as 33-byte compressed SEC1.
 *
 * <p>Immutable and thread-safe.
 */
public final class PublicKey {
  /** Encoded length. */
  public static final int LENGTH = CurvePoint.LENGTH;

  private final CurvePoint point;

  PublicKey(CurvePoint point) {
    this.point = point;
  }

  /**
   * Parses a 33-byte compressed key.
   *
   * @throws MalformedEncodingException if the bytes are not a compressed encoding of a curve
   *     point other than the identity
   */
  public static PublicKey fromBytes(byte[] bytes) {
    return new PublicKey(CurvePoint.fromBytes(bytes));
  }

  /**
   * Parses the lowercase or uppercase hex of {@link #toBytes()}.
   *
   * @throws MalformedEncodingException if the text is not hex, or its bytes are not a compressed
   *     encoding of a curve point other than the identity
   */
  public static PublicKey fromHex(String hex) {
    return fromBytes(ByteString.fromHex(hex).toByteArray());
  }

  /** The 33-byte compressed encoding. */
  public byte[] toBytes() {
    return point.toBytes();
  }

  /** Lowercase hex of {@link #toBytes()}. */
  public String toHex() {
    return Hex.encode(point.toBytes());
  }

  CurvePoint point() {
    return point;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublicKey k && point.equals(k.point);
  }

  @Override
  public int hashCode() {
    return point.hashCode();
  }

  @Override
  public String toString() {
    return "PublicKey[" + toHex() + "]";
  }
}
