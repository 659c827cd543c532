package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The heads tree with a node cache gives the roots, values and proofs of the tree without one,
 * whatever is built on a tree and then abandoned (a rejected proposal, a deferred catch-up run
 * dropped on failure) and whatever the cache has evicted; and every node it holds is the node its
 * hash names.
 */
class HeadsNodeCacheTest {
  private static final List<Digest> UNIVERSE = new ArrayList<>();

  static {
    for (int i = 0; i < 600; i++) {
      byte[] k = ChainFixture.digest("patient" + i).toByteArray();
      if (i % 2 == 0) { // half of them in five buckets, so that updates go through stored pages below them
        k[0] = 0x42;
        k[1] = (byte) (i % 5);
      }
      UNIVERSE.add(Digest.of(k));
    }
  }

  /** One committed tree over its own store, cached or not. */
  private static final class Committed {
    final InMemoryStateStore store = new InMemoryStateStore();
    HeadsTree tree;
    long height = -1;

    Committed(HeadsNodeCache cache) {
      tree = HeadsTree.open(store, 0, cache);
    }

    /** Writes {@code t}, built on {@link #tree} (possibly over several blocks), as the committed tree. */
    void commit(HeadsTree t) {
      StateStore.Batch b = new StateStore.Batch(++height, ChainFixture.digest("tip" + height));
      t.writeTo(b);
      store.commit(b);
      tree = t.rebase(HeadsTree.Base.of(store));
    }
  }

  private static TreeMap<Digest, Digest> randomBlock(Random r, String tag) {
    TreeMap<Digest, Digest> block = new TreeMap<>();
    int n = 1 + r.nextInt(40);
    for (int i = 0; i < n; i++) {
      block.put(UNIVERSE.get(r.nextInt(UNIVERSE.size())), ChainFixture.digest(tag + "-" + i));
    }
    return block;
  }

  private static HeadsTree put(HeadsTree t, TreeMap<Digest, Digest> block) {
    return t.putAll(new ArrayList<>(block.keySet()), new ArrayList<>(block.values()));
  }

  private static void assertSameTree(HeadsTree want, HeadsTree got, Random r) {
    assertEquals(want.root(), got.root());
    assertEquals(want.size(), got.size());
    for (int i = 0; i < 20; i++) {
      Digest k = UNIVERSE.get(r.nextInt(UNIVERSE.size()));
      assertEquals(want.get(k), got.get(k));
      assertEquals(want.prove(k), got.prove(k));
    }
  }

  private static void assertExact(HeadsNodeCache cache) {
    cache.forEach((h, n) -> assertEquals(h, Sha256.hashPrefixed(n[0], Digest.of(n, 1), Digest.of(n, 33)),
        "a cached node is not the node its hash names"));
  }

  private static void runModel(int generation, long seed) {
    Random r = new Random(seed);
    HeadsNodeCache cache = new HeadsNodeCache(generation);
    Committed plain = new Committed(null);
    Committed cached = new Committed(cache);
    for (int step = 0; step < 120; step++) {
      // Abandoned work on the committed tree: competing proposals, or a deferred run of several
      // blocks that fails before it is made durable. Its nodes stay in the cache.
      int abandoned = r.nextInt(3);
      for (int a = 0; a < abandoned; a++) {
        HeadsTree branch = cached.tree;
        int blocks = 1 + r.nextInt(4);
        for (int b = 0; b < blocks; b++) {
          branch = put(branch, randomBlock(r, "abandoned" + step + "/" + a + "/" + b));
        }
      }
      // Then one run of one or more blocks that is committed, on both trees.
      int blocks = 1 + r.nextInt(3);
      HeadsTree p = plain.tree;
      HeadsTree c = cached.tree;
      for (int b = 0; b < blocks; b++) {
        TreeMap<Digest, Digest> block = randomBlock(r, "kept" + step + "/" + b);
        p = put(p, block);
        c = put(c, block);
        assertSameTree(p, c, r);
      }
      plain.commit(p);
      cached.commit(c);
      assertSameTree(plain.tree, cached.tree, r);
      assertTrue(cache.size() <= 2 * generation, "cache above its bound: " + cache.size());
    }
    assertExact(cache);
    // Reopened over the same store with a fresh cache, the tree is the same.
    HeadsTree reopened = HeadsTree.open(cached.store, cached.tree.size(), new HeadsNodeCache(generation));
    assertSameTree(plain.tree, reopened, r);
  }

  @Test
  void cachedTreeEqualsUncachedTreeAcrossAbandonedWork() {
    runModel(HeadsNodeCache.DEFAULT_GENERATION, 1);
    runModel(HeadsNodeCache.DEFAULT_GENERATION, 2);
  }

  @Test
  void cachedTreeEqualsUncachedTreeWhileEvicting() {
    runModel(16, 3);
    runModel(1, 4);
  }

