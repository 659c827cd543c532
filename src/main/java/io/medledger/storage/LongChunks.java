package io.medledger.storage;

import java.util.Arrays;

/**
 * A growable array of longs in fixed chunks of 65,536 (512 KiB each): growing never copies the
 * values, so memory is 8 bytes per element plus at most one partly filled chunk and the chunk
 * table (8 bytes per 65,536 elements).
 *
 * <p>One writer calls {@link #add}; readers call {@link #get} for indexes the writer has published
 * through a volatile write that happens after the {@code add} (the stores publish their size).
 */
final class LongChunks {
  private static final int SHIFT = 16;
  private static final int CHUNK = 1 << SHIFT;
  private static final int MASK = CHUNK - 1;

  private volatile long[][] chunks = new long[8][];
  private long count;

  /** Appends a value (writer only). */
  void add(long value) {
    long[][] cs = chunks;
    int c = (int) (count >>> SHIFT);
    if (c == cs.length) {
      cs = Arrays.copyOf(cs, cs.length * 2);
    }
    if (cs[c] == null) {
      cs[c] = new long[CHUNK];
    }
    cs[c][(int) (count & MASK)] = value;
    chunks = cs;
    count++;
  }

  /** The number of values added (writer only). */
  long count() {
    return count;
  }

  /** The value at {@code index}, which must have been published to the caller. */
  long get(long index) {
    return chunks[(int) (index >>> SHIFT)][(int) (index & MASK)];
  }
}
