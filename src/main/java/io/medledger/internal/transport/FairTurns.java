package io.medledger.internal.transport;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Work waiting per key (a client), taken one task of one key at a time, the keys in turn, each
 * key within a share of the worker's time: a token bucket of nanoseconds per key, refilling at
 * {@code sharePerSecond} up to {@code burst}, from which each task's measured run time is taken
 * afterwards (it may go into debt). A key in debt waits until its bucket is positive again, so one
 * key's flood delays another key's task by at most one of its own, and uses at most its share of
 * the worker. Time is passed in (nanoseconds).
 *
 * <p>A key keeps its place in the turn while its bucket refills, also with nothing waiting; a key
 * with nothing waiting and a full bucket is forgotten, and comes back at the back of the turn.
 * Each call costs O(log n) in the n keys remembered, plus, amortised, the keys whose bucket
 * came positive or full since the last call ({@link #remove} also the fewer of the tasks it is
 * given and the tasks its key has waiting, and, amortised over the removals, clearing the removed
 * slots once they outnumber the live ones): no call looks at every key, nor at a key's backlog to
 * remove a few tasks. A removed task is not held; its slot goes when its turn would come or when
 * its lane is cleared, so a key holds at most about twice as many slots as it has tasks waiting.
 *
 * <p>Not thread-safe: its owner guards it.
 *
 * @param <K> the key work is accounted to
 */
final class FairTurns<K> {
  private static final long SECOND = 1_000_000_000L;
  /** A wait that stands for "never" in practice (about 73 years), far from overflow. */
  private static final long FAR = Long.MAX_VALUE / 4;

  /**
   * Removed slots a lane may hold beyond as many as its live ones: past that it drops them, so a
   * client that queues and removes tasks behind one that waits cannot grow its queue without bound.
   */
  static final int COMPACT_SLACK = 64;

  /** Which of the three orders a lane is in. */
  private enum Place { NONE, READY, DEBT, IDLE }

  /**
   * One queued task; a removed one stays in its queue, marked and without its task, until its turn
   * would come or its lane is compacted.
   */
  private static final class Slot {
    /** The task; null once removed, so what it holds (a request's bytes) is not kept. */
    Runnable task;
    boolean dropped;
    /** The next slot of the same task (compared by identity) in its lane, if it was queued again. */
    Slot nextSame;
    /** In the first slot of a task: the last one of that task. */
    Slot lastSame;

    Slot(Runnable task) {
      this.task = task;
      this.lastSame = this;
    }
  }

  private static final class Lane<K> {
    final K key;
    /** Queued slots, oldest first; removed ones among them are skipped when reached. */
    final ArrayDeque<Slot> slots = new ArrayDeque<>();
    /** The oldest live slot of each task queued, so a removal finds a task without a scan. */
    final Map<Runnable, Slot> firstOf = new IdentityHashMap<>();
    /** Slots queued and not removed. */
    int live;
    long balance;
    long at;
    /** Its place in the turn: the lowest ready one goes first. */
    long turn;
    /** In debt: when its bucket is positive again; idle: when it is full. */
    long due;
    Place place = Place.NONE;

    Lane(K key, long balance, long at, long turn) {
      this.key = key;
      this.balance = balance;
      this.at = at;
      this.turn = turn;
    }
  }

  /** A task taken, with the key it is charged to. */
  record Turn<K>(K key, Runnable task) {}

  private final long sharePerSecond;
  private final long burst;
  private final Map<K, Lane<K>> lanes = new HashMap<>();
  /** Lanes with tasks and a positive bucket, in turn. */
  private final TreeSet<Lane<K>> ready = new TreeSet<>(Comparator.comparingLong(l -> l.turn));
  /** Lanes with tasks and a bucket in debt, by when they may run. */
  private final TreeSet<Lane<K>> debts = new TreeSet<>(FairTurns.<K>byDue());
  /** Lanes with nothing waiting and a bucket refilling, by when it is full. */
  private final TreeSet<Lane<K>> idle = new TreeSet<>(FairTurns.<K>byDue());
  private long nextTurn;
  private int waiting;
  private long visited;

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

  private static <K> Comparator<Lane<K>> byDue() {
    return Comparator.<Lane<K>>comparingLong(l -> l.due).thenComparingLong(l -> l.turn);
  }

  /** Queues {@code task} behind the earlier tasks of {@code key}. */
  void add(K key, Runnable task, long nowNanos) {
    Objects.requireNonNull(task, "task");
    Lane<K> l = lane(Objects.requireNonNull(key, "key"), nowNanos);
    boolean wasEmpty = l.live == 0;
    if (wasEmpty) {
      unplace(l);
    }
    Slot s = new Slot(task);
    Slot first = l.firstOf.putIfAbsent(task, s);
    if (first != null) {
      first.lastSame.nextSame = s;
      first.lastSame = s;
    }
    l.slots.add(s);
    l.live++;
    if (wasEmpty) {
      place(l);
    }
    waiting++;
  }

  /**
   * Drops the waiting tasks of {@code key} that are among {@code tasks} (compared by identity); how
   * many. Looks at the fewer of {@code tasks} and the key's waiting tasks; the others keep their order.
   */
  int remove(K key, Set<? extends Runnable> tasks) {
    Lane<K> l = lanes.get(key);
    if (l == null || tasks.isEmpty() || l.live == 0) {
      return 0;
    }
    visited++;
    int removed = 0;
    if (tasks.size() <= l.live) {
      for (Runnable t : tasks) {
        for (Slot s = l.firstOf.remove(t); s != null; s = s.nextSame) {
          s.dropped = true;
          s.task = null;
          removed++;
        }
      }
    } else {
      for (Slot s : l.slots) {
        if (!s.dropped && tasks.contains(s.task)) {
          s.dropped = true;
          l.firstOf.remove(s.task);
          s.task = null;
          removed++;
        }
      }
    }
    l.live -= removed;
    waiting -= removed;
    if (l.live == 0) {
      l.slots.clear();
      unplace(l);
      place(l);
    } else if (l.slots.size() - l.live > l.live + COMPACT_SLACK) {
      l.slots.removeIf(s -> s.dropped); // paid for by the removals since the last compaction
    }
    return removed;
  }

  /** Takes the oldest live task of {@code l}, which has one. */
  private static Runnable take(Lane<?> l) {
    Slot s = l.slots.poll();
    while (s.dropped) {
      s = l.slots.poll();
    }
    if (s.nextSame == null) {
      l.firstOf.remove(s.task);
    } else {
      s.nextSame.lastSame = s.lastSame;
      l.firstOf.put(s.task, s.nextSame);
    }
    if (--l.live == 0) {
      l.slots.clear(); // removed slots behind the last live one
    }
    return s.task;
  }

  /** Tasks waiting, over all keys. */
  int waiting() {
    return waiting;
  }

  /**
   * Takes the oldest task of the first key in turn whose bucket is positive at {@code nowNanos};
   * that key then goes to the back of the turn. Null when no key may run now.
   */
  Turn<K> poll(long nowNanos) {
    advance(nowNanos);
    Lane<K> l = ready.pollFirst();
    if (l == null) {
      return null;
    }
    visited++;
    l.place = Place.NONE;
    Runnable t = take(l);
    waiting--;
    l.turn = nextTurn++;
    place(l);
    return new Turn<>(l.key, t);
  }

  /** Nanoseconds from {@code nowNanos} until some waiting task may run: 0 if one may now, -1 if none waits. */
  long nanosUntilReady(long nowNanos) {
    advance(nowNanos);
    if (!ready.isEmpty()) {
      return 0;
    }
    return debts.isEmpty() ? -1 : Math.max(1, plus(debts.first().due, -nowNanos));
  }

  /** Takes {@code nanos} of work from {@code key}'s bucket. */
  void charge(K key, long nanos, long nowNanos) {
    Lane<K> l = lane(Objects.requireNonNull(key, "key"), nowNanos);
    unplace(l);
    refill(l, nowNanos);
    long n = Math.max(0, nanos);
    l.balance = n > FAR || l.balance - n < -FAR ? -FAR : l.balance - n; // balance stays within +-FAR of 0
    place(l);
  }

  /** Keys looked at so far, over all calls (a lane refilled, moved, taken or forgotten): what the calls cost. */
  long visited() {
    return visited;
  }

  /** Slots {@code key}'s lane holds, live or removed (for tests). */
  int held(K key) {
    Lane<K> l = lanes.get(key);
    return l == null ? 0 : l.slots.size();
  }

  /** Keys remembered: with tasks waiting, or with a bucket refilling. */
  int keys() {
    return lanes.size();
  }

  /** The lane of {@code key}, new (full, at the back of the turn) if none is remembered. */
  private Lane<K> lane(K key, long nowNanos) {
    visited++;
    Lane<K> l = lanes.get(key);
    if (l == null) {
      l = new Lane<>(key, burst, nowNanos, nextTurn++);
      lanes.put(key, l);
    }
    return l;
  }

  /** Moves the lanes whose bucket has come positive to the ready ones, and forgets those full with nothing waiting. */
  private void advance(long nowNanos) {
    while (!debts.isEmpty() && debts.first().due <= nowNanos) {
      Lane<K> l = debts.pollFirst();
      visited++;
      l.place = Place.NONE;
      refill(l, nowNanos);
      place(l);
    }
    while (!idle.isEmpty() && idle.first().due <= nowNanos) {
      Lane<K> l = idle.pollFirst();
      visited++;
      l.place = Place.NONE;
      lanes.remove(l.key);
    }
  }

  /** Takes {@code l} out of its order, before what orders it changes. */
  private void unplace(Lane<K> l) {
    switch (l.place) {
      case READY -> ready.remove(l);
      case DEBT -> debts.remove(l);
      case IDLE -> idle.remove(l);
      case NONE -> { }
    }
    l.place = Place.NONE;
  }

  /** Puts {@code l}, out of every order, into the one its tasks and bucket call for. */
  private void place(Lane<K> l) {
    if (l.live == 0) {
      l.due = l.balance >= burst ? l.at : plus(l.at, nanosToGain(plus(burst, -l.balance)));
      l.place = Place.IDLE;
      idle.add(l);
    } else if (l.balance > 0) {
      l.place = Place.READY;
      ready.add(l);
    } else {
      l.due = plus(l.at, nanosToGain(1 - l.balance));
      l.place = Place.DEBT;
      debts.add(l);
    }
  }

  /** The least time over which {@link #refill} gains at least {@code need} (positive) nanoseconds. */
  private long nanosToGain(long need) {
    long whole = need / sharePerSecond;
    if (whole >= FAR / SECOND) {
      return FAR;
    }
    long part = need % sharePerSecond; // below a second, so part * SECOND stays below 10^18
    return whole * SECOND + (part * SECOND + sharePerSecond - 1) / sharePerSecond;
  }

  /** {@code a + b}, saturating at the bounds of a long. */
  private static long plus(long a, long b) {
    long s = a + b;
    return ((a ^ s) & (b ^ s)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : s;
  }

  private void refill(Lane<K> l, long nowNanos) {
    long dt = nowNanos - l.at;
    if (dt <= 0) {
      return;
    }
    l.at = nowNanos;
    long gained = dt >= SECOND ? plus(sharePerSecond * (dt / SECOND), sharePerSecond * (dt % SECOND) / SECOND)
        : sharePerSecond * dt / SECOND;
    l.balance = l.balance >= burst - gained ? burst : l.balance + gained;
  }
}
