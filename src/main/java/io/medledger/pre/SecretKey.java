package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.umbral.ConstantTimeMultiplier;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A secp256k1 secret key: a scalar in [1, n−1], held as 32 big-endian bytes in an array that
 * {@link #destroy()} overwrites. Its public key is computed once at construction. Every
 * multiplication by the secret runs in constant time ({@link ConstantTimeMultiplier}).
 *
 * <p>The secret is reachable only through {@link #exportSecretBytes()}; {@code toString} shows only
 * the public key. What wiping cannot guarantee on the JVM (copies made by the garbage collector,
 * the JIT, and transient {@code BigInteger}s during scalar arithmetic) is in docs/pre.md.
 * Thread-safe; destroying is one-way, and a destroyed key refuses every secret operation with
 * {@link IllegalStateException}.
 */
public final class SecretKey implements Destroyable {
  /** Encoded length. */
  public static final int LENGTH = CurveScalar.LENGTH;

  private final byte[] secret;
  private final PublicKey publicKey;
  private volatile boolean destroyed;

  SecretKey(CurveScalar scalar) {
    this(scalar.toBytes());
  }

  /** Takes {@code secret} (32 bytes, a scalar in [1, n−1]) as its own. */
  private SecretKey(byte[] secret) {
    this.secret = secret;
    this.publicKey = new PublicKey(CurvePoint.of(ConstantTimeMultiplier.multiplyG(secret)));
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
   * Restores a key from its 32 big-endian bytes (the caller keeps and should wipe {@code bytes}).
   *
   * @throws MalformedEncodingException if the length is not 32 or the value is 0 or ≥ n
   */
  public static SecretKey fromSecretBytes(byte[] bytes) {
    CurveScalar.checkNonZero(bytes); // on the bytes: a BigInteger of the secret could not be wiped
    return new SecretKey(bytes.clone());
  }

  /** The public key a·G (still available after {@link #destroy()}). */
  public PublicKey publicKey() {
    return publicKey;
  }

  /**
   * The secret scalar as 32 big-endian bytes (a fresh copy the caller should wipe).
   *
   * @throws IllegalStateException if the key was destroyed
   */
  public byte[] exportSecretBytes() {
    live();
    return secret.clone();
  }

  /** The scalar, for scalar arithmetic (a transient copy in a {@code BigInteger}). */
  CurveScalar scalar() {
    live();
    return CurveScalar.fromBytes(secret, 0);
  }

  /** secret · p in constant time, straight from the wipeable array. */
  ECPoint multiply(ECPoint p) {
    live();
    return ConstantTimeMultiplier.multiply(p, secret);
  }

  private void live() {
    if (destroyed) {
      throw new IllegalStateException("the secret key was destroyed");
    }
  }

  /** Overwrites the secret with zeros; from then on the key refuses every secret operation. */
  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(secret, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** Constant-time comparison of the secrets (destroyed keys equal only themselves). */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof SecretKey k && !destroyed && !k.destroyed && MessageDigest.isEqual(secret, k.secret);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "SecretKey[" + (destroyed ? "destroyed" : "redacted") + ", public=" + publicKey.toHex() + "]";
  }
}
