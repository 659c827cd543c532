package io.medledger.codec;

/**
 * Lowercase hexadecimal encoding and strict decoding.
 *
 * <p>Thread-safe: stateless.
 */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  /** Encodes {@code bytes} as lowercase hex. */
  public static String encode(byte[] bytes) {
    return encode(bytes, 0, bytes.length);
  }

  /** Encodes {@code len} bytes of {@code bytes} starting at {@code off} as lowercase hex. */
  public static String encode(byte[] bytes, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, bytes.length);
    char[] out = new char[len * 2];
    for (int i = 0; i < len; i++) {
      int b = bytes[off + i] & 0xff;
      out[2 * i] = DIGITS[b >>> 4];
      out[2 * i + 1] = DIGITS[b & 0x0f];
    }
    return new String(out);
  }

  /**
   * Decodes hex (either case, no separators, no prefix).
   *
   * @throws IllegalArgumentException if the length is odd or a character is not a hex digit
   */
  public static byte[] decode(CharSequence hex) {
    int n = hex.length();
    if ((n & 1) != 0) {
      throw new IllegalArgumentException("hex string has odd length " + n);
    }
    byte[] out = new byte[n / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = digit(hex, 2 * i);
      int lo = digit(hex, 2 * i + 1);
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /**
   * Decodes hex that must encode exactly {@code expectedLength} bytes.
   *
   * @throws IllegalArgumentException if the input is not hex of that length
   */
  public static byte[] decode(CharSequence hex, int expectedLength) {
    if (hex.length() != expectedLength * 2) {
      throw new IllegalArgumentException(
          "expected " + expectedLength + " bytes of hex, got " + hex.length() + " characters");
    }
    return decode(hex);
  }

  private static int digit(CharSequence s, int i) {
    char c = s.charAt(i);
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    throw new IllegalArgumentException("not a hex digit at index " + i);
  }
}
