package io.medledger.internal;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many of something each key (a client) holds at once, each under a cap given when counting:
 * sessions, requests in progress, pending submissions. A key that holds none is forgotten.
 *
 * <p>Thread-safe.
 *
 * @param <K> the key counted for
 */
public final class KeyedCounts<K> {
  private final ConcurrentHashMap<K, Integer> counts = new ConcurrentHashMap<>();

  /** Counts one more for {@code key} if it holds fewer than {@code max}; whether it did. */
  public boolean tryAdd(K key, int max) {
    Objects.requireNonNull(key, "key");
    boolean[] added = new boolean[1];
    counts.compute(key, (k, n) -> {
      int c = n == null ? 0 : n;
      if (c >= max) {
        return n;
      }
      added[0] = true;
      return c + 1;
    });
    return added[0];
  }

  /** Counts one less for {@code key}; nothing if it holds none. */
  public void remove(K key) {
    counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** What {@code key} holds. */
  public int get(K key) {
    return counts.getOrDefault(key, 0);
  }
}
