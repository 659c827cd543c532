package io.medledger.pre;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/** A BBS98 public key: a validated secp256k1 point. Immutable and thread-safe. */
public final class Bbs98PublicKey {
  private final ECPoint point;
  private final byte[] encoded;

  Bbs98PublicKey(ECPoint point) {
    this.point = point.normalize();
    this.encoded = this.point.getEncoded(true);
  }

  /**
   * Decodes a 33-byte compressed point.
   *
   * @throws MalformedEncodingException if it is not a valid point other than the identity
   */
  public static Bbs98PublicKey fromBytes(byte[] compressed) {
    return new Bbs98PublicKey(Bbs98.decodePoint(compressed));
  }

  ECPoint point() {
    return point;
  }

  /** Returns the 33-byte compressed encoding. */
  public byte[] toBytes() {
    return encoded.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bbs98PublicKey k && Arrays.equals(encoded, k.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "Bbs98PublicKey[" + Hex.encode(encoded) + "]";
  }
}
