package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pending-entry pool on its own: capacity, entry size, per-peer quota, duplicates, batching. */
class PendingPoolTest {
  private static final Ed25519PublicKey PEER = key(1);
  private static final Ed25519PublicKey OTHER = key(2);

  private static Ed25519PublicKey key(int i) {
    byte[] seed = new byte[32];
    seed[0] = (byte) i;
    return Ed25519PrivateKey.fromSeed(seed).publicKey();
  }

  private static byte[] entry(int i, int size) {
    byte[] b = new byte[size];
    b[0] = (byte) i;
    b[1] = (byte) (i >> 8);
    return b;
  }

  @Test
  void refusesBeyondCapacityOversizeAndDuplicates() {
    PendingPool p = new PendingPool(3, 10, 100);
    assertFalse(p.add(entry(0, 11), 0, true, null), "an entry larger than a block is refused");
    assertTrue(p.add(entry(0, 10), 5, true, null), "an entry of exactly the block size is accepted");
    assertFalse(p.add(entry(0, 10), 1, true, null), "a pending entry is refused again");
    assertTrue(p.add(entry(1, 4), 1, true, null));
    assertTrue(p.add(entry(2, 4), 2, true, null));
    assertFalse(p.add(entry(3, 4), 3, true, null), "the pool is full");
    assertEquals(3, p.size());
    assertFalse(p.isEmpty());
    assertEquals(18, p.bytes());
    assertEquals(5, p.oldestArrival());
  }

  @Test
  void gossipedEntriesOfOnePeerTakeAtMostTheirShare() {
    PendingPool p = new PendingPool(8, 100, 100);
    p.members(4);
    assertEquals(2, p.perPeerQuota());
    assertTrue(p.add(entry(0, 4), 0, false, PEER));
    assertTrue(p.add(entry(1, 4), 0, false, PEER));
    assertFalse(p.add(entry(2, 4), 0, false, PEER), "a third entry of one peer exceeds 8/4");
    assertTrue(p.add(entry(2, 4), 0, false, OTHER), "another peer has its own quota");
    assertEquals(2, p.from(PEER));
    for (int i = 3; i < 8; i++) {
      assertTrue(p.add(entry(i, 4), 0, true, null), "local submissions are not limited per peer");
    }
    p.remove(Sha256.hash(entry(0, 4)));
    assertEquals(1, p.from(PEER), "removing a gossiped entry returns its quota");
    assertTrue(p.add(entry(9, 4), 0, false, PEER));
    p.remove(Sha256.hash(entry(1, 4)));
    p.remove(Sha256.hash(entry(9, 4)));
    assertEquals(0, p.from(PEER));
    p.members(100);
    assertEquals(1, p.perPeerQuota(), "the quota is at least one entry");
    p.members(0);
    assertEquals(8, p.perPeerQuota());
  }

  /**
   * A peer's gossip holds at most {@code perShare} entries of one share, counted per peer: another
   * share, another peer and local submissions are not limited by it, and a removal frees the place.
   */
  @Test
  void gossipedEntriesOfOnePeerTakeAtMostPerShareOfOneShare() {
    io.medledger.crypto.Digest red = Sha256.hash(new byte[] {'r'});
    io.medledger.crypto.Digest blue = Sha256.hash(new byte[] {'b'});
    // the share is the entry's third byte: 1 red, 2 blue, anything else none
    PendingPool p = new PendingPool(100, 100, 100, 2, e -> e[2] == 1 ? java.util.Optional.of(red)
        : e[2] == 2 ? java.util.Optional.of(blue) : java.util.Optional.empty());
    assertTrue(p.add(shared(0, 1), 0, false, PEER));
    assertTrue(p.add(shared(1, 1), 0, false, PEER));
    assertFalse(p.add(shared(2, 1), 0, false, PEER), "a third red entry of one peer exceeds its share");
    assertEquals(2, p.from(PEER, red));
    assertTrue(p.add(shared(3, 2), 0, false, PEER), "another share has its own count");
    assertTrue(p.add(shared(4, 0), 0, false, PEER), "an entry of no share is not counted");
    assertTrue(p.add(shared(2, 1), 0, false, OTHER), "another peer's red entries have their own count");
    assertTrue(p.add(shared(5, 1), 0, true, null), "local submissions are not counted per share");
    assertTrue(p.add(shared(6, 1), 0, true, null));
    assertTrue(p.add(shared(7, 1), 0, true, null));
    assertEquals(1, p.from(OTHER, red));
    p.remove(Sha256.hash(shared(0, 1)));
    assertEquals(1, p.from(PEER, red), "removing a gossiped entry frees its place in the share");
    assertTrue(p.add(shared(8, 1), 0, false, PEER));
    p.committed(shared(1, 1));
    p.committed(shared(8, 1));
    assertEquals(0, p.from(PEER, red));
  }

  private static byte[] shared(int i, int share) {
    byte[] b = entry(i, 4);
    b[2] = (byte) share;
    return b;
  }

