package io.medledger.merkle;

import io.medledger.codec.MalformedEncodingException;

/** Bounds-checked reader of Bitcoin wire encodings; every failure is a MalformedEncodingException. */
final class WireReader {
  /** Bitcoin Core's limit on any compact-size length (MAX_SIZE). */
  static final long MAX_COMPACT_SIZE = 0x02000000L;

  private final byte[] buf;
  private int pos;

  WireReader(byte[] buf) {
    this.buf = buf;
  }

  int remaining() {
    return buf.length - pos;
  }

  byte[] bytes(int n, String what) {
    need(n, what);
    byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  long uint32(String what) {
    need(4, what);
    long v = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8 | (buf[pos + 2] & 0xffL) << 16 | (buf[pos + 3] & 0xffL) << 24;
    pos += 4;
    return v;
  }

  /** A canonical compact-size integer no larger than MAX_COMPACT_SIZE. */
  long compactSize(String what) {
    need(1, what);
    int first = buf[pos++] & 0xff;
    long v;
    long min;
    if (first < 0xfd) {
      return first;
    } else if (first == 0xfd) {
      v = littleEndian(2, what);
      min = 0xfd;
    } else if (first == 0xfe) {
      v = littleEndian(4, what);
      min = 0x10000;
    } else {
      v = littleEndian(8, what);
      min = 0x100000000L;
    }
    if (Long.compareUnsigned(v, min) < 0) {
      throw new MalformedEncodingException("non-canonical compact size for " + what);
    }
    if (Long.compareUnsigned(v, MAX_COMPACT_SIZE) > 0) {
      throw new MalformedEncodingException(what + " count too large: " + Long.toUnsignedString(v));
    }
    return v;
  }

  void expectEnd(String what) {
    if (pos != buf.length) {
      throw new MalformedEncodingException(remaining() + " trailing bytes after " + what);
    }
  }

  private long littleEndian(int n, String what) {
    need(n, what);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = v << 8 | (buf[pos + i] & 0xff);
    }
    pos += n;
    return v;
  }

  private void need(int n, String what) {
    if (n < 0 || remaining() < n) {
      throw new MalformedEncodingException("truncated " + what + ": need " + n + " bytes, " + remaining() + " left");
    }
  }
}
