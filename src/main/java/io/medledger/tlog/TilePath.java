package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import java.util.Objects;

/**
 * The address of one resource of a C2SP {@code tlog-tiles} log: a hash tile
 * {@code tile/<L>/<N>[.p/<W>]} or an entry bundle {@code tile/entries/<N>[.p/<W>]}, where
 * {@code <N>} is written as three-digit path elements, all but the last prefixed with {@code x}
 * (index 1234067 is {@code x001/x234/067}), and {@code .p/<W>} marks a partial tile of
 * {@code W} (1 to 255) hashes or entries.
 *
 * <p>Immutable and thread-safe.
 *
 * @param level the tile level 0 to 63, or {@link #ENTRIES} for an entry bundle
 * @param index the tile index within its level
 * @param width the number of hashes or entries, 1 to 256 (256 is a full tile, without a suffix)
 */
public record TilePath(int level, long index, int width) {
  /** The level value that marks an entry bundle. */
  public static final int ENTRIES = -1;
  /** Tile height: a full tile holds 2^8 hashes or entries. */
  public static final int HEIGHT = 8;
  /** Hashes or entries in a full tile. */
  public static final int FULL = 1 << HEIGHT;
  /** Highest hash-tile level the specification allows. */
  public static final int MAX_LEVEL = 63;
  /** Longest path accepted by {@link #parse}; longer text is rejected before it is scanned. */
  public static final int MAX_PATH = 96;

  /**
   * Checks the ranges.
   *
   * @throws IllegalArgumentException if a component is out of range
   */
  public TilePath {
    if (level < ENTRIES || level > MAX_LEVEL) {
      throw new IllegalArgumentException("tile level must be 0.." + MAX_LEVEL + " or ENTRIES, got " + level);
    }
    if (index < 0) {
      throw new IllegalArgumentException("tile index must not be negative: " + index);
    }
    if (width < 1 || width > FULL) {
      throw new IllegalArgumentException("tile width must be 1.." + FULL + ", got " + width);
    }
  }

  /** A hash tile. */
  public static TilePath hashes(int level, long index, int width) {
    if (level < 0) {
      throw new IllegalArgumentException("hash tile level must not be negative: " + level);
    }
    return new TilePath(level, index, width);
  }

  /** An entry bundle. */
  public static TilePath entries(long index, int width) {
    return new TilePath(ENTRIES, index, width);
  }

  /** Whether this is an entry bundle rather than a hash tile. */
  public boolean isEntries() {
    return level == ENTRIES;
  }

  /** Whether the tile is full (256 wide, no {@code .p/} suffix). */
  public boolean isFull() {
    return width == FULL;
  }

  /** The same tile at full width. */
  public TilePath full() {
    return new TilePath(level, index, FULL);
  }

  /**
   * The tiles a tree of {@code size} leaves has at {@code level} (or of entry bundles): the full
   * ones, then the partial one if the width is not a multiple of 256.
   */
  public static long tileCount(long size, int level) {
    long units = level == ENTRIES ? size : size >>> (HEIGHT * level);
    return (units + FULL - 1) >>> HEIGHT;
  }

  /**
   * The tile at {@code level} and {@code index} as it is in a tree of {@code size} leaves: full,
   * or partial with the width that size implies.
   *
   * @throws IllegalArgumentException if the tree has no such tile
   */
  public static TilePath inTree(int level, long index, long size) {
    long units = level == ENTRIES ? size : size >>> (HEIGHT * level);
    long start = index << HEIGHT;
    if (index < 0 || start >= units || start >>> HEIGHT != index) {
      throw new IllegalArgumentException("a tree of size " + size + " has no tile " + index + " at level " + level);
    }
    return new TilePath(level, index, (int) Math.min(FULL, units - start));
  }

  /** The path relative to the log's prefix, e.g. {@code tile/0/x001/234/067.p/5}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("tile/");
    b.append(isEntries() ? "entries" : Integer.toString(level)).append('/');
    String digits = Long.toString(index);
    int groups = (digits.length() + 2) / 3;
    String padded = "0".repeat(groups * 3 - digits.length()) + digits;
    for (int g = 0; g < groups; g++) {
      if (g > 0) {
        b.append('/');
      }
      if (g < groups - 1) {
        b.append('x');
      }
      b.append(padded, 3 * g, 3 * g + 3);
    }
    if (!isFull()) {
      b.append(".p/").append(width);
    }
    return b.toString();
  }

  /**
   * Parses a path in exactly the canonical form {@link #toString()} writes (no leading zero
   * groups, no leading zeros in the level or width, no {@code .p/256}).
   *
   * @throws MalformedEncodingException if the text is not a canonical tile path
   */
  public static TilePath parse(String path) {
    Objects.requireNonNull(path, "path");
    if (path.length() > MAX_PATH || !path.startsWith("tile/")) {
      throw new MalformedEncodingException("not a tile path");
    }
    String[] parts = path.substring(5).split("/", -1);
    if (parts.length < 2) {
      throw new MalformedEncodingException("not a tile path");
    }
    int level;
    if (parts[0].equals("entries")) {
      level = ENTRIES;
    } else {
      level = (int) decimal(parts[0], MAX_LEVEL, "level");
    }
    int last = parts.length - 1;
    int width = FULL;
    if (parts.length >= 3 && parts[last - 1].endsWith(".p")) {
      width = (int) decimal(parts[last], FULL - 1, "width");
      if (width == 0) {
        throw new MalformedEncodingException("tile width must not be 0");
      }
      parts[last - 1] = parts[last - 1].substring(0, parts[last - 1].length() - 2);
      last--;
    }
    long index = 0;
    int groups = last;
    if (groups < 1 || groups > 6) {
      throw new MalformedEncodingException("tile index must have 1 to 6 path elements");
    }
    for (int g = 1; g <= last; g++) {
      String e = parts[g];
      boolean prefixed = g < last;
      if (prefixed != e.startsWith("x") || e.length() != (prefixed ? 4 : 3)) {
        throw new MalformedEncodingException("bad tile index element '" + e + "'");
      }
      String d = prefixed ? e.substring(1) : e;
      for (int i = 0; i < 3; i++) {
        if (d.charAt(i) < '0' || d.charAt(i) > '9') {
          throw new MalformedEncodingException("bad tile index element '" + e + "'");
        }
      }
      if (g == 1 && groups > 1 && d.equals("000")) {
        throw new MalformedEncodingException("tile index has a leading zero group");
      }
      index = index * 1000 + Integer.parseInt(d);
    }
    return new TilePath(level, index, width);
  }

  private static long decimal(String s, int max, String what) {
    if (s.isEmpty() || s.length() > 3 || (s.length() > 1 && s.charAt(0) == '0')) {
      throw new MalformedEncodingException("bad tile " + what + " '" + s + "'");
    }
    int v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new MalformedEncodingException("bad tile " + what + " '" + s + "'");
      }
      v = v * 10 + (c - '0');
    }
    if (v > max) {
      throw new MalformedEncodingException("tile " + what + " " + v + " above " + max);
    }
    return v;
  }
}
