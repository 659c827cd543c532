package io.medledger.internal.umbral;

import io.medledger.pre.EntropySource;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

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

  private Dem() {}

  /** HKDF-SHA256 with the RFC 5869 default salt (32 zero bytes). */
  public static byte[] hkdf(byte[] ikm, byte[] info, int length) {
    return hkdf(ikm, null, info, length);
  }

  /** HKDF-SHA256; a null or empty {@code salt} means the RFC 5869 default. */
  public static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
    HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
    g.init(new HKDFParameters(ikm, salt, info));
    byte[] out = new byte[length];
    g.generateBytes(out, 0, length);
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
