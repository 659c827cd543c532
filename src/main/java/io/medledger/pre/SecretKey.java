package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.Secp256k1;

/**
 * A secp256k1 secret key: a scalar in [1, n−1]. Its public key is computed once at construction.
 *
 * <p>The secret is reachable only through {@link #exportSecretBytes()}; {@code toString} shows only
 * the public key. Immutable and thread-safe.
 */
public final class SecretKey {
  /** Encoded length. */
  public static final int LENGTH = CurveScalar.LENGTH;

  private final CurveScalar scalar;
  private final PublicKey publicKey;

  SecretKey(CurveScalar scalar) {
    this.scalar = scalar;
    this.publicKey = new PublicKey(CurvePoint.of(Secp256k1.mulG(scalar.toBigInteger())));
  }

  /** A new random key from {@link EntropySource#secure()}. */
  public static SecretKey random() {
    return random(EntropySource.secure());
  }

  /** A new random key (one non-zero scalar drawn from {@code rng}). */
  public static SecretKey random(EntropySource rng) {
    return new SecretKey(CurveScalar.randomNonZero(rng));
  }

  /**
   * Restores a key from its 32 big-endian bytes.
   *
   * @throws MalformedEncodingException if the length is not 32 or the value is 0 or ≥ n
   */
  public static SecretKey fromSecretBytes(byte[] bytes) {
    return new SecretKey(CurveScalar.nonZeroFromBytes(bytes));
  }

  /** The public key a·G. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The secret scalar as 32 big-endian bytes (a fresh copy the caller should wipe). */
  public byte[] exportSecretBytes() {
    return scalar.toBytes();
  }

  CurveScalar scalar() {
    return scalar;
  }

  /** Constant-time comparison of the secrets. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SecretKey k && scalar.equals(k.scalar);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "SecretKey[redacted, public=" + publicKey.toHex() + "]";
  }
}
