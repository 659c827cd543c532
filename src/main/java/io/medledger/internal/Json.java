package io.medledger.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON tree on jackson-core's streaming parser: objects become {@code LinkedHashMap},
 * arrays {@code ArrayList}, numbers {@code Long}, {@code BigInteger} or {@code BigDecimal},
 * plus {@code String}, {@code Boolean} and {@code null}. Input is bounded: at most
 * {@link BoundedInput#MAX_BYTES} bytes from a stream, {@link #MAX_TOKENS} tokens,
 * {@link #MAX_ELEMENTS} members in one object or array, {@link #MAX_DEPTH} levels of nesting, so
 * a hostile document fails with {@link MalformedEncodingException} before it exhausts memory.
 *
 * <p>Thread-safe: the factory is immutable after construction.
 */
public final class Json {
  /** Maximum nesting depth accepted by {@link #parse}. */
  public static final int MAX_DEPTH = 200;
  /** Maximum number of tokens in one document accepted by {@link #parse}. */
  public static final long MAX_TOKENS = 2_000_000;
  /** Maximum number of members of one JSON object or array accepted by {@link #parse}. */
  public static final int MAX_ELEMENTS = 1_000_000;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxStringLength(64 * 1024 * 1024)
          .maxNumberLength(200)
          .maxTokenCount(MAX_TOKENS)
          .build())
      .build();

  private Json() {}

  /** The shared jackson-core factory with this library's read limits. */
  public static JsonFactory factory() {
    return FACTORY;
  }

  /**
   * Parses one JSON value from {@code text}.
   *
   * @throws MalformedEncodingException if the text is not one well-formed JSON value
   */
  public static Object parse(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      return parseWhole(p);
    } catch (IOException e) {
      throw new MalformedEncodingException("invalid JSON: " + messageOf(e), e);
    }
  }

  /**
   * Parses one JSON value from {@code in} (UTF-8, a byte-order mark is skipped), reading at most
   * {@link BoundedInput#MAX_BYTES} bytes.
   *
   * @throws MalformedEncodingException if the input is not one well-formed JSON value or is larger
   */
  public static Object parse(InputStream in) {
    try (JsonParser p = FACTORY.createParser(BoundedInput.limit(in, BoundedInput.MAX_BYTES, "JSON input"))) {
      return parseWhole(p);
    } catch (IOException e) {
      throw new MalformedEncodingException("invalid JSON: " + messageOf(e), e);
    }
  }

  /**
   * Parses one JSON value from UTF-8 {@code bytes} (a byte-order mark is skipped).
   *
   * @throws MalformedEncodingException if the bytes are not one well-formed JSON value
   */
  public static Object parse(byte[] bytes) {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      return parseWhole(p);
    } catch (IOException e) {
      throw new MalformedEncodingException("invalid JSON: " + messageOf(e), e);
    }
  }

  private static String messageOf(IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null) {
      // Jackson's own message spans lines (it quotes the source); keep it to one.
      return j.getOriginalMessage() + " at line " + j.getLocation().getLineNr() + ", column "
          + j.getLocation().getColumnNr();
    }
    return e.getMessage();
  }

  private static Object parseWhole(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new MalformedEncodingException("empty JSON input");
    }
    Object v = value(p, t);
    if (p.nextToken() != null) {
      throw new MalformedEncodingException("trailing content after JSON value");
    }
    return v;
  }

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken vt = p.nextToken();
          if (m.size() == MAX_ELEMENTS) {
            throw tooMany();
          }
          if (m.containsKey(name)) { // a null value is a value: put would return null for it too
            throw new MalformedEncodingException("duplicate JSON key '" + name + "'");
          }
          m.put(name, value(p, vt));
        }
        if (k != JsonToken.END_OBJECT) {
          throw new MalformedEncodingException("unterminated JSON object");
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          if (e == null) {
            throw new MalformedEncodingException("unterminated JSON array");
          }
          if (l.size() == MAX_ELEMENTS) {
            throw tooMany();
          }
          l.add(value(p, e));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
          case LONG:
            return p.getLongValue();
          default:
            return p.getBigIntegerValue();
        }
      case VALUE_NUMBER_FLOAT:
        try {
          return p.getDecimalValue();
        } catch (NumberFormatException e) { // an exponent past what a BigDecimal holds (1e2147483648)
          throw new MalformedEncodingException("a JSON number out of range: " + e.getMessage());
        }
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new MalformedEncodingException("unexpected JSON token " + t);
    }
  }

  private static MalformedEncodingException tooMany() {
    return new MalformedEncodingException("a JSON object or array has more than " + MAX_ELEMENTS + " members");
  }

  /** Returns {@code v} as an object, or throws {@link MalformedEncodingException}. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> asObject(Object v, String what) {
    if (v instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new MalformedEncodingException(what + " must be a JSON object");
  }

  /** Returns {@code v} as an array, or throws {@link MalformedEncodingException}. */
  @SuppressWarnings("unchecked")
  public static List<Object> asArray(Object v, String what) {
    if (v instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw new MalformedEncodingException(what + " must be a JSON array");
  }

  /** Returns {@code v} as a string, or throws {@link MalformedEncodingException}. */
  public static String asString(Object v, String what) {
    if (v instanceof String s) {
      return s;
    }
    throw new MalformedEncodingException(what + " must be a JSON string");
  }

  /** Returns {@code v} as a long, or throws {@link MalformedEncodingException}. */
  public static long asLong(Object v, String what) {
    if (v instanceof Long l) {
      return l;
    }
    throw new MalformedEncodingException(what + " must be an integer in the 64-bit range");
  }

  /** Returns the member {@code key} of {@code obj}, which must be present. */
  public static Object member(Map<String, Object> obj, String key) {
    if (!obj.containsKey(key)) {
      throw new MalformedEncodingException("missing JSON member '" + key + "'");
    }
    return obj.get(key);
  }

  /**
   * Writes a tree of the shapes {@link #parse} returns (maps with string keys, lists, strings,
   * booleans, integers, {@code BigInteger}, {@code BigDecimal}, null).
   *
   * @throws IllegalArgumentException for any other value type
   */
  public static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName((String) e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      for (Object x : l) {
        writeValue(g, x);
      }
      g.writeEndArray();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer n) {
      g.writeNumber(n);
    } else if (v instanceof Long n) {
      g.writeNumber(n);
    } else if (v instanceof java.math.BigInteger n) {
      g.writeNumber(n);
    } else if (v instanceof java.math.BigDecimal n) {
      g.writeNumber(n);
    } else {
      throw new IllegalArgumentException("unsupported JSON value type " + v.getClass().getName());
    }
  }

  /** A callback that writes JSON with a jackson-core generator. */
  @FunctionalInterface
  public interface WriterBody {
    /** Writes the value. */
    void write(JsonGenerator g) throws IOException;
  }

  /** Writes a JSON document to a string with {@code body}; {@code pretty} indents it. */
  public static String write(boolean pretty, WriterBody body) {
    StringWriter w = new StringWriter();
    write(w, pretty, body);
    return w.toString();
  }

  /** Writes a JSON document to {@code out} with {@code body}; {@code pretty} indents it. */
  public static void write(Writer out, boolean pretty, WriterBody body) {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
