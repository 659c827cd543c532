package io.medledger.internal.bitcoin;

import java.util.Arrays;

/** A growable little-endian byte buffer with Bitcoin's CompactSize. Not thread-safe. */
public final class ByteWriter {
  private byte[] buf;
  private int len;

  public ByteWriter() {
    this(256);
  }

  public ByteWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  public ByteWriter u8(int v) {
    ensure(1);
    buf[len++] = (byte) v;
    return this;
  }

  public ByteWriter u32(long v) {
    ensure(4);
    for (int i = 0; i < 4; i++) {
      buf[len++] = (byte) (v >>> (8 * i));
    }
    return this;
  }

  public ByteWriter i64(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[len++] = (byte) (v >>> (8 * i));
    }
    return this;
  }

  public ByteWriter compactSize(long v) {
    if (v < 0xfd) {
      u8((int) v);
    } else if (v <= 0xffff) {
      u8(0xfd);
      u8((int) v);
      u8((int) (v >>> 8));
    } else if (v <= 0xffffffffL) {
      u8(0xfe);
      u32(v);
    } else {
      u8(0xff);
      i64(v);
    }
    return this;
  }

  public ByteWriter bytes(byte[] b) {
    return bytes(b, 0, b.length);
  }

  public ByteWriter bytes(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
    return this;
  }

  public ByteWriter varBytes(byte[] b) {
    compactSize(b.length);
    return bytes(b);
  }

  public int size() {
    return len;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** Size in bytes of the CompactSize encoding of {@code v}. */
  public static int compactSizeLength(long v) {
    return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffffL ? 5 : 9;
  }
}
