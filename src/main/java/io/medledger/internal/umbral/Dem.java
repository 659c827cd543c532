package io.medledger.internal.umbral;

import io.medledger.pre.EntropySource;
import java.util.Arrays;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Umbral's data encapsulation: key = HKDF-SHA256(seed, no salt, empty info, 32); ciphertext =
 * nonce(24) ‖ XChaCha20-Poly1305(plaintext, aad) ‖ tag(16).
 *
 * <p>Stateless and thread-safe.
 */
public final class Dem {
  /** Bytes the ciphertext adds to the plaintext. */
  public static final int OVERHEAD = XChaCha20Poly1305.NONCE_LENGTH + XChaCha20Poly1305.TAG_LENGTH;

  /** Why a DEM ciphertext did not open. */
  public enum Failure {
    /** Shorter than the 24-byte nonce. */
    TOO_SHORT,
    /** The AEAD rejected it. */
    AUTHENTICATION
  }

  private static final String HMAC_SHA256 = "HmacSHA256";
  private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance(HMAC_SHA256);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  });

  private Dem() {}

  /** HKDF-SHA256 with the RFC 5869 default salt (32 zero bytes). */
  public static byte[] hkdf(byte[] ikm, byte[] info, int length) {
    return hkdf(ikm, null, info, length);
  }

  /**
   * HKDF-SHA256 (RFC 5869) on the JDK's HMAC (hardware SHA-256 where available); a null or empty
   * {@code salt} means the default of 32 zero bytes.
   *
   * @throws IllegalArgumentException if {@code length} is negative or above 255·32
   */
  public static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
    if (length < 0 || length > 255 * 32) {
      throw new IllegalArgumentException("HKDF-SHA256 output is at most 8160 bytes");
    }
    Mac mac = HMAC.get();
    try {
      mac.init(new SecretKeySpec(salt == null || salt.length == 0 ? new byte[32] : salt, HMAC_SHA256));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, HMAC_SHA256));
      Arrays.fill(prk, (byte) 0);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    for (int i = 1, off = 0; off < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - off);
      System.arraycopy(t, 0, out, off, n);
      off += n;
    }
    Arrays.fill(t, (byte) 0);
    return out;
  }

  /** The 32-byte symmetric key for a key seed. */
  public static byte[] key(byte[] seed) {
    return hkdf(seed, new byte[0], XChaCha20Poly1305.KEY_LENGTH);
  }

  /** Encrypts; draws the 24-byte nonce from {@code rng}. */
  public static byte[] encrypt(byte[] seed, byte[] aad, byte[] plaintext, EntropySource rng) {
    byte[] key = key(seed);
    byte[] nonce = new byte[XChaCha20Poly1305.NONCE_LENGTH];
    rng.nextBytes(nonce);
    byte[] sealed = XChaCha20Poly1305.seal(key, nonce, aad, plaintext);
    Arrays.fill(key, (byte) 0);
    byte[] out = new byte[nonce.length + sealed.length];
    System.arraycopy(nonce, 0, out, 0, nonce.length);
    System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
    return out;
  }

  /** The outcome of {@link #decrypt}: a plaintext or a failure. */
  public record Opened(byte[] plaintext, Failure failure) {}

  /** Decrypts a ciphertext made by {@link #encrypt}. */
  public static Opened decrypt(byte[] seed, byte[] aad, byte[] ciphertext) {
    if (ciphertext.length < XChaCha20Poly1305.NONCE_LENGTH) {
      return new Opened(null, Failure.TOO_SHORT);
    }
    byte[] key = key(seed);
    byte[] nonce = Arrays.copyOf(ciphertext, XChaCha20Poly1305.NONCE_LENGTH);
    byte[] pt = XChaCha20Poly1305.open(key, nonce, aad, ciphertext, nonce.length, ciphertext.length - nonce.length);
    Arrays.fill(key, (byte) 0);
    return pt == null ? new Opened(null, Failure.AUTHENTICATION) : new Opened(pt, null);
  }
}
