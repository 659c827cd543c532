package io.medledger.internal.codec;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The canonical binary form: big-endian fixed-width integers, u32 length or count prefixes, raw
 * 32-byte digests, presence bytes (0 or 1) for optional values. Not thread-safe.
 */
public final class BinaryFieldWriter implements FieldWriter {
  private byte[] buf;
  private int len;

  /** A writer with a small initial buffer. */
  public BinaryFieldWriter() {
    this(256);
  }

  /** A writer with {@code capacity} bytes of initial buffer. */
  public BinaryFieldWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int extra) {
    int need = len + extra;
    if (need < 0) {
      throw new IllegalStateException("encoding exceeds 2 GiB");
    }
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
    }
  }

  /** Bytes written so far. */
  public int size() {
    return len;
  }

  /** A copy of the bytes written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** Appends raw bytes. */
  public void raw(byte[] data, int off, int n) {
    ensure(n);
    System.arraycopy(data, off, buf, len, n);
    len += n;
  }

  /** Appends raw bytes. */
  public void raw(byte[] data) {
    raw(data, 0, data.length);
  }

  /** Appends one byte. */
  public void rawByte(int b) {
    ensure(1);
    buf[len++] = (byte) b;
  }

  /** Appends a big-endian u32. */
  public void rawU32(int v) {
    ensure(4);
    buf[len] = (byte) (v >>> 24);
    buf[len + 1] = (byte) (v >>> 16);
    buf[len + 2] = (byte) (v >>> 8);
    buf[len + 3] = (byte) v;
    len += 4;
  }

  private void rawI64(long v) {
    ensure(8);
    for (int i = 7; i >= 0; i--) {
      buf[len + i] = (byte) v;
      v >>>= 8;
    }
    len += 8;
  }

  private void count(int n) {
    rawU32(n);
  }

  @Override
  public void u8(String name, int value) {
    if (value < 0 || value > 255) {
      throw new IllegalArgumentException(name + " out of u8 range");
    }
    rawByte(value);
  }

  @Override
  public void u32(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " is negative");
    }
    rawU32(value);
  }

  @Override
  public void i64(String name, long value) {
    rawI64(value);
  }

  @Override
  public void bool(String name, boolean value) {
    rawByte(value ? 1 : 0);
  }

  @Override
  public void enumValue(String name, int code, String label) {
    u8(name, code);
  }

  @Override
  public void digest(String name, Digest value) {
    ensure(Digest.LENGTH);
    value.copyTo(buf, len);
    len += Digest.LENGTH;
  }

  @Override
  public void optionalDigest(String name, Digest valueOrNull) {
    if (valueOrNull == null) {
      rawByte(0);
    } else {
      rawByte(1);
      digest(name, valueOrNull);
    }
  }

  @Override
  public void bytes(String name, ByteString value) {
    count(value.size());
    ensure(value.size());
    value.copyTo(buf, len);
    len += value.size();
  }

  @Override
  public void string(String name, String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    count(utf8.length);
    raw(utf8);
  }

  @Override
  public void digestList(String name, List<Digest> values) {
    count(values.size());
    for (Digest d : values) {
      digest(name, d);
    }
  }

  @Override
  public void bytesList(String name, List<ByteString> values) {
    count(values.size());
    for (ByteString b : values) {
      bytes(name, b);
    }
  }

  @Override
  public void stringList(String name, List<String> values) {
    count(values.size());
    for (String s : values) {
      string(name, s);
    }
  }

  @Override
  public void object(String name, Consumer<FieldWriter> body) {
    body.accept(this);
  }

  @Override
  public <T> void objectList(String name, List<T> items, BiConsumer<T, FieldWriter> body) {
    count(items.size());
    for (T item : items) {
      int at = len;
      rawU32(0);
      body.accept(item, this);
      int n = len - at - 4;
      buf[at] = (byte) (n >>> 24);
      buf[at + 1] = (byte) (n >>> 16);
      buf[at + 2] = (byte) (n >>> 8);
      buf[at + 3] = (byte) n;
    }
  }
}
