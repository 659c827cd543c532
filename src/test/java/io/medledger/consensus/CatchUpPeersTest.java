package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Whom a lagging node asks: peers ahead, in turn, one request at a time, failing peers backed off. */
class CatchUpPeersTest {
  @Test
  void asksOnlyPeersThatClaimTheHeightNeverItselfAndInTurn() {
    CatchUpPeers c = new CatchUpPeers(4, 1);
    assertEquals(-1, c.next(5, 0, 100), "nobody claims anything");
    c.claim(1, 100);
    assertEquals(-1, c.next(5, 0, 100), "its own claim is ignored");
    c.claim(2, 4);
    assertEquals(-1, c.next(5, 0, 100), "a peer one block short is not asked");
    c.claim(2, 5);
    c.claim(3, 9);
    c.claim(0, 9);
    c.claim(3, 2);
    assertEquals(2, c.next(5, 0, 100), "the next peer after itself");
    assertEquals(2, c.outstanding());
    assertEquals(3, c.next(6, 1, 100), "then the next in turn, at once after an answer");
    assertEquals(0, c.next(7, 2, 100), "claims never go down; the turn wraps around");
    assertEquals(3, c.next(8, 3, 100), "peer 2 claimed only 5 and is skipped");
    c.claim(-1, 100);
    c.claim(4, 100);
  }

  @Test
  void peerZeroCanBeOutstandingAndTheWaitCountsFromTheRequest() {
    CatchUpPeers c = new CatchUpPeers(3, 2);
    c.claim(0, 9);
    c.claim(1, 9);
    assertEquals(0, c.next(5, 1_000, 100));
    assertEquals(-1, c.next(5, 1_050, 100), "peer 0's request is outstanding for 100 ms from 1,000");
    assertEquals(1, c.next(5, 1_100, 100), "then it failed and the next peer is asked");
  }

  @Test
  void freshStateAsksNobodyAndNobodyIsBackedOff() {
    CatchUpPeers c = new CatchUpPeers(3, -1);
    assertEquals(-1, c.next(0, 0, 100), "no claim at all, even for height 0");
    c.claim(0, 7);
    assertEquals(0, c.next(3, -5, 100), "not backed off at any time, even before the epoch");
    assertEquals(0, c.failures(0));
  }

  @Test
  void aPeerThatDoesNotAdvanceTheNodeIsBackedOffExponentially() {
    CatchUpPeers c = new CatchUpPeers(2, 0);
    c.claim(1, 50);
    assertEquals(1, c.next(10, 0, 100));
    assertEquals(-1, c.next(10, 99, 100), "still outstanding just before the interval");
    assertEquals(-1, c.next(10, 100, 100), "a failure at the interval: backed off for 2 intervals");
    assertEquals(1, c.failures(1));
    assertEquals(-1, c.outstanding());
    assertEquals(-1, c.next(10, 299, 100));
    assertEquals(1, c.next(10, 300, 100));
    assertEquals(-1, c.next(10, 400, 100), "second failure: 4 intervals");
    assertEquals(2, c.failures(1));
    assertEquals(-1, c.next(10, 799, 100));
    assertEquals(1, c.next(10, 800, 100));
    for (int i = 0; i < 10; i++) {
      long now = 1_000_000L * (i + 1);
      c.next(10, now, 100);
      c.next(10, now + 100, 100);
    }
    assertEquals(CatchUpPeers.MAX_BACKOFF_EXPONENT, c.failures(1), "capped");
    assertEquals(1, c.next(10, 20_000_000, 100));
    assertEquals(1, c.next(11, 20_000_001, 100), "an answer clears the backoff and the next request leaves at once");
    assertEquals(0, c.failures(1));
  }
}
