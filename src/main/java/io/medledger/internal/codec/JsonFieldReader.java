package io.medledger.internal.codec;

import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the JSON view from a parsed tree ({@link Json#parse}). Members may come in any order;
 * missing and unknown members, wrong types, upper-case or odd hex and values out of range are
 * rejected with {@link MalformedEncodingException}. Not thread-safe.
 */
public final class JsonFieldReader implements FieldReader {
  private final Map<String, Object> members;

  /** Reads the members of {@code object} (a copy is consumed). */
  public JsonFieldReader(Map<String, Object> object) {
    this.members = new LinkedHashMap<>(object);
  }

  /** Parses {@code json} and reads its top-level object. */
  public static JsonFieldReader parse(String json) {
    return new JsonFieldReader(Json.asObject(Json.parse(json), "top-level value"));
  }

  private Object take(String name) {
    if (!members.containsKey(name)) {
      throw new MalformedEncodingException("missing JSON member '" + name + "'");
    }
    return members.remove(name);
  }

  private static long number(Object v, String name) {
    return Json.asLong(v, name);
  }

  private static String hex(Object v, String name) {
    String s = Json.asString(v, name);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new MalformedEncodingException(name + " must be lowercase hex");
      }
    }
    if ((s.length() & 1) != 0) {
      throw new MalformedEncodingException(name + " has an odd number of hex digits");
    }
    return s;
  }

  private static Digest digestOf(Object v, String name) {
    String s = hex(v, name);
    if (s.length() != 2 * Digest.LENGTH) {
      throw new MalformedEncodingException(name + " must be 64 hex digits");
    }
    return Digest.fromHex(s);
  }

  private static ByteString bytesOf(Object v, String name, int max) {
    String s = hex(v, name);
    if (s.length() / 2 > max) {
      throw new MalformedEncodingException(name + " is longer than " + max + " bytes");
    }
    return ByteString.of(Hex.decode(s));
  }

  private static String stringOf(Object v, String name, int maxBytes) {
    String s = Json.asString(v, name);
    if (s.length() > maxBytes || s.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new MalformedEncodingException(name + " is longer than " + maxBytes + " bytes");
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw new MalformedEncodingException(name + " has an unpaired surrogate");
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw new MalformedEncodingException(name + " has an unpaired surrogate");
      }
    }
    return s;
  }

  private static List<Object> array(Object v, String name, int maxCount) {
    List<Object> l = Json.asArray(v, name);
    if (l.size() > maxCount) {
      throw new MalformedEncodingException(name + " has more than " + maxCount + " items");
    }
    return l;
  }

  @Override
  public int u8(String name) {
    long v = number(take(name), name);
    if (v < 0 || v > 255) {
      throw new MalformedEncodingException(name + " out of range");
    }
    return (int) v;
  }

  @Override
  public int u32(String name, int max) {
    long v = number(take(name), name);
    if (v < 0 || v > max) {
      throw new MalformedEncodingException(name + " out of range 0.." + max);
    }
    return (int) v;
  }

  @Override
  public long i64(String name) {
    return number(take(name), name);
  }

  @Override
  public boolean bool(String name) {
    Object v = take(name);
    if (v instanceof Boolean b) {
      return b;
    }
    throw new MalformedEncodingException(name + " must be true or false");
  }

  @Override
  public int enumValue(String name, List<String> labels) {
    String s = Json.asString(take(name), name);
    int i = labels.indexOf(s);
    if (i < 0) {
      throw new MalformedEncodingException(name + ": unknown value '" + s + "'");
    }
    return i;
  }

  @Override
  public Digest digest(String name) {
    return digestOf(take(name), name);
  }

  @Override
  public Digest optionalDigest(String name) {
    Object v = take(name);
    return v == null ? null : digestOf(v, name);
  }

  @Override
  public ByteString bytes(String name, int maxLength) {
    return bytesOf(take(name), name, maxLength);
  }

  @Override
  public String string(String name, int maxBytes) {
    return stringOf(take(name), name, maxBytes);
  }

  @Override
  public List<Digest> digestList(String name, int maxCount) {
    List<Digest> out = new ArrayList<>();
    for (Object o : array(take(name), name, maxCount)) {
      out.add(digestOf(o, name));
    }
    return out;
  }

  @Override
  public List<ByteString> bytesList(String name, int maxCount, int maxEach) {
    List<ByteString> out = new ArrayList<>();
    for (Object o : array(take(name), name, maxCount)) {
      out.add(bytesOf(o, name, maxEach));
    }
    return out;
  }

  @Override
  public List<String> stringList(String name, int maxCount, int maxEach) {
    List<String> out = new ArrayList<>();
    for (Object o : array(take(name), name, maxCount)) {
      out.add(stringOf(o, name, maxEach));
    }
    return out;
  }

  @Override
  public <T> T object(String name, Function<FieldReader, T> body) {
    JsonFieldReader r = new JsonFieldReader(Json.asObject(take(name), name));
    T t = body.apply(r);
    r.finish();
    return t;
  }

  @Override
  public <T> List<T> objectList(String name, int maxCount, Function<FieldReader, T> body) {
    List<T> out = new ArrayList<>();
    for (Object o : array(take(name), name, maxCount)) {
      JsonFieldReader r = new JsonFieldReader(Json.asObject(o, name));
      out.add(body.apply(r));
      r.finish();
    }
    return out;
  }

  @Override
  public void finish() {
    if (!members.isEmpty()) {
      throw new MalformedEncodingException("unknown JSON member '" + members.keySet().iterator().next() + "'");
    }
  }
}
