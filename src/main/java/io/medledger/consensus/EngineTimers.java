package io.medledger.consensus;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The engine's named timers: setting one replaces the previous timer of that name, so a fired
 * timer that is not the latest of its name is stale and ignored (drivers never cancel). Also the
 * round-timeout backoff and the jittered retransmission period. Not thread-safe.
 */
final class EngineTimers {
  private final Map<String, TimerId> current = new HashMap<>();
  private long seq;

  /** A new timer {@code name} for (height, round), replacing the previous one of that name. */
  Action.SetTimer set(String name, long height, int round, Duration delay) {
    TimerId t = new TimerId(name, height, round, ++seq);
    current.put(name, t);
    return new Action.SetTimer(t, delay);
  }

  /** The latest timer of that name that has not fired, or null. */
  TimerId current(String name) {
    return current.get(name);
  }

  /** True when {@code t} is the latest of its name; it then no longer is (it fired). */
  boolean fire(TimerId t) {
    if (!t.equals(current.get(t.name()))) {
      return false;
    }
    current.remove(t.name());
    return true;
  }

  /** The timeout of {@code round}: base * 2^min(round - roundBase, cap), never below base. */
  static Duration roundTimeout(Duration base, int cap, int round, int roundBase) {
    int exp = Math.min(Math.max(0, round - roundBase), cap);
    return base.multipliedBy(1L << exp);
  }

  /** A period between 75% and 125% of {@code d}, so that nodes do not announce in lockstep. */
  static Duration jittered(Duration d, RandomGenerator random) {
    long ms = Math.max(1, d.toMillis());
    return Duration.ofMillis(ms * 3 / 4 + random.nextLong(ms / 2 + 1));
  }
}
