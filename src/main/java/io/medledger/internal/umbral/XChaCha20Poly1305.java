package io.medledger.internal.umbral;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * XChaCha20-Poly1305 (24-byte nonce): HChaCha20 subkey from the first 16 nonce bytes, then the
 * RFC 8439 AEAD (BouncyCastle) with nonce {@code 00000000 ‖ nonce[16..24]}. Output and input are
 * {@code ciphertext ‖ tag(16)}.
 *
 * <p>Stateless and thread-safe.
 */
public final class XChaCha20Poly1305 {
  /** Key length. */
  public static final int KEY_LENGTH = 32;
  /** Nonce length. */
  public static final int NONCE_LENGTH = 24;
  /** Tag length. */
  public static final int TAG_LENGTH = 16;

  private XChaCha20Poly1305() {}

  /** Encrypts {@code plaintext} under {@code key}/{@code nonce} with {@code aad}. */
  public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
    ChaCha20Poly1305 aead = init(true, key, nonce, aad);
    byte[] out = new byte[aead.getOutputSize(plaintext.length)];
    int n = aead.processBytes(plaintext, 0, plaintext.length, out, 0);
    try {
      n += aead.doFinal(out, n);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("encryption cannot fail", e);
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /**
   * Decrypts and authenticates {@code in[off..off+len)} ({@code ciphertext ‖ tag}).
   *
   * @return the plaintext, or {@code null} if authentication fails or the input is shorter than a tag
   */
  public static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] in, int off, int len) {
    if (len < TAG_LENGTH) {
      return null;
    }
    ChaCha20Poly1305 aead = init(false, key, nonce, aad);
    byte[] out = new byte[aead.getOutputSize(len)];
    try {
      int n = aead.processBytes(in, off, len, out, 0);
      n += aead.doFinal(out, n);
      return n == out.length ? out : Arrays.copyOf(out, n);
    } catch (InvalidCipherTextException | IllegalStateException e) {
      Arrays.fill(out, (byte) 0);
      return null;
    }
  }

  private static ChaCha20Poly1305 init(boolean encrypt, byte[] key, byte[] nonce, byte[] aad) {
    if (key.length != KEY_LENGTH || nonce.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce");
    }
    byte[] subkey = HChaCha20.subkey(key, nonce, 0);
    byte[] nonce12 = new byte[12];
    System.arraycopy(nonce, 16, nonce12, 4, 8);
    ChaCha20Poly1305 aead = new ChaCha20Poly1305();
    aead.init(encrypt, new AEADParameters(new KeyParameter(subkey), TAG_LENGTH * 8, nonce12, aad));
    Arrays.fill(subkey, (byte) 0);
    return aead;
  }
}
