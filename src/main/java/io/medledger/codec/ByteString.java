package io.medledger.codec;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * An immutable sequence of bytes (opaque metadata, key fragments, signatures, consensus data).
 *
 * <p>The internal array is never exposed: {@link #toByteArray()} returns a copy. Equality compares
 * contents in constant time. {@code toString} shows only the length and a short hex prefix, so
 * opaque material does not end up whole in logs. Instances are thread-safe.
 */
public final class ByteString implements Comparable<ByteString> {
  /** The empty byte string. */
  public static final ByteString EMPTY = new ByteString(new byte[0]);

  private final byte[] bytes;

  private ByteString(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Returns a byte string holding a copy of {@code bytes}. */
  public static ByteString of(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new ByteString(bytes.clone());
  }

  /** Returns a byte string holding a copy of {@code len} bytes of {@code bytes} from {@code off}. */
  public static ByteString of(byte[] bytes, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, bytes.length);
    return len == 0 ? EMPTY : new ByteString(Arrays.copyOfRange(bytes, off, off + len));
  }

  /**
   * Parses lowercase or uppercase hex.
   *
   * @throws MalformedEncodingException if the text is not hex
   */
  public static ByteString fromHex(CharSequence hex) {
    try {
      return new ByteString(Hex.decode(hex));
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("bad hex: " + e.getMessage(), e);
    }
  }

  /** Number of bytes. */
  public int size() {
    return bytes.length;
  }

  /** Whether there are no bytes. */
  public boolean isEmpty() {
    return bytes.length == 0;
  }

  /** Returns the byte at {@code index}. */
  public byte byteAt(int index) {
    return bytes[index];
  }

  /** Returns a copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /** Copies the bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, bytes.length);
  }

  /** Feeds the bytes into {@code md}. */
  public void updateDigest(MessageDigest md) {
    md.update(bytes);
  }

  /** Lowercase hex of all the bytes. */
  public String toHex() {
    return Hex.encode(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ByteString b && MessageDigest.isEqual(bytes, b.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Unsigned lexicographic order. */
  @Override
  public int compareTo(ByteString o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    int shown = Math.min(bytes.length, 8);
    return "ByteString[" + bytes.length + " bytes, " + Hex.encode(bytes, 0, shown)
        + (shown < bytes.length ? "..." : "") + "]";
  }
}
