package io.medledger.internal.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import java.util.Arrays;

/**
 * A bounded little-endian reader over a byte array, with Bitcoin's CompactSize. Every read checks
 * the remaining length first, so a truncated input fails before anything is allocated.
 *
 * <p>Not thread-safe.
 */
public final class ByteReader {
  /** Bitcoin Core's MAX_SIZE: the largest CompactSize a deserializer accepts. */
  public static final long MAX_COMPACT_SIZE = 0x02000000L;

  private final byte[] buf;
  private int pos;
  private final int end;

  public ByteReader(byte[] buf) {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
  }

  public int position() {
    return pos;
  }

  public int remaining() {
    return end - pos;
  }

  public boolean hasRemaining() {
    return pos < end;
  }

  private void need(long n, String what) {
    if (n < 0 || n > end - pos) {
      throw new MalformedEncodingException("truncated input: " + what + " needs " + n + " bytes, "
          + (end - pos) + " remain at offset " + pos);
    }
  }

  public int readU8(String what) {
    need(1, what);
    return buf[pos++] & 0xff;
  }

  public int peekU8() {
    need(1, "a byte");
    return buf[pos] & 0xff;
  }

  public long readU32(String what) {
    need(4, what);
    long v = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8 | (buf[pos + 2] & 0xffL) << 16
        | (buf[pos + 3] & 0xffL) << 24;
    pos += 4;
    return v;
  }

  public long readI64(String what) {
    need(8, what);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (buf[pos + i] & 0xffL);
    }
    pos += 8;
    return v;
  }

  /**
   * Reads a CompactSize, rejecting non-minimal encodings and values above {@code max}.
   */
  public long readCompactSize(long max, String what) {
    int first = readU8(what);
    long v;
    if (first < 0xfd) {
      v = first;
    } else if (first == 0xfd) {
      need(2, what);
      v = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8;
      pos += 2;
      if (v < 0xfd) {
        throw new MalformedEncodingException("non-minimal CompactSize for " + what);
      }
    } else if (first == 0xfe) {
      v = readU32(what);
      if (v < 0x10000L) {
        throw new MalformedEncodingException("non-minimal CompactSize for " + what);
      }
    } else {
      v = readI64(what);
      if (v >= 0 && v < 0x100000000L) {
        throw new MalformedEncodingException("non-minimal CompactSize for " + what);
      }
    }
    if (v < 0 || v > max) {
      throw new MalformedEncodingException(what + " " + Long.toUnsignedString(v) + " exceeds the limit " + max);
    }
    return v;
  }

  /**
   * Reads a count of items each at least {@code minItemBytes} long; rejects counts that cannot
   * fit in the remaining input before any list is allocated.
   */
  public int readCount(int minItemBytes, String what) {
    long n = readCompactSize(MAX_COMPACT_SIZE, what);
    if (minItemBytes > 0 && n > (end - pos) / minItemBytes) {
      throw new MalformedEncodingException(what + " " + n + " cannot fit in the " + (end - pos) + " remaining bytes");
    }
    return (int) n;
  }

  public byte[] readBytes(long n, String what) {
    need(n, what);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + (int) n);
    pos += (int) n;
    return out;
  }

  /** Reads a CompactSize length then that many bytes. */
  public byte[] readVarBytes(String what) {
    long n = readCompactSize(MAX_COMPACT_SIZE, what + " length");
    return readBytes(n, what);
  }

  public void expectEnd(String what) {
    if (pos != end) {
      throw new MalformedEncodingException((end - pos) + " trailing bytes after " + what);
    }
  }
}