  @Test
  void committedEntriesLeaveAndAreRefusedWhileRecent() {
    PendingPool p = new PendingPool(10, 100, 2);
    p.add(entry(0, 5), 0, true, null);
    p.committed(entry(0, 5));
    assertTrue(p.isEmpty());
    assertEquals(0, p.bytes());
    assertFalse(p.add(entry(0, 5), 1, true, null), "a recently committed entry is refused");
    p.committed(entry(1, 5));
    p.committed(entry(2, 5));
    assertFalse(p.add(entry(1, 5), 1, true, null), "the last two committed entries are remembered");
    assertTrue(p.add(entry(0, 5), 1, true, null), "only the last two committed entries are remembered");
    p.remove(Sha256.hash(entry(7, 5)));
    assertEquals(1, p.size(), "removing an absent entry changes nothing");
  }

  @Test
  void batchesTheOldestEntriesWithinBothLimits() {
    PendingPool p = new PendingPool(10, 100, 10);
    for (int i = 0; i < 5; i++) {
      p.add(entry(i, 10), i, true, null);
    }
    assertEquals(3, p.batch(3, 1000).size());
    List<byte[]> b = p.batch(10, 30);
    assertEquals(3, b.size(), "exactly 30 bytes fit");
    assertEquals(0, b.get(0)[0]);
    assertEquals(2, p.batch(10, 29).size());
    assertEquals(5, p.batch(5, 50).size());
  }

  /**
   * A peer that keeps its share of the pool full of older entries (ones the proposal will refuse,
   * say) does not fill every block: sources take turns, so this node's and another peer's entries
   * still make up most of a batch, which keeps arrival order.
   */
  @Test
  void sourcesTakeTurnsInABatchThatKeepsArrivalOrder() {
    PendingPool p = new PendingPool(1_000, 100, 10);
    p.members(2);
    for (int i = 0; i < 500; i++) {
      assertTrue(p.add(entry(i, 10), i, false, PEER));
    }
    for (int i = 0; i < 30; i++) {
      assertTrue(p.add(entry(1_000 + i, 10), 500 + 2 * i, true, null));
      assertTrue(p.add(entry(2_000 + i, 10), 501 + 2 * i, false, OTHER));
    }
    List<byte[]> b = p.batch(90, 100_000);
    assertEquals(90, b.size());
    int peer = 0;
    int local = 0;
    int other = 0;
    int last = -1;
    for (byte[] e : b) {
      int id = (e[0] & 0xff) | (e[1] & 0xff) << 8;
      int order = id < 1_000 ? id : id < 2_000 ? 500 + 2 * (id - 1_000) : 501 + 2 * (id - 2_000);
      assertTrue(order > last, "arrival order");
      last = order;
      if (id < 1_000) {
        peer++;
      } else if (id < 2_000) {
        local++;
      } else {
        other++;
      }
    }
    assertEquals(30, local, "every local entry");
    assertEquals(30, other, "every entry of the other peer");
    assertEquals(30, peer, "the flooding peer took its turns only");
    assertEquals(4, p.batch(90, 45).size(), "the byte limit still holds");
  }

  @Test
  void reGossipsOnlyOldLocalEntries() {
    PendingPool p = new PendingPool(10, 100, 10);
    p.add(entry(0, 4), 0, true, null);
    p.add(entry(1, 4), 5, false, PEER);
    p.add(entry(2, 4), 10, true, null);
    p.add(entry(3, 4), 20, true, null);
    assertEquals(0, p.regossipDue(9, 10, 80, 10).size(), "none has waited the first interval");
    assertEquals(1, p.regossipDue(10, 10, 80, 1).size(), "at most max");
    assertEquals(1, p.regossipDue(20, 10, 80, 10).size(), "arrived at or before now - first, local only");
  }

  @Test
  void reGossipSendsAtMostMaxOfTheDueEntriesOldestFirst() {
    PendingPool p = new PendingPool(10, 100, 10);
    for (int i = 0; i < 3; i++) {
      p.add(entry(i, 4), i, true, null);
    }
    List<byte[]> first = p.regossipDue(100, 10, 80, 2);
    assertEquals(2, first.size(), "all three are due, two are sent");
    assertEquals(0, first.get(0)[0]);
    assertEquals(1, first.get(1)[0]);
    List<byte[]> next = p.regossipDue(100, 10, 80, 2);
    assertEquals(1, next.size(), "the two sent wait again; the third is still due");
    assertEquals(2, next.get(0)[0]);
  }

  @Test
  void reGossipBacksOffToTheCap() {
    PendingPool p = new PendingPool(10, 100, 10);
    p.add(entry(0, 4), 0, true, null);
    List<Long> sent = new java.util.ArrayList<>();
    for (long now = 0; now <= 400; now += 10) {
      if (!p.regossipDue(now, 10, 80, 10).isEmpty()) {
        sent.add(now);
      }
    }
    // due at 10, then after waits of 20, 40, 80 and then 80 (the cap)
    assertEquals(List.of(10L, 30L, 70L, 150L, 230L, 310L, 390L), sent);
    p.committed(entry(0, 4));
    assertEquals(0, p.regossipDue(1_000, 10, 80, 10).size(), "a committed entry is not re-sent");
  }
}
