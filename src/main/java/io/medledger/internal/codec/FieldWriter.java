package io.medledger.internal.codec;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Writes named fields in a fixed order. The binary writer ignores the names; the JSON writer
 * uses them as member names. Not thread-safe.
 */
public interface FieldWriter {
  /** An unsigned byte (0..255). */
  void u8(String name, int value);

  /** A non-negative 32-bit integer. */
  void u32(String name, int value);

  /** A signed 64-bit integer. */
  void i64(String name, long value);

  /** A boolean. */
  void bool(String name, boolean value);

  /** One of a closed set of values: a byte code in binary, its label in JSON. */
  void enumValue(String name, int code, String label);

  /** 32 bytes. */
  void digest(String name, Digest value);

  /** A digest or nothing ({@code null}). */
  void optionalDigest(String name, Digest valueOrNull);

  /** Length-prefixed bytes. */
  void bytes(String name, ByteString value);

  /** Length-prefixed UTF-8 text. */
  void string(String name, String value);

  /** A counted list of digests. */
  void digestList(String name, List<Digest> values);

  /** A counted list of byte strings. */
  void bytesList(String name, List<ByteString> values);

  /** A counted list of strings. */
  void stringList(String name, List<String> values);

  /** A nested structure. */
  void object(String name, Consumer<FieldWriter> body);

  /** A counted list of nested structures, each length-prefixed in binary. */
  <T> void objectList(String name, List<T> items, BiConsumer<T, FieldWriter> body);
}
