package io.medledger.internal.transport;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Work waiting per key (a client), taken one task of one key at a time, the keys in turn, each
 * key within a share of the worker's time: a token bucket of nanoseconds per key, refilling at
 * {@code sharePerSecond} up to {@code burst}, from which each task's measured run time is taken
 * afterwards (it may go into debt). A key in debt waits until its bucket is positive again, so one
 * key's flood delays another key's task by at most one of its own, and uses at most its share of
 * the worker. Time is passed in (nanoseconds).
 *
 * <p>Not thread-safe: its owner guards it.
 *
 * @param <K> the key work is accounted to
 */
final class FairTurns<K> {
  private static final long SECOND = 1_000_000_000L;

  private static final class Lane {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    long balance;
    long at;

    Lane(long balance, long at) {
      this.balance = balance;
      this.at = at;
    }
  }

  /** A task taken, with the key it is charged to. */
  record Turn<K>(K key, Runnable task) {}

  private final long sharePerSecond;
  private final long burst;
  private final LinkedHashMap<K, Lane> lanes = new LinkedHashMap<>();
  private int waiting;

  /**
   * Shares of {@code sharePerSecond} nanoseconds of work per second per key, up to {@code burst}.
   *
   * @throws IllegalArgumentException if either is not positive, or the share exceeds a second
   */
  FairTurns(long sharePerSecond, long burst) {
    if (sharePerSecond < 1 || sharePerSecond > SECOND || burst < 1) {
      throw new IllegalArgumentException("share must be 1 ns..1 s a second and burst positive");
    }
    this.sharePerSecond = sharePerSecond;
    this.burst = burst;
  }

  /** Queues {@code task} behind the earlier tasks of {@code key}. */
  void add(K key, Runnable task, long nowNanos) {
    Objects.requireNonNull(task, "task");
    lanes.computeIfAbsent(Objects.requireNonNull(key, "key"), k -> new Lane(burst, nowNanos)).tasks.add(task);
    waiting++;
  }

  /** Drops the waiting tasks of {@code key} that are among {@code tasks} (compared by identity); how many. */
  int remove(K key, Set<? extends Runnable> tasks) {
    Lane l = lanes.get(key);
    if (l == null || tasks.isEmpty()) {
      return 0;
    }
    int before = l.tasks.size();
    l.tasks.removeIf(tasks::contains);
    int removed = before - l.tasks.size();
    waiting -= removed;
    return removed;
  }

  /** Tasks waiting, over all keys. */
  int waiting() {
    return waiting;
  }

  /**
   * Takes the oldest task of the first key in turn whose bucket is positive at {@code nowNanos};
   * that key then goes to the back of the turn. Null when no key may run now. Keys with nothing
   * waiting and a full bucket are forgotten on the way.
   */
  Turn<K> poll(long nowNanos) {
    Iterator<Map.Entry<K, Lane>> it = lanes.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<K, Lane> e = it.next();
      Lane l = e.getValue();
      refill(l, nowNanos);
      if (l.tasks.isEmpty()) {
        if (l.balance >= burst) {
          it.remove();
        }
        continue;
      }
      if (l.balance > 0) {
        Runnable t = l.tasks.poll();
        waiting--;
        it.remove();
        lanes.put(e.getKey(), l);
        return new Turn<>(e.getKey(), t);
      }
    }
    return null;
  }

  /** Nanoseconds from {@code nowNanos} until some waiting task may run: 0 if one may now, -1 if none waits. */
  long nanosUntilReady(long nowNanos) {
    long best = -1;
    for (Lane l : lanes.values()) {
      if (l.tasks.isEmpty()) {
        continue;
      }
      refill(l, nowNanos);
      long wait = l.balance > 0 ? 0 : Math.max(1, (long) Math.ceil((1.0 - l.balance) * SECOND / sharePerSecond));
      best = best < 0 ? wait : Math.min(best, wait);
    }
    return best;
  }

  /** Takes {@code nanos} of work from {@code key}'s bucket. */
  void charge(K key, long nanos, long nowNanos) {
    Lane l = lanes.computeIfAbsent(key, k -> new Lane(burst, nowNanos));
    refill(l, nowNanos);
    l.balance -= Math.max(0, nanos);
  }

  private void refill(Lane l, long nowNanos) {
    long dt = nowNanos - l.at;
    if (dt <= 0) {
      return;
    }
    l.at = nowNanos;
    long gained = dt >= SECOND ? sharePerSecond * (dt / SECOND) + sharePerSecond * (dt % SECOND) / SECOND
        : sharePerSecond * dt / SECOND;
    l.balance = Math.min(burst, l.balance + gained);
  }
}
