package io.medledger.internal;

import io.medledger.crypto.Digest;

/**
 * Puts read in place from the arrays that hold them, in strictly increasing unsigned key order
 * (so one put per key): how a deferred run of blocks hands its state changes to a store without
 * a copy of each key and value. Put {@code i}'s key is {@code keyLength(i)} bytes of
 * {@code keyArray(i)} from {@code keyOffset(i)}, and its value likewise. Not thread-safe; valid
 * until its source changes.
 */
public interface SortedPuts {
  /** The number of puts. */
  int size();

  /** The array holding put {@code i}'s key. */
  byte[] keyArray(int i);

  /** Where put {@code i}'s key starts in its array. */
  int keyOffset(int i);

  /** The length of put {@code i}'s key. */
  int keyLength(int i);

  /** The array holding put {@code i}'s value. */
  byte[] valueArray(int i);

  /** Where put {@code i}'s value starts in its array. */
  int valueOffset(int i);

  /** The length of put {@code i}'s value. */
  int valueLength(int i);

  /** A state store that can commit {@link SortedPuts} as one batch. */
  interface Store {
    /**
     * Commits {@code puts} as the changes of blocks {@code firstHeight} to {@code height}, as
     * {@link io.medledger.storage.StateStore#commit} commits a batch.
     *
     * @throws IllegalArgumentException if {@code firstHeight} does not follow the store's height,
     *     or the keys are not in strictly increasing order, or a key is empty or starts with 0x00
     *     (nothing is then written)
     * @throws io.medledger.storage.StoreException if the write fails
     */
    void commitSorted(long firstHeight, long height, Digest tip, SortedPuts puts);
  }
}
