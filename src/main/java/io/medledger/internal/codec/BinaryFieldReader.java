package io.medledger.internal.codec;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Strict reader of the canonical binary form. Every length and count is checked against its
 * bound and against the bytes that remain before anything is allocated. Not thread-safe.
 */
public final class BinaryFieldReader implements FieldReader {
  private final byte[] buf;
  private int pos;
  private int end;

  /** Reads {@code len} bytes of {@code buf} from {@code off} (not copied; do not modify). */
  public BinaryFieldReader(byte[] buf, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    this.buf = buf;
    this.pos = off;
    this.end = off + len;
  }

  /** Reads all of {@code buf}. */
  public BinaryFieldReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  /** Current read offset in the underlying array. */
  public int position() {
    return pos;
  }

  /** The underlying array (for slicing already-bounded sub-encodings). */
  public byte[] array() {
    return buf;
  }

  /** Bytes left. */
  public int remaining() {
    return end - pos;
  }

  private void need(int n, String name) {
    if (n < 0 || end - pos < n) {
      throw new MalformedEncodingException("truncated input reading " + name);
    }
  }

  /** Reads one raw byte. */
  public int rawByte(String name) {
    need(1, name);
    return buf[pos++] & 0xff;
  }

  /** Reads a big-endian u32 that must be at most {@code max}. */
  public int rawU32(String name, int max) {
    need(4, name);
    long v = ((buf[pos] & 0xffL) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8)
        | (buf[pos + 3] & 0xff);
    pos += 4;
    if (v > max) {
      throw new MalformedEncodingException(name + " is " + v + ", above the limit " + max);
    }
    return (int) v;
  }

  /** Skips {@code n} bytes (already bounded) and returns the offset where they start. */
  public int skip(int n, String name) {
    need(n, name);
    int at = pos;
    pos += n;
    return at;
  }

  @Override
  public int u8(String name) {
    return rawByte(name);
  }

  @Override
  public int u32(String name, int max) {
    return rawU32(name, max);
  }

  @Override
  public long i64(String name) {
    need(8, name);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos + i] & 0xff);
    }
    pos += 8;
    return v;
  }

  @Override
  public boolean bool(String name) {
    int b = rawByte(name);
    if (b > 1) {
      throw new MalformedEncodingException(name + ": a boolean is 0 or 1, got " + b);
    }
    return b == 1;
  }

  @Override
  public int enumValue(String name, List<String> labels) {
    int b = rawByte(name);
    if (b >= labels.size()) {
      throw new MalformedEncodingException(name + ": unknown code " + b);
    }
    return b;
  }

  @Override
  public Digest digest(String name) {
    need(Digest.LENGTH, name);
    Digest d = Digest.of(buf, pos);
    pos += Digest.LENGTH;
    return d;
  }

  @Override
  public Digest optionalDigest(String name) {
    int flag = rawByte(name);
    if (flag == 0) {
      return null;
    }
    if (flag != 1) {
      throw new MalformedEncodingException(name + ": presence byte is 0 or 1, got " + flag);
    }
    return digest(name);
  }

  @Override
  public ByteString bytes(String name, int maxLength) {
    int n = rawU32(name + " length", maxLength);
    need(n, name);
    ByteString b = ByteString.of(buf, pos, n);
    pos += n;
    return b;
  }

  @Override
  public String string(String name, int maxBytes) {
    int n = rawU32(name + " length", maxBytes);
    need(n, name);
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, pos, n))
          .toString();
      pos += n;
      return s;
    } catch (CharacterCodingException e) {
      throw new MalformedEncodingException(name + " is not valid UTF-8");
    }
  }

  private int count(String name, int maxCount, int minElementBytes) {
    int n = rawU32(name + " count", maxCount);
    if ((long) n * minElementBytes > remaining()) {
      throw new MalformedEncodingException("truncated input: " + name + " announces " + n + " items");
    }
    return n;
  }

  @Override
  public List<Digest> digestList(String name, int maxCount) {
    int n = count(name, maxCount, Digest.LENGTH);
    List<Digest> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(digest(name));
    }
    return out;
  }

  @Override
  public List<ByteString> bytesList(String name, int maxCount, int maxEach) {
    int n = count(name, maxCount, 4);
    List<ByteString> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(bytes(name, maxEach));
    }
    return out;
  }

  @Override
  public List<String> stringList(String name, int maxCount, int maxEach) {
    int n = count(name, maxCount, 4);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(string(name, maxEach));
    }
    return out;
  }

  @Override
  public <T> T object(String name, Function<FieldReader, T> body) {
    return body.apply(this);
  }

  @Override
  public <T> List<T> objectList(String name, int maxCount, Function<FieldReader, T> body) {
    int n = count(name, maxCount, 4);
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = rawU32(name + " item length", Integer.MAX_VALUE);
      need(len, name + " item");
      int start = pos;
      int savedEnd = end;
      end = start + len;
      T item = body.apply(this);
      if (pos != end) {
        throw new MalformedEncodingException(name + " item has " + (end - pos) + " unread bytes");
      }
      end = savedEnd;
      out.add(item);
    }
    return out;
  }

  @Override
  public void finish() {
    if (pos != end) {
      throw new MalformedEncodingException((end - pos) + " trailing bytes");
    }
  }
}
