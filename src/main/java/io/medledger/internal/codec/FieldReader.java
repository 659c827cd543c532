package io.medledger.internal.codec;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the fields a {@link FieldWriter} wrote, in the same order, enforcing every bound.
 * Every defect raises {@link MalformedEncodingException}. Not thread-safe.
 */
public interface FieldReader {
  /** An unsigned byte. */
  int u8(String name);

  /** A non-negative 32-bit integer at most {@code max}. */
  int u32(String name, int max);

  /** A signed 64-bit integer. */
  long i64(String name);

  /** A boolean. */
  boolean bool(String name);

  /** The code of one of {@code labels} (code = index). */
  int enumValue(String name, List<String> labels);

  /** 32 bytes. */
  Digest digest(String name);

  /** A digest or {@code null}. */
  Digest optionalDigest(String name);

  /** At most {@code maxLength} bytes. */
  ByteString bytes(String name, int maxLength);

  /** UTF-8 text of at most {@code maxBytes} bytes. */
  String string(String name, int maxBytes);

  /** At most {@code maxCount} digests. */
  List<Digest> digestList(String name, int maxCount);

  /** At most {@code maxCount} byte strings of at most {@code maxEach} bytes. */
  List<ByteString> bytesList(String name, int maxCount, int maxEach);

  /** At most {@code maxCount} strings of at most {@code maxEach} bytes. */
  List<String> stringList(String name, int maxCount, int maxEach);

  /** A nested structure. */
  <T> T object(String name, Function<FieldReader, T> body);

  /** At most {@code maxCount} nested structures. */
  <T> List<T> objectList(String name, int maxCount, Function<FieldReader, T> body);

  /** Fails unless everything was consumed (no trailing bytes, no unknown JSON members). */
  void finish();

  /** Shorthand for a malformed-input failure. */
  static MalformedEncodingException malformed(String message) {
    return new MalformedEncodingException(message);
  }
}
