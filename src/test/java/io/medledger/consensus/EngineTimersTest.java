package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Named timers, stale timers, the round-timeout backoff and the retransmission jitter. */
class EngineTimersTest {
  @Test
  void onlyTheLatestTimerOfANameFiresAndOnlyOnce() {
    EngineTimers t = new EngineTimers();
    Action.SetTimer first = t.set("round", 3, 0, Duration.ofMillis(10));
    Action.SetTimer second = t.set("round", 3, 1, Duration.ofMillis(20));
    Action.SetTimer tick = t.set("tick", 0, 0, Duration.ofMillis(5));
    assertEquals(Duration.ofMillis(20), second.delay());
    assertEquals(second.timer(), t.current("round"));
    assertFalse(t.fire(first.timer()), "a replaced timer is stale");
    assertTrue(t.fire(second.timer()));
    assertFalse(t.fire(second.timer()), "a timer fires once");
    assertNull(t.current("round"));
    assertTrue(t.fire(tick.timer()), "names are independent");
    assertEquals(3, second.timer().height());
    assertEquals(1, second.timer().round());
    assertTrue(second.timer().sequence() > first.timer().sequence());
  }

  @Test
  void roundTimeoutDoublesFromTheBaseRoundUpToTheCap() {
    Duration base = Duration.ofMillis(200);
    assertEquals(base, EngineTimers.roundTimeout(base, 4, 0, 0));
    assertEquals(Duration.ofMillis(400), EngineTimers.roundTimeout(base, 4, 1, 0));
    assertEquals(Duration.ofMillis(1600), EngineTimers.roundTimeout(base, 4, 3, 0));
    assertEquals(Duration.ofMillis(3200), EngineTimers.roundTimeout(base, 4, 4, 0));
    assertEquals(Duration.ofMillis(3200), EngineTimers.roundTimeout(base, 4, 9, 0), "capped");
    assertEquals(base, EngineTimers.roundTimeout(base, 4, 7, 7), "counts from the round it (re)started at");
    assertEquals(Duration.ofMillis(400), EngineTimers.roundTimeout(base, 4, 8, 7));
    assertEquals(base, EngineTimers.roundTimeout(base, 4, 2, 5), "never below the base");
  }

  @Test
  void jitterStaysWithinAQuarterOfThePeriodAndReachesBothEnds() {
    SplittableRandom r = new SplittableRandom(7);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 2000; i++) {
      long ms = EngineTimers.jittered(Duration.ofMillis(400), r).toMillis();
      min = Math.min(min, ms);
      max = Math.max(max, ms);
    }
    assertEquals(300, min);
    assertEquals(500, max);
    assertEquals(0, EngineTimers.jittered(Duration.ZERO, r).toMillis(), "a zero period is treated as 1 ms");
    assertEquals(0, EngineTimers.jittered(Duration.ofMillis(-4), r).toMillis(), "so is a negative one");
  }
}
