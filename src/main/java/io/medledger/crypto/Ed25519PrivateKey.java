package io.medledger.crypto;

import io.medledger.codec.MalformedEncodingException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 private key (the 32-byte RFC 8032 seed) with its public key.
 *
 * <p>The secret is reachable only through {@link #exportSecretBytes()}; {@code toString} never
 * shows it. It is held in one array that {@link #destroy()} overwrites; from then on the key
 * refuses to sign or export with {@link IllegalStateException} (its public key stays available).
 * Destroy a key only once nothing signs with it any more: a signature made while it is being
 * destroyed is invalid. What wiping cannot guarantee on the JVM (copies the garbage collector
 * makes) is in docs/pre.md. Thread-safe; apart from the one-way destruction, immutable.
 */
public final class Ed25519PrivateKey implements Destroyable {
  /** Length of the raw seed. */
  public static final int LENGTH = 32;

  private final byte[] seed;
  private final Ed25519PublicKey publicKey;
  private final byte[] publicBytes;
  private volatile boolean destroyed;

  private Ed25519PrivateKey(byte[] seed) {
    this.seed = seed;
    this.publicBytes = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(seed, 0, publicBytes, 0);
    this.publicKey = Ed25519PublicKey.fromTrusted(publicBytes);
  }

  /** Generates a new key with {@code random}. */
  public static Ed25519PrivateKey generate(SecureRandom random) {
    byte[] seed = new byte[LENGTH];
    random.nextBytes(seed);
    return new Ed25519PrivateKey(seed);
  }

  /** Generates a new key with a fresh {@link SecureRandom}. */
  public static Ed25519PrivateKey generate() {
    return generate(new SecureRandom());
  }

  /**
   * Restores a key from its 32-byte seed (copied).
   *
   * @throws MalformedEncodingException if the seed is not 32 bytes
   */
  public static Ed25519PrivateKey fromSeed(byte[] seed) {
    if (seed == null || seed.length != LENGTH) {
      throw new MalformedEncodingException("an Ed25519 private key is 32 bytes");
    }
    return new Ed25519PrivateKey(seed.clone());
  }

  /** Returns the public key. */
  public Ed25519PublicKey publicKey() {
    return publicKey;
  }

  /**
   * Signs {@code message} (pure Ed25519) and returns the 64-byte signature.
   *
   * @throws IllegalStateException if the key was destroyed
   */
  public byte[] sign(byte[] message) {
    live();
    byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicBytes, 0, message, 0, message.length, sig, 0);
    return sig;
  }

  /**
   * Returns a copy of the secret seed, the caller's to wipe. Handle with care: this is the whole key.
   *
   * @throws IllegalStateException if the key was destroyed
   */
  public byte[] exportSecretBytes() {
    live();
    return seed.clone();
  }

  private void live() {
    if (destroyed) {
      throw new IllegalStateException("the Ed25519 private key of " + publicKey.toHex() + " was destroyed");
    }
  }

  /** Overwrites the seed with zeros; from then on the key refuses to sign or export. Idempotent. */
  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(seed, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** Equal to a key with the same seed (compared in constant time); a destroyed key equals only itself. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Ed25519PrivateKey k && !destroyed && !k.destroyed && MessageDigest.isEqual(seed, k.seed);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "Ed25519PrivateKey[public=" + publicKey.toHex() + ", secret=" + (destroyed ? "destroyed" : "<redacted>") + "]";
  }
}
