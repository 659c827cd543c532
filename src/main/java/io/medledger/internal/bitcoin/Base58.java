package io.medledger.internal.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;

/** Base58 and Base58Check as Bitcoin uses them. Stateless and thread-safe. */
public final class Base58 {
  private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] INDEX = new int[128];
  /** Longest text accepted by the decoders (far above any address or key). */
  public static final int MAX_TEXT = 1024;

  static {
    Arrays.fill(INDEX, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      INDEX[ALPHABET[i]] = i;
    }
  }

  private Base58() {}

  public static String encode(byte[] data) {
    return new String(encodeToChars(data));
  }

  /** As {@link #encode}, into an array the caller can wipe (for secret data); the scratch space is wiped. */
  public static char[] encodeToChars(byte[] data) {
    int zeros = 0;
    while (zeros < data.length && data[zeros] == 0) {
      zeros++;
    }
    // log(256)/log(58) < 1.37
    byte[] digits = new byte[(data.length - zeros) * 138 / 100 + 1];
    int used = 0;
    for (int i = zeros; i < data.length; i++) {
      int carry = data[i] & 0xff;
      for (int j = 0; j < used; j++) {
        carry += (digits[j] & 0xff) << 8;
        digits[j] = (byte) (carry % 58);
        carry /= 58;
      }
      while (carry > 0) {
        digits[used++] = (byte) (carry % 58);
        carry /= 58;
      }
    }
    char[] out = new char[zeros + used];
    Arrays.fill(out, 0, zeros, '1');
    for (int i = used - 1; i >= 0; i--) {
      out[zeros + used - 1 - i] = ALPHABET[digits[i]];
    }
    Arrays.fill(digits, (byte) 0);
    return out;
  }

  /**
   * Decodes Base58 text.
   *
   * @throws MalformedEncodingException on a character outside the alphabet or over-long text
   */
  public static byte[] decode(CharSequence text) {
    if (text.length() > MAX_TEXT) {
      throw new MalformedEncodingException("Base58 text longer than " + MAX_TEXT + " characters");
    }
    int zeros = 0;
    while (zeros < text.length() && text.charAt(zeros) == '1') {
      zeros++;
    }
    byte[] bytes = new byte[text.length() * 733 / 1000 + 1];
    int used = 0;
    for (int i = zeros; i < text.length(); i++) {
      char c = text.charAt(i);
      int v = c < 128 ? INDEX[c] : -1;
      if (v < 0) {
        throw new MalformedEncodingException("invalid Base58 character at index " + i);
      }
      int carry = v;
      for (int j = 0; j < used; j++) {
        carry += (bytes[j] & 0xff) * 58;
        bytes[j] = (byte) carry;
        carry >>>= 8;
      }
      while (carry > 0) {
        bytes[used++] = (byte) carry;
        carry >>>= 8;
      }
    }
    byte[] out = new byte[zeros + used];
    for (int i = 0; i < used; i++) {
      out[zeros + i] = bytes[used - 1 - i];
    }
    Arrays.fill(bytes, (byte) 0);
    return out;
  }

  /** Base58 of {@code payload || first 4 bytes of SHA256d(payload)}. */
  public static String encodeCheck(byte[] payload) {
    return new String(encodeCheckToChars(payload));
  }

  /** As {@link #encodeCheck}, into an array the caller can wipe (for secret payloads); the scratch space is wiped. */
  public static char[] encodeCheckToChars(byte[] payload) {
    byte[] check = Sha256.doubleHash(payload).toByteArray();
    byte[] all = Arrays.copyOf(payload, payload.length + 4);
    System.arraycopy(check, 0, all, payload.length, 4);
    try {
      return encodeToChars(all);
    } finally {
      Arrays.fill(all, (byte) 0);
    }
  }

  /**
   * Decodes Base58Check and returns the payload without the checksum (the scratch space, which held
   * the payload too, is wiped).
   *
   * @throws MalformedEncodingException on bad characters, a short input or a checksum mismatch
   */
  public static byte[] decodeCheck(CharSequence text) {
    byte[] all = decode(text);
    try {
      if (all.length < 4) {
        throw new MalformedEncodingException("Base58Check data shorter than its checksum");
      }
      byte[] payload = Arrays.copyOf(all, all.length - 4);
      byte[] check = Arrays.copyOf(Sha256.doubleHash(payload).toByteArray(), 4);
      if (!MessageDigest.isEqual(check, Arrays.copyOfRange(all, all.length - 4, all.length))) {
        Arrays.fill(payload, (byte) 0);
        throw new MalformedEncodingException("Base58Check checksum mismatch");
      }
      return payload;
    } finally {
      Arrays.fill(all, (byte) 0);
    }
  }
}
