package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Turns and time shares of the client endpoint's request thread, in virtual time. */
class FairTurnsTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1000 * MS;

  @Test
  void aFloodDelaysAnotherKeysTaskByAtMostOneOfItsOwn() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    List<String> ran = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      t.add("flood", () -> ran.add("flood"), 0);
    }
    t.add("honest", () -> ran.add("honest"), 0);
    assertEquals(101, t.waiting());
    for (int i = 0; i < 3; i++) {
      t.poll(0).task().run();
    }
    assertEquals(List.of("flood", "honest", "flood"), ran);
    assertEquals(98, t.waiting());
  }

  @Test
  void removedTasksOfAKeyNoLongerWaitAndTheOthersKeepTheirOrder() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    List<String> ran = new ArrayList<>();
    List<Runnable> gone = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String name = "a" + i;
      Runnable r = () -> ran.add(name);
      t.add("a", r, 0);
      if (i % 2 == 0) {
        gone.add(r);
      }
    }
    Runnable other = () -> ran.add("b");
    t.add("b", other, 0);
    java.util.Set<Runnable> cancel = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    cancel.addAll(gone);
    cancel.add(other); // another key's task is not touched
    assertEquals(2, t.remove("a", cancel));
    assertEquals(0, t.remove("nobody", cancel));
    assertEquals(3, t.waiting());
    for (FairTurns.Turn<String> turn; (turn = t.poll(0)) != null; ) {
      turn.task().run();
    }
    assertEquals(List.of("a1", "b", "a3"), ran);
    assertEquals(0, t.waiting());
  }

  @Test
  void aKeyUsesAtMostItsShareOfTheThread() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    for (int i = 0; i < 1000; i++) {
      t.add("flood", () -> {}, 0);
    }
    long now = 0;
    long used = 0;
    long task = 30 * MS;
    while (now < 10 * SECOND) {
      FairTurns.Turn<String> turn = t.poll(now);
      if (turn == null) {
        long wait = t.nanosUntilReady(now);
        assertTrue(wait > 0, "a key in debt waits");
        now += wait;
        continue;
      }
      now += task;
      used += task;
      t.charge(turn.key(), task, now);
    }
    // a full bucket, ten seconds of share, and the one task that went into debt
    assertTrue(used <= SECOND + 5 * SECOND + task, "used " + used / MS + " ms of 10 s");
    assertTrue(used >= 5 * SECOND, "but it does get its share: " + used / MS + " ms");
  }

  @Test
  void aKeyInDebtDoesNotHoldBackAnother() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    t.add("flood", () -> {}, 0);
    t.add("flood", () -> {}, 0);
    FairTurns.Turn<String> first = t.poll(0);
    t.charge(first.key(), 3 * SECOND, 0);
    assertNull(t.poll(0), "the flood's second task waits for its bucket");
    long wait = t.nanosUntilReady(0);
    assertTrue(wait > 4 * SECOND - MS && wait < 4 * SECOND + MS, "two seconds of debt at half a second a second: " + wait);
    t.add("other", () -> {}, 0);
    assertEquals("other", t.poll(0).key());
    assertEquals(1, t.waiting());
    assertTrue(t.nanosUntilReady(MS) > 0, "only the flood's task waits, in debt");
    assertEquals("flood", t.poll(4 * SECOND + MS).key());
    assertEquals(-1, t.nanosUntilReady(5 * SECOND), "nothing waits");
  }

  @Test
  void sharesAreBounded() {
    assertThrows(IllegalArgumentException.class, () -> new FairTurns<String>(0, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new FairTurns<String>(2 * SECOND, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new FairTurns<String>(SECOND, 0));
  }

  @Test
  void theWorkOfARequestDoesNotGrowWithTheKeysInDebtOrRefilling() {
    double few = lanesVisitedPerRequest(10);
    double many = lanesVisitedPerRequest(10_000);
    assertTrue(many <= few, "10,000 other keys cost " + many + " lanes a request, 10 cost " + few);
    assertTrue(few <= 4, "a request looks at its own key a few times: " + few);
  }

  /**
   * One key's requests (add, poll, charge, and the worker's look at when to wake) while {@code others}
   * keys wait: half in debt with a task waiting, half with nothing waiting and a bucket refilling.
   */
  private static double lanesVisitedPerRequest(int others) {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    for (int i = 0; i < others; i++) {
      for (int j = 0; j <= i % 2; j++) {
        t.add("k" + i, () -> {}, 0);
      }
    }
    for (int i = 0; i < others; i++) {
      FairTurns.Turn<String> turn = t.poll(0);
      assertEquals("k" + i, turn.key());
      t.charge(turn.key(), 10 * SECOND, 0);
    }
    assertEquals(others / 2, t.waiting());
    int requests = 1000;
    long before = t.visited();
    long now = 0;
    for (int i = 0; i < requests; i++) {
      t.add("honest", () -> {}, now);
      assertEquals("honest", t.poll(now).key());
      now += MS;
      t.charge("honest", MS / 10, now);
      assertTrue(t.nanosUntilReady(now) > 0, "the others are still in debt");
    }
    assertEquals(others + 1, t.keys(), "none of them has refilled in a second");
    return (t.visited() - before) / (double) requests;
  }

  @Test
  void keysWhoseBucketsComeBackAreLookedAtOnceEachNotOnEveryCall() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    int keys = 2000;
    for (int i = 0; i < keys; i++) {
      for (int j = 0; j < 10; j++) {
        t.add("k" + i, () -> {}, 0);
      }
    }
    long now = 0;
    long calls = 0;
    long taken = 0;
    long before = t.visited();
    while (t.waiting() > 0) {
      FairTurns.Turn<String> turn = t.poll(now);
      calls++;
      if (turn == null) {
        long wait = t.nanosUntilReady(now);
        calls++;
        assertTrue(wait > 0);
        now += wait;
        continue;
      }
      taken++;
      now += MS;
      // every seventh task is charged three seconds, so hundreds of keys are in debt at once
      t.charge(turn.key(), taken % 7 == 0 ? 3 * SECOND : MS, now);
      calls++;
    }
    assertEquals(10L * keys, taken);
    double perCall = (t.visited() - before) / (double) calls;
    assertTrue(perCall <= 3, "lanes looked at per call: " + perCall);
  }

  @Test
  void keysWithNothingWaitingAreForgottenOnceTheirBucketIsFull() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    for (int i = 0; i < 1000; i++) {
      t.add("k" + i, () -> {}, 0);
      t.poll(0);
      t.charge("k" + i, MS, 0);
    }
    assertNull(t.poll(MS));
    assertEquals(1000, t.keys(), "their buckets still refill");
    assertNull(t.poll(2 * MS));
    assertEquals(0, t.keys(), "full, with nothing waiting");
  }

  @Test
  void aKeyKeepsItsPlaceInTheTurnWhileItsBucketRefillsAndComesBackLastOnceForgotten() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    t.add("a", () -> {}, 0);
    for (int i = 0; i < 4; i++) {
      t.add("b", () -> {}, 0);
      t.add("c", () -> {}, 0);
    }
    assertEquals("a", t.poll(0).key());
    t.charge("a", MS, 0); // refilling, nothing waiting
    assertEquals("b", t.poll(0).key());
    t.add("a", () -> {}, 0);
    assertEquals(List.of("c", "a", "b", "c"), keysTaken(t, 0, 4), "a's turn came before b's second");
    t.charge("a", MS, 0); // 2 ms short of full, at half a millisecond a millisecond
    assertEquals("b", t.poll(4 * MS).key()); // a is full by now, and forgotten
    t.add("a", () -> {}, 4 * MS);
    assertEquals(List.of("c", "b", "a", "c"), keysTaken(t, 4 * MS, 10), "back, behind b, not in its old place");
  }

  @Test
  void removalsInAnyOrderLeaveTheRestInTheirTurnAndQueueOrder() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    List<String> ran = new ArrayList<>();
    java.util.Map<String, Runnable> task = new java.util.HashMap<>();
    for (String name : List.of("a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3", "a4")) {
      Runnable r = () -> ran.add(name);
      task.put(name, r);
      t.add(name.substring(0, 1), r, 0);
    }
    Runnable twice = () -> ran.add("b-twice");
    t.add("b", twice, 0);
    t.add("b", twice, 0);
    assertEquals(3, t.remove("a", identitySet(task.get("a4"), task.get("a0"), task.get("a2"))), "the head, the tail, one between");
    assertEquals(3, t.remove("b", identitySet(twice, task.get("b1"))), "both copies of a task queued twice");
    assertEquals(0, t.remove("a", identitySet(task.get("a0"))), "removed already");
    // a set larger than the backlog is matched against the backlog instead
    assertEquals(1, t.remove("b", identitySet(task.get("b3"), task.get("a1"), task.get("a3"), task.get("a0"), task.get("b1"))));
    Runnable late = () -> ran.add("a5");
    t.add("a", late, 0);
    List<String> keys = new ArrayList<>();
    for (FairTurns.Turn<String> turn; (turn = t.poll(0)) != null; ) {
      keys.add(turn.key());
      turn.task().run();
    }
    assertEquals(List.of("a", "b", "a", "b", "a"), keys);
    assertEquals(List.of("a1", "b0", "a3", "b2", "a5"), ran);
    assertEquals(0, t.waiting());
    t.add("b", twice, 0);
    assertEquals(1, t.remove("b", identitySet(twice)), "a lane emptied by its removals takes tasks again");
    assertNull(t.poll(0));
  }

  @Test
  void removingAFewTasksDoesNotLookAtTheKeysWholeBacklog() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    List<Runnable> backlog = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      int n = i;
      Runnable r = () -> assertTrue(n >= 0); // a distinct task each
      backlog.add(r);
      t.add("a", r, 0);
    }
    long[] looks = new long[1];
    java.util.Set<Runnable> cancel = new java.util.AbstractSet<>() {
      private final java.util.Set<Runnable> inner = identitySet(backlog.get(5), backlog.get(99_000));

      @Override
      public java.util.Iterator<Runnable> iterator() {
        java.util.Iterator<Runnable> it = inner.iterator();
        return new java.util.Iterator<>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Runnable next() {
            looks[0]++;
            return it.next();
          }
        };
      }

      @Override
      public boolean contains(Object o) {
        looks[0]++;
        return inner.contains(o);
      }

      @Override
      public int size() {
        return inner.size();
      }
    };
    assertEquals(2, t.remove("a", cancel));
    assertTrue(looks[0] <= 2, "looked " + looks[0] + " times into the set of 2");
    assertEquals(99_998, t.waiting());
    assertTrue(t.poll(0).task() == backlog.get(0));
  }

  /**
   * A client whose first request waits (its share spent) closes and reopens connections, each
   * time queueing requests that the closing removes: the removed ones stayed in its queue (with
   * their bytes) until its turn reached them, so its queue grew with every round while the tasks
   * waiting stayed few. Now the removed slots are cleared once they outnumber the live ones.
   */
  @Test
  void tasksQueuedAndRemovedBehindAWaitingOneDoNotGrowTheQueue() {
    FairTurns<String> t = new FairTurns<>(SECOND / 2, SECOND);
    t.add("a", () -> assertTrue(true), 0);
    for (int round = 0; round < 1000; round++) {
      List<Runnable> connection = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int n = i;
        Runnable r = () -> assertTrue(n >= 0);
        connection.add(r);
        t.add("a", r, 0);
      }
      assertEquals(100, t.remove("a", identitySet(connection.toArray(new Runnable[0]))));
      assertEquals(1, t.waiting());
      assertTrue(t.held("a") <= 2 + 100 + FairTurns.COMPACT_SLACK, "round " + round + ": " + t.held("a") + " slots held");
    }
    assertTrue(t.poll(0) != null);
    assertNull(t.poll(0));
    assertEquals(0, t.held("a"));
  }

  private static java.util.Set<Runnable> identitySet(Runnable... tasks) {
    java.util.Set<Runnable> s = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    s.addAll(List.of(tasks));
    return s;
  }

  private static List<String> keysTaken(FairTurns<String> t, long now, int most) {
    List<String> keys = new ArrayList<>();
    for (FairTurns.Turn<String> turn; keys.size() < most && (turn = t.poll(now)) != null; ) {
      keys.add(turn.key());
    }
    return keys;
  }
}
