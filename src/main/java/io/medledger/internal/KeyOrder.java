package io.medledger.internal;

import java.util.Arrays;

/**
 * Stable sorting of byte-string keys in unsigned byte order (a key that is a prefix of another
 * comes first), wherever the keys live. Each pass sorts primitive longs: the next bits of each key,
 * as many as leave room for the key's place in the range below them; the runs that tie on those
 * bits go to the next pass, until a run is small or its keys are used up and whole keys are
 * compared. Keys that share a long prefix (one list's, one patient's) take a pass per eight bytes
 * or so: a sync response's held puts take up to nine passes, and about 60% of the reads of their
 * keys come after the first. Stateless; thread-safe.
 */
public final class KeyOrder {
  private KeyOrder() {}

  /** Keys by index, as the sort reads them. */
  public interface Keys {
    /** The length of key {@code i}. */
    int length(int i);

    /** Byte {@code at} of key {@code i} (unsigned), {@code at < length(i)}. */
    int byteAt(int i, int at);

    /** Compares keys {@code i} and {@code j} in unsigned byte order. */
    int compare(int i, int j);

    /**
     * The 64 bits of key {@code i} from bit {@code bitOffset} on, big-endian, zero past its end;
     * override where the keys' layout allows a cheaper read.
     */
    default long window(int i, long bitOffset) {
      int b = (int) (bitOffset >>> 3);
      int shift = (int) (bitOffset & 7);
      int length = length(i);
      long v = 0;
      for (int k = 0; k < 8; k++) {
        v = (v << 8) | (b + k < length ? byteAt(i, b + k) : 0);
      }
      if (shift != 0) {
        v = (v << shift) | ((b + 8 < length ? byteAt(i, b + 8) : 0) >>> (8 - shift));
      }
      return v;
    }
  }

  /** Keys held as arrays. */
  public static Keys of(byte[][] keys) {
    return new Keys() {
      @Override
      public int length(int i) {
        return keys[i].length;
      }

      @Override
      public int byteAt(int i, int at) {
        return keys[i][at] & 0xff;
      }

      @Override
      public int compare(int i, int j) {
        return Arrays.compareUnsigned(keys[i], keys[j]);
      }
    };
  }

  /**
   * Sorts {@code order[from, to)}, indices of {@code keys}, by key, stably (equal keys keep their
   * order).
   */
  public static void sort(Keys keys, int[] order, int from, int to) {
    sortRange(keys, order, from, to, 0);
  }

  /** As {@link #sort}, for a range whose keys agree on their first {@code bitOffset} bits. */
  private static void sortRange(Keys keys, int[] order, int from, int to, long bitOffset) {
    int m = to - from;
    if (m < 2) {
      return;
    }
    int maxLength = 0;
    for (int i = from; i < to; i++) {
      maxLength = Math.max(maxLength, keys.length(order[i]));
    }
    if (m <= 16 || bitOffset >= 8L * maxLength) {
      compareSort(keys, order, from, to); // small, or the keys agree but for trailing zeros or length
      return;
    }
    // A key that has ended reads as zeros: where its bits and a longer key's differ, it is a
    // prefix of the longer one and smaller, as the padding says; where they tie, a later pass or
    // the whole-key comparison decides.
    int bits = Math.max(1, 64 - Long.numberOfLeadingZeros(m - 1));
    int width = 64 - bits;
    long[] packed = new long[m];
    for (int j = 0; j < m; j++) {
      long digit = keys.window(order[from + j], bitOffset) >>> bits;
      packed[j] = ((digit << bits) | j) ^ Long.MIN_VALUE; // signed order of these is unsigned order
    }
    Arrays.sort(packed);
    int[] was = Arrays.copyOfRange(order, from, to);
    long mask = (1L << bits) - 1;
    for (int j = 0; j < m; j++) {
      order[from + j] = was[(int) (packed[j] & mask)];
    }
    for (int j = 0; j < m;) {
      long digit = packed[j] >>> bits;
      int k = j + 1;
      while (k < m && packed[k] >>> bits == digit) {
        k++;
      }
      sortRange(keys, order, from + j, from + k, bitOffset + width);
      j = k;
    }
  }

  /** A stable insertion or merge sort of {@code order[from, to)} by whole keys. */
  private static void compareSort(Keys keys, int[] order, int from, int to) {
    if (to - from <= 16) {
      for (int i = from + 1; i < to; i++) {
        int x = order[i];
        int j = i - 1;
        while (j >= from && keys.compare(order[j], x) > 0) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = x;
      }
      return;
    }
    Integer[] run = new Integer[to - from];
    for (int i = from; i < to; i++) {
      run[i - from] = order[i];
    }
    Arrays.sort(run, keys::compare); // a merge sort: stable
    for (int i = from; i < to; i++) {
      order[i] = run[i - from];
    }
  }
}
