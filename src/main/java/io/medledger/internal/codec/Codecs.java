package io.medledger.internal.codec;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Json;
import java.util.function.Consumer;
import java.util.function.Function;

/** Entry points that run a field description against the binary or JSON codec. Thread-safe. */
public final class Codecs {
  private Codecs() {}

  /** Encodes with the canonical binary writer. */
  public static byte[] encode(Consumer<FieldWriter> body) {
    BinaryFieldWriter w = new BinaryFieldWriter();
    body.accept(w);
    return w.toByteArray();
  }

  /** Writes a JSON object with the given members. */
  public static String toJson(boolean pretty, Consumer<FieldWriter> body) {
    return Json.write(pretty, g -> {
      g.writeStartObject();
      body.accept(new JsonFieldWriter(g));
      g.writeEndObject();
    });
  }

  /**
   * Decodes all of {@code bytes} (at most {@code maxBytes}) with {@code body}; invalid values
   * rejected by constructors become {@link MalformedEncodingException}.
   */
  public static <T> T decode(byte[] bytes, int maxBytes, String what, Function<FieldReader, T> body) {
    if (bytes == null) {
      throw new MalformedEncodingException(what + ": no input");
    }
    if (bytes.length > maxBytes) {
      throw new MalformedEncodingException(what + " is " + bytes.length + " bytes, above the limit " + maxBytes);
    }
    BinaryFieldReader r = new BinaryFieldReader(bytes);
    T t = guard(what, () -> body.apply(r));
    r.finish();
    return t;
  }

  /** Parses a JSON object with {@code body}, rejecting unknown members. */
  public static <T> T fromJson(String json, int maxChars, String what, Function<FieldReader, T> body) {
    if (json == null) {
      throw new MalformedEncodingException(what + ": no input");
    }
    if (json.length() > maxChars) {
      throw new MalformedEncodingException(what + " JSON is longer than " + maxChars + " characters");
    }
    JsonFieldReader r = JsonFieldReader.parse(json);
    T t = guard(what, () -> body.apply(r));
    r.finish();
    return t;
  }

  /** Runs {@code s}, turning constructor rejections into {@link MalformedEncodingException}. */
  public static <T> T guard(String what, java.util.function.Supplier<T> s) {
    try {
      return s.get();
    } catch (MalformedEncodingException e) {
      throw e;
    } catch (IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
      throw new MalformedEncodingException(what + ": " + e.getMessage(), e);
    }
  }
}
