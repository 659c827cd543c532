package io.medledger.chain;

import io.medledger.internal.KeyOrder;
import io.medledger.internal.SortedPuts;
import io.medledger.internal.StateKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Puts of byte-string keys to byte-string values, the last put of a key winning, held for a
 * {@link DeferringStateStore}: the keys and values are copied into a few large byte arrays
 * (1 MiB each, kept for reuse after {@link #clear}) and found through an open-addressing table of
 * primitives. A catch-up response holds about 150,000 puts for a second or more; as one object
 * per key, per value and per map node they were copied by every young collection they lived
 * through, while arrays this large are never moved by the collector.
 *
 * <p>Not thread-safe: writes need one thread; reads may run on several threads at once, but not
 * during a write (the ledger's lock orders them).
 */
final class HeldPuts {
  /** Bytes per chunk: at least half a G1 region up to 2 GiB heaps, so that it is never moved. */
  static final int CHUNK = 1 << 20;
  /** Chunks kept across {@link #clear}; more are released. */
  private static final int KEPT_CHUNKS = 16;
  /** A record: its key's length, its value's length, its key's number ({@link #places}), then key and value. */
  private static final int HEADER = 3 * Integer.BYTES;
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private byte[][] chunks = new byte[4][];
  /** Chunks in use; the last one is being filled. */
  private int used;
  /** Bytes used in the last chunk in use. */
  private int fill;
  /** Per slot: 0 when empty, else the record's position + 1 (chunk index << 32 | offset). */
  private long[] slots;
  /** Per slot: the key's hash, compared before the key. */
  private int[] hashes;
  /**
   * Per key, numbered in the order first put: its record's position (as in {@link #slots}, without
   * the + 1), and its first eight bytes ({@link StateKey#head}). {@link #sorted} reads both in
   * sequence, and starts its sort without a read of the chunks.
   */
  private long[] places;
  private long[] firsts;
  private int size;

  /** Empty, with room for about {@code expected} keys before the table grows. */
  HeldPuts(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, (int) Math.min(1 << 29, expected * 2L)) - 1) << 1;
    slots = new long[capacity];
    hashes = new int[capacity];
    places = new long[capacity / 2];
    firsts = new long[capacity / 2];
  }

  /** Keys held. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /**
   * Holds {@code value} for {@code key} (both copied), replacing any held value; returns the
   * length of the value replaced, or -1 if the key was not held.
   */
  int put(byte[] key, byte[] value) {
    int h = hash(key);
    int mask = slots.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      long s = slots[i];
      if (s == 0) {
        if (size == places.length) {
          places = Arrays.copyOf(places, 2 * size);
          firsts = Arrays.copyOf(firsts, 2 * size);
        }
        long at = append(key, value, size);
        slots[i] = at + 1;
        hashes[i] = h;
        places[size] = at;
        firsts[size] = StateKey.head(key);
        if (++size > slots.length / 2 + slots.length / 8) {
          grow();
        }
        return -1;
      }
      if (hashes[i] == h && keyEquals(s - 1, key)) {
        byte[] c = chunks[(int) ((s - 1) >>> 32)];
        int off = (int) (s - 1);
        int oldLength = (int) INT.get(c, off + Integer.BYTES);
        if (oldLength == value.length) {
          System.arraycopy(value, 0, c, off + HEADER + key.length, value.length);
        } else {
          int number = (int) INT.get(c, off + 2 * Integer.BYTES);
          long at = append(key, value, number);
          slots[i] = at + 1; // the old record stays unreferenced until clear
          places[number] = at;
        }
        return oldLength;
      }
    }
  }

  /** A copy of the value held for {@code key}, or null. */
  byte[] get(byte[] key) {
    long s = find(key);
    if (s == 0) {
      return null;
    }
    byte[] c = chunks[(int) ((s - 1) >>> 32)];
    int off = (int) (s - 1);
    int k = (int) INT.get(c, off);
    int v = (int) INT.get(c, off + Integer.BYTES);
    return Arrays.copyOfRange(c, off + HEADER + k, off + HEADER + k + v);
  }

  /** Receives one held put. */
  interface Visitor {
    void visit(byte[] key, byte[] value);
  }

  /** Hands each held key and its value, as fresh copies, to {@code visitor}, in no set order. */
  void forEach(Visitor visitor) {
    forEachStartingWith(0, 255, visitor);
  }

  /** As {@link #forEach}, for the keys whose first byte (unsigned) is in {@code lo..hi}. */
  void forEachStartingWith(int lo, int hi, Visitor visitor) {
    for (long s : slots) {
      if (s != 0) {
        byte[] c = chunks[(int) ((s - 1) >>> 32)];
        int off = (int) (s - 1);
        int first = c[off + HEADER] & 0xff;
        if (first < lo || first > hi) {
          continue;
        }
        int k = (int) INT.get(c, off);
        int v = (int) INT.get(c, off + Integer.BYTES);
        visitor.visit(Arrays.copyOfRange(c, off + HEADER, off + HEADER + k),
            Arrays.copyOfRange(c, off + HEADER + k, off + HEADER + k + v));
      }
    }
  }

  /** The held puts in key order, read in place from the chunks; valid until the next put or clear. */
  SortedPuts sorted() {
    int n = size;
    long[] at = places;
    long[] pre = firsts;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    KeyOrder.sort(new KeyOrder.Keys() {
      @Override
      public int length(int i) {
        return keyLength(at[i]);
      }

      @Override
      public int byteAt(int i, int k) {
        return chunks[(int) (at[i] >>> 32)][(int) at[i] + HEADER + k] & 0xff;
      }

      @Override
      public long window(int i, long bitOffset) {
        if (bitOffset == 0) {
          return pre[i]; // without touching the record: the first pass reads no chunk
        }
        int b = (int) (bitOffset >>> 3);
        if (b + Long.BYTES + 1 > keyLength(at[i])) {
          return KeyOrder.Keys.super.window(i, bitOffset);
        }
        byte[] c = chunks[(int) (at[i] >>> 32)];
        int off = (int) at[i] + HEADER + b;
        int shift = (int) (bitOffset & 7);
        long v = (long) LONG_BE.get(c, off);
        return shift == 0 ? v : (v << shift) | ((c[off + Long.BYTES] & 0xff) >>> (8 - shift));
      }

      @Override
      public int compare(int i, int j) {
        int oi = (int) at[i] + HEADER;
        int oj = (int) at[j] + HEADER;
        return Arrays.compareUnsigned(chunks[(int) (at[i] >>> 32)], oi, oi + keyLength(at[i]),
            chunks[(int) (at[j] >>> 32)], oj, oj + keyLength(at[j]));
      }
    }, order, 0, n);
    long[] sorted = new long[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = at[order[i]];
    }
    return new SortedPuts() {
      @Override
      public int size() {
        return sorted.length;
      }

      @Override
      public byte[] keyArray(int i) {
        return chunks[(int) (sorted[i] >>> 32)];
      }

      @Override
      public int keyOffset(int i) {
        return (int) sorted[i] + HEADER;
      }

      @Override
      public int keyLength(int i) {
        return HeldPuts.this.keyLength(sorted[i]);
      }

      @Override
      public byte[] valueArray(int i) {
        return keyArray(i); // a record is its header, its key, then its value
      }

      @Override
      public int valueOffset(int i) {
        return keyOffset(i) + keyLength(i);
      }

      @Override
      public int valueLength(int i) {
        return (int) INT.get(chunks[(int) (sorted[i] >>> 32)], (int) sorted[i] + Integer.BYTES);
      }
    };
  }

  private int keyLength(long position) {
    return (int) INT.get(chunks[(int) (position >>> 32)], (int) position);
  }

  /** Forgets every put, keeping the table and up to 16 chunks for reuse. */
  void clear() {
    if (size > 0 || used > 0) {
      Arrays.fill(slots, 0L);
    }
    for (int i = KEPT_CHUNKS; i < chunks.length; i++) {
      chunks[i] = null;
    }
    // a chunk sized for one large record is not a full chunk: drop it rather than reuse it
    for (int i = 0; i < Math.min(KEPT_CHUNKS, chunks.length); i++) {
      if (chunks[i] != null && chunks[i].length != CHUNK) {
        chunks[i] = null;
      }
    }
    size = 0;
    used = 0;
    fill = 0;
  }

  private long find(byte[] key) {
    int h = hash(key);
    int mask = slots.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      long s = slots[i];
      if (s == 0 || (hashes[i] == h && keyEquals(s - 1, key))) {
        return s;
      }
    }
  }

  private boolean keyEquals(long position, byte[] key) {
    byte[] c = chunks[(int) (position >>> 32)];
    int off = (int) position;
    int k = (int) INT.get(c, off);
    return k == key.length && Arrays.equals(c, off + HEADER, off + HEADER + k, key, 0, k);
  }

  /** Copies a record of {@code key}, numbered {@code number}, and {@code value} to the end; returns its position. */
  private long append(byte[] key, byte[] value, int number) {
    long length = (long) HEADER + key.length + value.length;
    if (used == 0 || fill + length > chunks[used - 1].length) {
      if (used == chunks.length) {
        chunks = Arrays.copyOf(chunks, used * 2);
      }
      if (length > CHUNK) {
        if (length > Integer.MAX_VALUE - 16) {
          throw new IllegalArgumentException("a put of " + length + " bytes is too large to hold");
        }
        chunks[used] = new byte[(int) length]; // a chunk of its own
      } else if (chunks[used] == null || chunks[used].length != CHUNK) {
        chunks[used] = new byte[CHUNK];
      }
      used++;
      fill = 0;
    }
    byte[] c = chunks[used - 1];
    int off = fill;
    INT.set(c, off, key.length);
    INT.set(c, off + Integer.BYTES, value.length);
    INT.set(c, off + 2 * Integer.BYTES, number);
    System.arraycopy(key, 0, c, off + HEADER, key.length);
    System.arraycopy(value, 0, c, off + HEADER + key.length, value.length);
    fill += (int) length;
    return ((long) (used - 1) << 32) | off;
  }

  private void grow() {
    long[] oldSlots = slots;
    int[] oldHashes = hashes;
    slots = new long[oldSlots.length * 2];
    hashes = new int[oldSlots.length * 2];
    int mask = slots.length - 1;
    for (int j = 0; j < oldSlots.length; j++) {
      if (oldSlots[j] != 0) {
        int i = oldHashes[j] & mask;
        while (slots[i] != 0) {
          i = (i + 1) & mask;
        }
        slots[i] = oldSlots[j];
        hashes[i] = oldHashes[j];
      }
    }
  }

  /**
   * A 32-bit hash of the whole key, eight bytes at a time, mixed so that the low bits spread
   * (cheaper for 33- to 42-byte state keys than {@code StateKey}'s byte-at-a-time FNV-1a).
   */
  static int hash(byte[] key) {
    long h = 0x9e3779b97f4a7c15L ^ key.length;
    int i = 0;
    for (; i + Long.BYTES <= key.length; i += Long.BYTES) {
      h = Long.rotateLeft(h ^ (long) LONG.get(key, i) * 0xc2b2ae3d27d4eb4fL, 31) * 0x9e3779b97f4a7c15L;
    }
    long tail = 0;
    for (int j = key.length - 1; j >= i; j--) {
      tail = (tail << 8) | (key[j] & 0xff);
    }
    h = Long.rotateLeft(h ^ tail * 0xc2b2ae3d27d4eb4fL, 31) * 0x9e3779b97f4a7c15L;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h;
  }
}
