package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Counts per key under a cap, from many threads at once. */
class KeyedCountsTest {
  @Test
  void eachKeyHoldsAtMostItsCapAndReleasesFreePlaces() {
    KeyedCounts<String> c = new KeyedCounts<>();
    assertTrue(c.tryAdd("a", 2));
    assertTrue(c.tryAdd("a", 2));
    assertFalse(c.tryAdd("a", 2), "a third is over the cap");
    assertTrue(c.tryAdd("b", 2), "another key has its own");
    c.remove("a");
    assertEquals(1, c.get("a"));
    assertTrue(c.tryAdd("a", 2), "a freed place is taken again");
    c.remove("b");
    c.remove("b");
    assertEquals(0, c.get("b"), "removing from a key that holds none changes nothing");
  }

  @Test
  void amountsCountAgainstTheirCapToo() {
    KeyedCounts<String> c = new KeyedCounts<>();
    assertTrue(c.tryAdd("a", 600, 1000));
    assertFalse(c.tryAdd("a", 401, 1000), "past the cap");
    assertTrue(c.tryAdd("a", 400, 1000), "up to it");
    c.add("a", 500); // counted before a restart, whatever the cap
    assertEquals(1500, c.get("a"));
    c.remove("a", 2000);
    assertEquals(0, c.get("a"), "never below none");
  }

  @Test
  void concurrentAddsNeverPassTheCap() throws Exception {
    KeyedCounts<String> c = new KeyedCounts<>();
    AtomicInteger added = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          if (c.tryAdd("k", 100)) {
            added.incrementAndGet();
          }
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertEquals(100, added.get());
    assertEquals(100, c.get("k"));
  }
}
