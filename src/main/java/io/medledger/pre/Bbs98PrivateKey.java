package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * A BBS98 private key: a secp256k1 scalar in [1, n-1]. The secret leaves only through
 * {@link #exportSecretBytes()}. Immutable and thread-safe.
 */
public final class Bbs98PrivateKey {
  private final BigInteger scalar;
  private final Bbs98PublicKey publicKey;

  private Bbs98PrivateKey(BigInteger scalar) {
    this.scalar = scalar;
    this.publicKey = new Bbs98PublicKey(io.medledger.internal.umbral.Secp256k1.mulG(scalar));
  }

  /** Generates a key with {@code random}. */
  public static Bbs98PrivateKey generate(SecureRandom random) {
    return new Bbs98PrivateKey(Bbs98.randomScalar(random));
  }

  /**
   * Restores a key from its 32-byte big-endian scalar.
   *
   * @throws MalformedEncodingException if the bytes are not a scalar in [1, n-1]
   */
  public static Bbs98PrivateKey fromSecretBytes(byte[] secret) {
    if (secret.length != 32) {
      throw new MalformedEncodingException("a BBS98 private key is 32 bytes");
    }
    BigInteger k = new BigInteger(1, secret);
    if (k.signum() == 0 || k.compareTo(Bbs98.N) >= 0) {
      throw new MalformedEncodingException("a BBS98 private key must be in [1, n-1]");
    }
    return new Bbs98PrivateKey(k);
  }

  BigInteger scalar() {
    return scalar;
  }

  /** Returns the public key. */
  public Bbs98PublicKey publicKey() {
    return publicKey;
  }

  /** Returns the 32-byte big-endian secret scalar. Handle with care. */
  public byte[] exportSecretBytes() {
    return Bbs98ReEncryptionKey.toFixed32(scalar);
  }

  @Override
  public String toString() {
    return "Bbs98PrivateKey[public=" + publicKey + ", secret=<redacted>]";
  }
}
