package io.medledger.internal.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.Arrays;

/**
 * Canonical big-endian binary writer and bounded reader used by the consensus encodings. Lengths
 * are unsigned 32-bit prefixes checked against an explicit bound before any allocation.
 */
public final class Wire {
  private Wire() {}

  /** Growable output buffer. Not thread-safe. */
  public static final class Writer {
    private byte[] buf;
    private int len;

    public Writer() {
      this(64);
    }

    public Writer(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    public Writer u8(int v) {
      ensure(1);
      buf[len++] = (byte) v;
      return this;
    }

    public Writer i32(int v) {
      ensure(4);
      buf[len++] = (byte) (v >>> 24);
      buf[len++] = (byte) (v >>> 16);
      buf[len++] = (byte) (v >>> 8);
      buf[len++] = (byte) v;
      return this;
    }

    public Writer i64(long v) {
      i32((int) (v >>> 32));
      return i32((int) v);
    }

    public Writer raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      return this;
    }

    /** Writes a length-prefixed byte string. */
    public Writer bytes(byte[] b) {
      i32(b.length);
      return raw(b);
    }

    public Writer digest(Digest d) {
      ensure(Digest.LENGTH);
      d.copyTo(buf, len);
      len += Digest.LENGTH;
      return this;
    }

    public int size() {
      return len;
    }

    public byte[] toByteArray() {
      return Arrays.copyOf(buf, len);
    }
  }

  /** Bounded reader over a byte array; every failure is a {@link MalformedEncodingException}. */
  public static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public Reader(byte[] buf) {
      this.buf = buf;
      this.pos = 0;
      this.end = buf.length;
    }

    private void need(int n) {
      if (n < 0 || end - pos < n) {
        throw new MalformedEncodingException("truncated input at offset " + pos);
      }
    }

    public int u8() {
      need(1);
      return buf[pos++] & 0xff;
    }

    public int i32() {
      need(4);
      int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16)
          | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
      pos += 4;
      return v;
    }

    public long i64() {
      long hi = i32() & 0xffffffffL;
      long lo = i32() & 0xffffffffL;
      return (hi << 32) | lo;
    }

    /** Reads an int that must lie in [min, max]. */
    public int i32In(int min, int max, String what) {
      int v = i32();
      if (v < min || v > max) {
        throw new MalformedEncodingException(what + " out of range: " + v);
      }
      return v;
    }

    /** Reads a long that must lie in [min, max]. */
    public long i64In(long min, long max, String what) {
      long v = i64();
      if (v < min || v > max) {
        throw new MalformedEncodingException(what + " out of range: " + v);
      }
      return v;
    }

    public byte[] raw(int n) {
      need(n);
      byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return out;
    }

    /** Reads a length-prefixed byte string of at most {@code max} bytes. */
    public byte[] bytes(int max) {
      int n = i32();
      if (n < 0 || n > max) {
        throw new MalformedEncodingException("length " + (n & 0xffffffffL) + " exceeds bound " + max);
      }
      return raw(n);
    }

    public Digest digest() {
      need(Digest.LENGTH);
      Digest d = Digest.of(buf, pos);
      pos += Digest.LENGTH;
      return d;
    }

    /** Reads a count that must be at most {@code max}. */
    public int count(int max, String what) {
      return i32In(0, max, what + " count");
    }

    public int remaining() {
      return end - pos;
    }

    /** Fails unless the whole input was consumed. */
    public void done() {
      if (pos != end) {
        throw new MalformedEncodingException((end - pos) + " trailing bytes");
      }
    }
  }
}
