package io.medledger.internal;

import java.util.Arrays;

/**
 * A state-store key compared by content in unsigned byte order, for hash maps and sorted sets of
 * keys. Its hash code is computed once, and its first eight bytes are kept as one number, so that
 * most comparisons (state keys differ early: a one-byte prefix, then digests) cost one long compare.
 * The array is not copied: callers must not change it afterwards. Immutable once built; thread-safe.
 */
public final class StateKey implements Comparable<StateKey> {
  private final byte[] bytes;
  private final long head;
  private final int hash;

  /** The key {@code bytes}, which the caller no longer changes. */
  public StateKey(byte[] bytes) {
    this.bytes = bytes;
    long h = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      h = (h << 8) | (i < bytes.length ? bytes[i] & 0xff : 0);
    }
    this.head = h;
    this.hash = Arrays.hashCode(bytes);
  }

  /** The key's bytes (not a copy). */
  public byte[] bytes() {
    return bytes;
  }

  @Override
  public int compareTo(StateKey o) {
    int c = Long.compareUnsigned(head, o.head);
    if (c != 0) {
      return c;
    }
    if (bytes.length < Long.BYTES || o.bytes.length < Long.BYTES) {
      return Arrays.compareUnsigned(bytes, o.bytes);
    }
    return Arrays.compareUnsigned(bytes, Long.BYTES, bytes.length, o.bytes, Long.BYTES, o.bytes.length);
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
