package io.medledger.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A state-store key compared by content in unsigned byte order, for hash maps and sorted sets of
 * keys. Its hash code is computed once and spreads short keys too, and its first eight bytes are
 * kept as one number, so that most comparisons (state keys differ early: a one-byte prefix, then
 * digests) cost one long compare. The array is not copied: callers must not change it afterwards.
 * Immutable once built; thread-safe.
 */
public final class StateKey implements Comparable<StateKey> {
  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private final byte[] bytes;
  private final long head;
  private final int hash;

  /** The key {@code bytes}, which the caller no longer changes. */
  public StateKey(byte[] bytes) {
    this.bytes = bytes;
    this.head = head(bytes);
    this.hash = hash(bytes);
  }

  /**
   * FNV-1a over the bytes in 64 bits, folded to 32. {@code Arrays.hashCode}'s base-31 polynomial
   * maps short keys that differ only in their last bytes (the heads tree's positions: a prefix
   * byte, a depth, then up to three bytes of path) into a few hundred thousand values, so hash
   * maps of such keys overflowed into tree bins.
   */
  static int hash(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return (int) (h ^ (h >>> 32));
  }

  /** The first eight bytes of {@code key} as one unsigned number (big-endian), zero-padded when shorter. */
  public static long head(byte[] key) {
    if (key.length >= Long.BYTES) {
      return (long) LONG_BE.get(key, 0);
    }
    long h = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      h = (h << 8) | (i < key.length ? key[i] & 0xff : 0);
    }
    return h;
  }

  /**
   * Unsigned byte order of keys {@code a} and {@code b} given their {@link #head}s: one long
   * comparison decides unless the heads tie.
   */
  private static int compare(byte[] a, long headA, byte[] b, long headB) {
    int c = Long.compareUnsigned(headA, headB);
    if (c != 0) {
      return c;
    }
    if (a.length < Long.BYTES || b.length < Long.BYTES) {
      return Arrays.compareUnsigned(a, b);
    }
    return Arrays.compareUnsigned(a, Long.BYTES, a.length, b, Long.BYTES, b.length);
  }

  /** The key's bytes (not a copy). */
  public byte[] bytes() {
    return bytes;
  }

  @Override
  public int compareTo(StateKey o) {
    return compare(bytes, head, o.bytes, o.head);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateKey k && hash == k.hash && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