  @Test
  void committedNodesAreReadFromTheCacheNotTheStore() {
    HeadsNodeCache cache = new HeadsNodeCache();
    Committed cached = new Committed(cache);
    Random r = new Random(7);
    for (int i = 0; i < 10; i++) {
      cached.commit(put(cached.tree, randomBlock(r, "b" + i)));
    }
    TreeMap<Digest, Digest> block = randomBlock(r, "next");
    int[] reads = new int[2];
    java.util.Set<String> pagesRead = new java.util.HashSet<>();
    HeadsTree next = put(cached.tree.rebase(k -> {
      reads[0]++;
      pagesRead.add(java.util.HexFormat.of().formatHex(k));
      return cached.store.get(k);
    }), block);
    HeadsTree uncached = put(HeadsTree.open(cached.store, cached.tree.size(), null).rebase(k -> {
      reads[1]++;
      return cached.store.get(k);
    }), block);
    assertEquals(uncached.root(), next.root());
    // what a cached update reads is the stored pages it rewrites, each once: among them the top
    // page of each bucket it changes that holds more than one key; the nodes on its paths come
    // from the cache
    java.util.Set<String> want = new java.util.HashSet<>();
    for (Digest k : block.keySet()) {
      byte[] page = cached.store.get(HeadsTree.pos(HeadsTop.DEPTH, k));
      if (page != null && HeadsTree.node(HeadsTree.checkPage(page), 0)[0] == HeadsTree.NODE) {
        want.add(java.util.HexFormat.of().formatHex(HeadsTree.pos(HeadsTop.DEPTH, k)));
      }
    }
    assertTrue(pagesRead.containsAll(want), pagesRead + " misses some of " + want);
    for (String k : pagesRead) {
      int depth = Integer.parseInt(k.substring(2, 4), 16);
      assertTrue(k.startsWith("74") && depth >= HeadsTop.DEPTH && depth % HeadsTree.PAGE_LEVELS == 0, k);
      assertTrue(cached.store.get(java.util.HexFormat.of().parseHex(k)) != null, "a page the store does not hold: " + k);
    }
    assertEquals(pagesRead.size(), reads[0], "each page once");
    assertTrue(reads[1] >= reads[0], "without the cache the same update reads no less: " + reads[1]);
  }

  @Test
  void lookupsAndProofsOfCommittedLeavesReadTheCacheNotTheStore() {
    HeadsNodeCache cache = new HeadsNodeCache();
    Committed cached = new Committed(cache);
    Random r = new Random(11);
    java.util.List<Digest> keys = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      TreeMap<Digest, Digest> block = randomBlock(r, "c" + i);
      keys.addAll(block.keySet());
      cached.commit(put(cached.tree, block));
    }
    int[] reads = new int[1];
    HeadsTree counted = cached.tree.rebase(k -> {
      reads[0]++;
      return cached.store.get(k);
    });
    HeadsTree uncached = HeadsTree.open(cached.store, cached.tree.size(), null);
    for (Digest k : keys) {
      assertEquals(uncached.get(k), counted.get(k));
      assertEquals(uncached.prove(k), counted.prove(k));
    }
    assertEquals(0, reads[0], "every node of a committed path was written through the cache");
  }

  @Test
  void aLedgerThatAbandonedProposalsBuildsTheSameChain() {
    ChainFixture withAbandoned = ChainFixture.create();
    ChainFixture plain = ChainFixture.create();
    int n = 0;
    for (int round = 0; round < 6; round++) {
      // a proposal validated (its heads tree built) and then dropped, as a losing round's block
      List<Entry> dropped = new ArrayList<>();
      for (int i = 0; i < 15; i++) {
        dropped.add(withAbandoned.registerPatient(withAbandoned.actor("dropped-" + round + "-" + i)));
      }
      withAbandoned.propose(dropped);
      List<Entry> kept = new ArrayList<>();
      for (int i = 0; i < 15; i++) {
        kept.add(plain.registerPatient(plain.actor("kept-" + n++)));
      }
      withAbandoned.commit(kept);
      plain.commit(kept);
      assertEquals(plain.ledger.tip().orElseThrow().hash(), withAbandoned.ledger.tip().orElseThrow().hash(),
          "round " + round);
    }
  }

  @Test
  void generationsAreBounded() {
    HeadsNodeCache cache = new HeadsNodeCache(4);
    byte[] n = new byte[65];
    for (int i = 0; i < 100; i++) {
      cache.put(ChainFixture.digest("h" + i), n);
      assertTrue(cache.size() <= 8);
    }
    assertNull(cache.get(ChainFixture.digest("h0")));
    // a node of the old generation is still found, and moves back to the young one
    Digest kept = ChainFixture.digest("h96");
    for (int i = 0; i < 3; i++) {
      cache.put(ChainFixture.digest("late" + i), n);
    }
    assertSame(n, cache.get(kept));
    cache.put(ChainFixture.digest("late3"), n);
    assertSame(n, cache.get(kept));
    cache.put(ChainFixture.digest("late4"), n);
    assertNull(cache.get(ChainFixture.digest("h97")));
  }

  @Test
  void sizeAndForEachCountBothGenerations() {
    HeadsNodeCache cache = new HeadsNodeCache(4);
    byte[] n = new byte[65];
    for (int i = 0; i < 6; i++) {
      cache.put(ChainFixture.digest("n" + i), n);
    }
    // four in the old generation, two in the young one
    assertEquals(6, cache.size());
    java.util.Set<Digest> seen = new java.util.HashSet<>();
    cache.forEach((h, node) -> seen.add(h));
    java.util.Set<Digest> want = new java.util.HashSet<>();
    for (int i = 0; i < 6; i++) {
      want.add(ChainFixture.digest("n" + i));
    }
    assertEquals(want, seen);
  }

  @Test
  void aGenerationOfNoNodesIsRefused() {
    assertEquals("a cache generation holds at least one node",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new HeadsNodeCache(0))
            .getMessage());
    assertEquals(0, new HeadsNodeCache(1).size());
  }
}
