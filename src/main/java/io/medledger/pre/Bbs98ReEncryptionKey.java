package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import java.math.BigInteger;

/**
 * A BBS98 re-encryption key {@code b/a mod n}, held by a proxy. It is secret: with the
 * delegatee's key it yields the delegator's. Immutable and thread-safe.
 */
public final class Bbs98ReEncryptionKey {
  private final BigInteger scalar;

  Bbs98ReEncryptionKey(BigInteger scalar) {
    this.scalar = scalar;
  }

  /**
   * Restores a key from its 32-byte big-endian form.
   *
   * @throws MalformedEncodingException if the bytes are not a scalar in [1, n-1]
   */
  public static Bbs98ReEncryptionKey fromSecretBytes(byte[] secret) {
    if (secret.length != 32) {
      throw new MalformedEncodingException("a BBS98 re-encryption key is 32 bytes");
    }
    BigInteger k = new BigInteger(1, secret);
    if (k.signum() == 0 || k.compareTo(Bbs98.N) >= 0) {
      throw new MalformedEncodingException("a BBS98 re-encryption key must be in [1, n-1]");
    }
    return new Bbs98ReEncryptionKey(k);
  }

  BigInteger scalar() {
    return scalar;
  }

  /** The inverse key, which re-encrypts in the other direction: the scheme is bidirectional. */
  public Bbs98ReEncryptionKey inverse() {
    return new Bbs98ReEncryptionKey(scalar.modInverse(Bbs98.N));
  }

  /** Returns the 32-byte big-endian secret scalar. Handle with care. */
  public byte[] exportSecretBytes() {
    return toFixed32(scalar);
  }

  static byte[] toFixed32(BigInteger k) {
    byte[] raw = k.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
    return out;
  }

  @Override
  public String toString() {
    return "Bbs98ReEncryptionKey[<redacted>]";
  }
}
