package io.medledger.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsed command-line options: {@code --name value} pairs (repeatable), {@code --flag} switches
 * and positional arguments. Not thread-safe.
 */
final class Args {
  private final Map<String, List<String>> options = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();
  private final java.util.Set<String> consumed = new java.util.HashSet<>();

  private Args() {}

  /**
   * Parses {@code args} from index {@code from}. Names in {@code flags} take no value; every
   * other {@code --name} takes the next argument.
   */
  static Args parse(String[] args, int from, String... flags) {
    Args a = new Args();
    java.util.Set<String> flagSet = java.util.Set.of(flags);
    for (int i = from; i < args.length; i++) {
      String s = args[i];
      if (s.startsWith("--") && s.length() > 2) {
        String name = s.substring(2);
        String value;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        } else if (flagSet.contains(name)) {
          value = "true";
        } else {
          if (i + 1 >= args.length) {
            throw new CliException("option --" + name + " needs a value");
          }
          value = args[++i];
        }
        a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        a.positional.add(s);
      }
    }
    return a;
  }

  String required(String name) {
    String v = optional(name);
    if (v == null) {
      throw new CliException("missing required option --" + name);
    }
    return v;
  }

  String optional(String name) {
    consumed.add(name);
    List<String> v = options.get(name);
    if (v == null) {
      return null;
    }
    if (v.size() > 1) {
      throw new CliException("option --" + name + " given more than once");
    }
    return v.get(0);
  }

  List<String> all(String name) {
    consumed.add(name);
    return options.getOrDefault(name, List.of());
  }

  boolean flag(String name) {
    return "true".equals(optional(name));
  }

  long requiredLong(String name) {
    return parseLong(name, required(name));
  }

  long optionalLong(String name, long dflt) {
    String v = optional(name);
    return v == null ? dflt : parseLong(name, v);
  }

  /** As {@link #requiredLong}, for an option that must fit an {@code int}. */
  int requiredInt(String name) {
    return toInt(name, requiredLong(name));
  }

  /** As {@link #optionalLong}, for an option that must fit an {@code int}. */
  int optionalInt(String name, int dflt) {
    return toInt(name, optionalLong(name, dflt));
  }

  private static int toInt(String name, long v) {
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new CliException("option --" + name + " is out of range, got " + v);
    }
    return (int) v;
  }

  private static long parseLong(String name, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new CliException("option --" + name + " must be an integer, got '" + v + "'");
    }
  }

  List<String> positional() {
    return positional;
  }

  /** Fails on any option that no accessor asked for, so typos are not silently ignored. */
  void rejectUnknown() {
    for (String k : options.keySet()) {
      if (!consumed.contains(k)) {
        throw new CliException("unknown option --" + k);
      }
    }
  }
}
