package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.node.TransportLimits;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client endpoint's per-key shares, and the bound on the keys it remembers, in virtual time. */
class ClientSharesTest {
  private static final long SECOND = 1_000_000_000L;
  private static final TransportLimits LIMITS = TransportLimits.defaults().withMaxFrameBytes(1 << 20).withInbound(1 << 20, 1 << 20, 100);
  private static final int CAP = ClientShares.FORGET_AT;

  @Test
  void aKeyHoldsAtMostItsConnectionsAndOneRateForThemAll() {
    ClientShares<String> s = new ClientShares<>(LIMITS, 2);
    ClientShares.Share first = s.claim("a", 0);
    assertSame(first, s.claim("a", 0));
    assertNull(s.claim("a", 0), "a third connection");
    s.release("a", first, 0);
    assertSame(first, s.claim("a", 0), "a freed slot");
  }

  @Test
  void aKeyStillRefillingIsRememberedAfterItsLastConnectionAndARefilledOneForgotten() {
    ClientShares<String> s = new ClientShares<>(LIMITS, 8);
    ClientShares.Share spent = s.claim("spent", 0);
    spent.rate.charge(1 << 19, 0);
    s.release("spent", spent, 0);
    assertSame(spent, s.claim("spent", 0), "reconnecting takes up the rate where it was");
    s.release("spent", spent, 0);
    ClientShares.Share idle = s.claim("idle", 0);
    s.release("idle", idle, 0);
    assertEquals(1, s.size(), "the key whose rate is full is forgotten at once");
  }

  @Test
  void keysWhoseRateHasRefilledAreForgottenOnceTheCapIsReached() {
    ClientShares<String> s = new ClientShares<>(LIMITS, 8);
    for (int i = 0; i < CAP; i++) {
      spendAndLeave(s, "k" + i, 0);
    }
    assertEquals(CAP, s.size(), "all still refill");
    assertNotNull(s.claim("late", 2 * SECOND));
    assertEquals(1, s.size(), "refilled, they are forgotten when the next key comes");
  }

  @Test
  void keysHoldingConnectionsOrRefillingAreKeptAndEachLookPaysForItself() {
    ClientShares<String> s = new ClientShares<>(LIMITS, 8);
    int held = 3 * CAP;
    List<ClientShares.Share> open = new ArrayList<>();
    for (int i = 0; i < held; i++) {
      open.add(s.claim("held" + i, 0));
    }
    assertEquals(held, s.size(), "keys with connections are never forgotten");
    int claims = held;
    long now = 0;
    int most = 0;
    for (int round = 0; round < 20; round++) {
      now += 2 * SECOND; // those of the round before have refilled
      for (int i = 0; i < 2 * held; i++) {
        spendAndLeave(s, "r" + round + "-" + i, now);
        claims++;
        most = Math.max(most, s.size());
      }
    }
    assertTrue(most <= 2 * (held + 2 * held) + 1, "at most twice the keys kept and this round's: " + most);
    assertTrue(s.visited() <= 4L * claims, "looks over all keys cost " + s.visited() + " for " + claims + " claims");
    int before = s.size();
    for (int i = 0; i < held; i++) {
      s.release("held" + i, open.get(i), now);
    }
    assertEquals(before - held, s.size(), "closed with a full rate, they go at once");
  }

  /** {@code key} connects, spends part of its rate, and closes. */
  private static void spendAndLeave(ClientShares<String> s, String key, long now) {
    ClientShares.Share share = s.claim(key, now);
    share.rate.charge(1 << 19, now);
    s.release(key, share, now);
  }
}
