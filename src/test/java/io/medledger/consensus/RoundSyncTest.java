package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The highest timeout round per voter and the round reached by k of them (join at f+1, advance at q). */
class RoundSyncTest {
  @Test
  void keepsEachVotersHighestRound() {
    RoundSync s = new RoundSync();
    assertTrue(s.isEmpty());
    s.record(0, 5);
    s.record(0, 3);
    assertFalse(s.isEmpty());
    assertEquals(1, s.voters());
    assertEquals(5, s.reachedBy(1));
    s.record(0, 6);
    assertEquals(6, s.reachedBy(1));
  }

  @Test
  void theRoundReachedByKVotersIsTheKthHighest() {
    RoundSync s = new RoundSync();
    s.record(0, 2);
    s.record(1, 9);
    s.record(2, 4);
    assertEquals(-1, s.reachedBy(4), "fewer voters than asked");
    assertEquals(-1, s.reachedBy(0));
    assertEquals(9, s.reachedBy(1));
    assertEquals(4, s.reachedBy(2));
    assertEquals(2, s.reachedBy(3));
    s.record(3, 4);
    assertEquals(4, s.reachedBy(3));
    assertEquals(2, s.reachedBy(4));
    s.clear();
    assertTrue(s.isEmpty());
    assertEquals(-1, s.reachedBy(1));
  }
}
