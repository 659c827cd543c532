package io.medledger.internal;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How much of something each key (a client) holds at once, each under a cap given when counting:
 * sessions, requests in progress, pending submissions (one at a time), bytes of unreferenced
 * uploads (by amount). A key that holds none is forgotten.
 *
 * <p>Thread-safe.
 *
 * @param <K> the key counted for
 */
public final class KeyedCounts<K> {
  private final ConcurrentHashMap<K, Long> counts = new ConcurrentHashMap<>();

  /** Counts one more for {@code key} if it holds fewer than {@code max}; whether it did. */
  public boolean tryAdd(K key, int max) {
    return tryAdd(key, 1, max);
  }

  /** Counts {@code amount} more for {@code key} if it then holds at most {@code max}; whether it did. */
  public boolean tryAdd(K key, long amount, long max) {
    Objects.requireNonNull(key, "key");
    boolean[] added = new boolean[1];
    counts.compute(key, (k, n) -> {
      long c = n == null ? 0 : n;
      if (c + amount > max) {
        return n;
      }
      added[0] = true;
      return c + amount;
    });
    return added[0];
  }

  /** Counts {@code amount} more for {@code key}, whatever it holds (what was counted before a restart). */
  public void add(K key, long amount) {
    counts.merge(Objects.requireNonNull(key, "key"), amount, Long::sum);
  }

  /** Counts one less for {@code key}; nothing if it holds none. */
  public void remove(K key) {
    remove(key, 1);
  }

  /** Counts {@code amount} less for {@code key}, down to none. */
  public void remove(K key, long amount) {
    counts.computeIfPresent(key, (k, n) -> n <= amount ? null : n - amount);
  }

  /** What {@code key} holds. */
  public long get(K key) {
    return counts.getOrDefault(key, 0L);
  }
}
