package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bounded map behind {@link LedgerState}'s read caches and {@link HeadsNodeCache}: never more
 * than two generations, and a get never returns a value older than the last one put for its key.
 */
class GenerationalMapTest {
  @Test
  void aGetReturnsTheLastValuePutThroughAnyNumberOfRotations() {
    GenerationalMap<Integer, String> m = new GenerationalMap<>(4);
    Map<Integer, String> model = new HashMap<>();
    Random rnd = new Random(7);
    for (int step = 0; step < 5_000; step++) {
      int k = rnd.nextInt(12);
      if (rnd.nextInt(3) == 0) {
        String v = "v" + step;
        m.put(k, v);
        model.put(k, v);
      } else {
        String got = m.get(k);
        if (got != null) {
          assertEquals(model.get(k), got, "step " + step + ": a stale value for " + k);
        }
      }
      assertTrue(m.size() <= 8, "at most two generations");
    }
  }

  @Test
  void anUpdatedKeyShadowsItsOlderValueInTheOldGeneration() {
    GenerationalMap<String, Integer> m = new GenerationalMap<>(2);
    m.put("a", 1);
    m.put("b", 1);
    m.put("c", 1); // rotates: {a, b} old, {c} young
    m.put("a", 2); // young {c, a}; the old generation still holds a = 1
    assertEquals(2, m.get("a"));
    assertEquals(1, m.get("b"), "a hit in the old generation");
    m.put("d", 1); // rotates: {c, a, b} old ... young {d}
    assertEquals(2, m.get("a"));
  }

  @Test
  void theOldGenerationIsDroppedAndAHitThereCopiesTheEntryBack() {
    GenerationalMap<Integer, Integer> m = new GenerationalMap<>(3);
    for (int i = 0; i < 3; i++) {
      m.put(i, i);
    }
    m.put(3, 3); // {0, 1, 2} old, {3} young
    assertEquals(0, m.get(0)); // copied back: young {3, 0} (old still {0, 1, 2})
    m.put(4, 4); // young {3, 0, 4}
    m.put(5, 5); // rotates: old {3, 0, 4}, young {5}; 1 and 2 dropped, and the old copy of 0
    assertNull(m.get(1));
    assertNull(m.get(2));
    assertEquals(0, m.get(0)); // copied again: young {5, 0}, old {3, 0, 4}
    assertEquals(5, m.size());
    m.clear();
    assertEquals(0, m.size());
    assertNull(m.get(5));
    assertThrows(IllegalArgumentException.class, () -> new GenerationalMap<>(0));
    assertThrows(NullPointerException.class, () -> m.put(1, null));
  }

  @Test
  void refreshReplacesHeldValuesInEitherGenerationAndAddsNone() {
    GenerationalMap<Integer, String> m = new GenerationalMap<>(4);
    m.put(1, "one");
    m.put(2, "two");
    m.put(4, "four");
    m.put(5, "five");
    m.put(3, "three"); // 1, 2, 4 and 5 are now the old generation
    m.refreshAll(java.util.Map.of(1, "ONE", 3, "THREE", 9, "nine"));
    assertEquals("ONE", m.get(1), "a value held in the old generation is replaced");
    assertEquals("THREE", m.get(3), "a value held in the young generation is replaced");
    assertNull(m.get(9), "a key not held is not added");
    assertEquals("two", m.get(2));
  }
}
