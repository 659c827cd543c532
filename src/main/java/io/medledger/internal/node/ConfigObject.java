package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A strict view of one JSON object of a configuration file: every read names the field by its
 * dotted path, a read of a missing required field or a value of the wrong type or range fails with
 * {@link ConfigError} naming that path, and {@link #finish()} fails on any field nobody read (an
 * unknown field). Not thread-safe.
 */
public final class ConfigObject {
  /** A configuration error; the message starts with the field's path. */
  public static final class ConfigError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigError(String message) {
      super(message);
    }
  }

  private final String path;
  private final Map<String, Object> members;
  private final Set<String> read = new LinkedHashSet<>();

  private ConfigObject(String path, Map<String, Object> members) {
    this.path = path;
    this.members = members;
  }

  /**
   * Reads and parses {@code file}, refusing files larger than {@code maxBytes} before reading them.
   *
   * @throws ConfigError if the file is too large, unreadable, not a regular file, not JSON, or not an object
   */
  public static ConfigObject read(Path file, int maxBytes) {
    byte[] bytes;
    try (InputStream in = io.medledger.internal.BoundedInput.openRegularFile(file)) {
      bytes = in.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw new ConfigError(file + ": cannot read: " + e.getMessage());
    }
    if (bytes.length > maxBytes) {
      throw new ConfigError(file + ": larger than " + maxBytes + " bytes");
    }
    return parse(bytes, file.toString());
  }

  /**
   * As {@link #read}, for a file that decides whom to trust (a node's or a client's
   * configuration): one that group or others may write is refused, whoever may read it.
   *
   * @throws ConfigError also if group or others may write the file
   */
  public static ConfigObject readTrusted(Path file, int maxBytes) {
    String w;
    try {
      w = OwnerOnly.writableByOthers(file);
    } catch (IOException e) {
      throw new ConfigError(file + ": cannot read: " + e.getMessage());
    }
    if (w != null) {
      throw new ConfigError(w);
    }
    return read(file, maxBytes);
  }

  /** Parses {@code bytes} as one JSON object; {@code source} names it in errors. */
  public static ConfigObject parse(byte[] bytes, String source) {
    Object tree;
    try {
      tree = Json.parse(new ByteArrayInputStream(bytes));
    } catch (MalformedEncodingException e) {
      throw new ConfigError(source + ": " + e.getMessage());
    }
    if (!(tree instanceof Map<?, ?>)) {
      throw new ConfigError(source + ": must be a JSON object");
    }
    return new ConfigObject("", Json.asObject(tree, source));
  }

  private String name(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** An error about field {@code key} of this object. */
  public ConfigError error(String key, String problem) {
    return new ConfigError("field '" + name(key) + "': " + problem);
  }

  /** Whether {@code key} is present (and not null); an optional field asked about counts as read. */
  public boolean has(String key) {
    read.add(key);
    return members.get(key) != null;
  }

  private Object required(String key) {
    read.add(key);
    Object v = members.get(key);
    if (v == null) {
      throw error(key, "missing");
    }
    return v;
  }

  /** A required string of 1..{@code maxLength} characters. */
  public String string(String key, int maxLength) {
    Object v = required(key);
    if (!(v instanceof String s)) {
      throw error(key, "must be a string");
    }
    if (s.isEmpty() || s.length() > maxLength) {
      throw error(key, "must be 1.." + maxLength + " characters");
    }
    return s;
  }

  /**
   * A required string naming a file, resolved against {@code base}; text no path can hold (a NUL)
   * is an error naming the field, without echoing the text.
   */
  public Path path(String key, int maxLength, Path base) {
    String s = string(key, maxLength);
    try {
      return base.resolve(s);
    } catch (InvalidPathException e) {
      throw error(key, "is not a path: " + e.getReason());
    }
  }

  /** An optional string, or {@code fallback}. */
  public String string(String key, int maxLength, String fallback) {
    read.add(key);
    return has(key) ? string(key, maxLength) : fallback;
  }

  /** A required integer in {@code [min, max]}. */
  public long integer(String key, long min, long max) {
    Object v = required(key);
    if (!(v instanceof Long l)) {
      throw error(key, "must be an integer");
    }
    if (l < min || l > max) {
      throw error(key, "must be between " + min + " and " + max + ", got " + l);
    }
    return l;
  }

  /** An optional integer in {@code [min, max]}, or {@code fallback}. */
  public long integer(String key, long min, long max, long fallback) {
    read.add(key);
    return has(key) ? integer(key, min, max) : fallback;
  }

  /** A required boolean. */
  public boolean bool(String key) {
    Object v = required(key);
    if (!(v instanceof Boolean b)) {
      throw error(key, "must be true or false");
    }
    return b;
  }

  /** A required nested object. */
  public ConfigObject object(String key) {
    Object v = required(key);
    if (!(v instanceof Map<?, ?>)) {
      throw error(key, "must be an object");
    }
    return new ConfigObject(name(key), Json.asObject(v, key));
  }

  /** An optional nested object (an empty one when absent). */
  public ConfigObject optionalObject(String key) {
    read.add(key);
    return has(key) ? object(key) : new ConfigObject(name(key), Map.of());
  }

  /** A required array of at most {@code maxItems} objects. */
  public List<ConfigObject> objects(String key, int maxItems) {
    List<Object> items = array(key, maxItems);
    List<ConfigObject> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      if (!(items.get(i) instanceof Map<?, ?>)) {
        throw error(key + "[" + i + "]", "must be an object");
      }
      out.add(new ConfigObject(name(key) + "[" + i + "]", Json.asObject(items.get(i), key)));
    }
    return out;
  }

  /** A required array of at most {@code maxItems} strings of 1..{@code maxLength} characters. */
  public List<String> strings(String key, int maxItems, int maxLength) {
    List<Object> items = array(key, maxItems);
    List<String> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      if (!(items.get(i) instanceof String s) || s.isEmpty() || s.length() > maxLength) {
        throw error(key + "[" + i + "]", "must be a string of 1.." + maxLength + " characters");
      }
      out.add((String) items.get(i));
    }
    return out;
  }

  private List<Object> array(String key, int maxItems) {
    Object v = required(key);
    if (!(v instanceof List<?>)) {
      throw error(key, "must be an array");
    }
    List<Object> items = Json.asArray(v, key);
    if (items.size() > maxItems) {
      throw error(key, "has more than " + maxItems + " items");
    }
    return items;
  }

  /**
   * Fails on the first field (in sorted order) that no read asked for.
   *
   * @throws ConfigError naming the unknown field
   */
  public void finish() {
    Set<String> unknown = new TreeSet<>(members.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      throw new ConfigError("unknown field '" + name(unknown.iterator().next()) + "'");
    }
  }
}
