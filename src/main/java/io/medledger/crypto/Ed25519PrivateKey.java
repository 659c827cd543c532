package io.medledger.crypto;

import io.medledger.codec.MalformedEncodingException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 private key (the 32-byte RFC 8032 seed) with its public key.
 *
 * <p>The secret is reachable only through {@link #exportSecretBytes()}; {@code toString} never
 * shows it. Immutable and thread-safe.
 */
public final class Ed25519PrivateKey {
  /** Length of the raw seed. */
  public static final int LENGTH = 32;

  private final byte[] seed;
  private final Ed25519PublicKey publicKey;
  private final byte[] publicBytes;

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

  /** Signs {@code message} (pure Ed25519) and returns the 64-byte signature. */
  public byte[] sign(byte[] message) {
    byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicBytes, 0, message, 0, message.length, sig, 0);
    return sig;
  }

  /** Returns a copy of the secret seed. Handle with care: this is the whole key. */
  public byte[] exportSecretBytes() {
    return seed.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ed25519PrivateKey k && MessageDigest.isEqual(seed, k.seed);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "Ed25519PrivateKey[public=" + publicKey.toHex() + ", secret=<redacted>]";
  }
}
