package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PeerBudgetTest {
  @Test
  void aPeerIsServedWhileItsBalanceIsPositiveAndPaysItsDebtAtTheRate() {
    PeerBudget<String> b = new PeerBudget<>(1_000, 2_000); // 1,000 a second, 2,000 at once
    assertTrue(b.allows("a", 0));
    b.charge("a", 1_500);
    assertTrue(b.allows("a", 0), "500 left");
    b.charge("a", 1_500); // into debt: -1,000
    assertFalse(b.allows("a", 0));
    assertFalse(b.allows("a", 999), "-1 after 999 ms");
    assertEquals(-1, b.balance("a", 999));
    assertFalse(b.allows("a", 1_000), "zero is not positive");
    assertTrue(b.allows("a", 1_001));
    assertEquals(2_000, b.balance("a", 60_000), "refills only up to the burst");
  }

  @Test
  void peersHaveTheirOwnBudgets() {
    PeerBudget<String> b = new PeerBudget<>(10, 10);
    assertTrue(b.allows("flooder", 0));
    b.charge("flooder", 1_000_000);
    assertFalse(b.allows("flooder", 5_000));
    assertTrue(b.allows("honest", 5_000));
    assertEquals(10, b.balance("never-seen", 0));
  }

  @Test
  void manySmallStepsRefillAsOneLongOneAndAClockGoingBackGivesNothing() {
    PeerBudget<String> b = new PeerBudget<>(1_000, 1_000_000);
    b.allows("a", 0);
    b.charge("a", 1_000_000);
    for (long t = 0; t <= 1_000; t += 1) { // 1 ms steps: one token each
      b.allows("a", t);
    }
    assertEquals(1_000, b.balance("a", 1_000));
    PeerBudget<String> slow = new PeerBudget<>(1, 100); // a token a second: sub-second steps must add up
    slow.allows("a", 0);
    slow.charge("a", 100);
    for (long t = 0; t <= 3_000; t += 100) {
      slow.allows("a", t);
    }
    assertEquals(3, slow.balance("a", 3_000));
    assertEquals(3, slow.balance("a", 1_000), "the clock went back: no refill");
  }

  @Test
  void forgetsRestedPeersWhenTrackingMany() {
    PeerBudget<Integer> b = new PeerBudget<>(100, 100);
    b.allows(-1, 0);
    b.charge(-1, 10_000);
    for (int i = 0; i < 2 * PeerBudget.MAX_TRACKED; i++) {
      b.allows(i, 1_000);
    }
    assertFalse(b.allows(-1, 1_000), "a peer in debt is never forgotten, so it cannot reset itself");
  }

  @Test
  void manyPeersInDebtDoNotGrowTheTableAndShareOneBucketBeyondIt() {
    PeerBudget<Integer> b = new PeerBudget<>(10, 10);
    int served = 0;
    for (int i = 0; i < 10 * PeerBudget.MAX_TRACKED; i++) {
      if (b.allows(i, 0)) {
        served++;
        b.charge(i, 1_000); // each peer is served once and left deep in debt
      }
    }
    assertEquals(PeerBudget.MAX_TRACKED, b.tracked(), "the table stops at its limit");
    assertEquals(PeerBudget.MAX_TRACKED + 1, served, "one answer each for the tracked peers, one for all the others");
    assertFalse(b.allows(-1, 0), "a newcomer shares the others' bucket, which is in debt");
    assertFalse(b.allows(0, 0), "the tracked peers stay in debt");
  }

  @Test
  void peersThatLeftAreForgottenOnceRefilledAndTheirPlacesTaken() {
    PeerBudget<String> b = new PeerBudget<>(100, 100, 4);
    for (String old : new String[] {"a", "b", "c", "d"}) {
      assertTrue(b.allows(old, 0));
      b.charge(old, 50);
    }
    assertEquals(4, b.tracked());
    // the four leave; after their buckets refilled, four new members take their places one by one
    for (String fresh : new String[] {"e", "f", "g", "h"}) {
      assertTrue(b.allows(fresh, 1_000));
      b.charge(fresh, 500);
    }
    assertEquals(4, b.tracked());
    assertEquals(-400, b.balance("e", 1_000), "each newcomer has a bucket of its own, not the shared one");
    assertEquals(-400, b.balance("h", 1_000));
    assertEquals(100, b.balance("a", 1_000), "a forgotten peer comes back full, as it had refilled");
  }

  @Test
  void aNewPeerCostsConstantWorkHoweverManyAreInDebt() {
    // 200,000 peers, each left in debt: a table scan per newcomer would take minutes
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      PeerBudget<Integer> b = new PeerBudget<>(1, 1);
      for (int i = 0; i < 200_000; i++) {
        b.allows(i, i);
        b.charge(i, 1_000_000);
      }
      assertEquals(PeerBudget.MAX_TRACKED, b.tracked());
    });
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new PeerBudget<String>(1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new PeerBudget<String>(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new PeerBudget<String>(1, 0));
    assertThrows(IllegalArgumentException.class, () -> new PeerBudget<String>(1, 1).charge("a", -1));
  }

  @Test
  void takeServesAndChargesOneWhileTheBalanceIsPositive() {
    PeerBudget<String> b = new PeerBudget<>(2, 2);
    assertTrue(b.take("a", 0));
    assertTrue(b.take("a", 0));
    assertFalse(b.take("a", 0), "two a second, two at once");
    assertEquals(0, b.balance("a", 0), "a refusal charges nothing");
    assertTrue(b.take("a", 500), "half a second refills one");
  }
}
