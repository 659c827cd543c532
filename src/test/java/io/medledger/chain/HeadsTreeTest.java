package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Digest;
import io.medledger.internal.StateKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The heads tree read back from its stored nodes: lookups through inner nodes, the deepest keys it
 * can hold, the order its batch puts require, and stored nodes that are missing or damaged.
 */
class HeadsTreeTest {
  /** Bytes of a page's bitmap. */
  private static final int BITMAP = (HeadsTree.PAGE_SLOTS + 8) / 8;

  /** A key of zero bytes with {@code bit} (0 = most significant of byte 0) set. */
  private static Digest key(int... bits) {
    byte[] b = new byte[Digest.LENGTH];
    for (int bit : bits) {
      b[bit >>> 3] |= (byte) (0x80 >>> (bit & 7));
    }
    return Digest.of(b);
  }

  private static Digest value(String s) {
    return ChainFixture.digest(s);
  }

  /** The nodes {@code t} writes, as a store would hold them after the commit. */
  private static Map<String, byte[]> stored(HeadsTree t) {
    io.medledger.storage.StateStore.Batch b = new io.medledger.storage.StateStore.Batch(0, value("tip"));
    t.writeTo(b);
    Map<String, byte[]> m = new HashMap<>();
    for (int i = 0; i < b.size(); i++) {
      m.put(java.util.HexFormat.of().formatHex(b.key(i)), b.value(i));
    }
    return m;
  }

  private static HeadsTree reopen(Map<String, byte[]> nodes, long size) {
    return HeadsTree.open(store(nodes), size, null);
  }

  /** A store holding {@code nodes} (by hex key). */
  private static io.medledger.storage.StateStore store(Map<String, byte[]> nodes) {
    io.medledger.storage.InMemoryStateStore s = new io.medledger.storage.InMemoryStateStore();
    io.medledger.storage.StateStore.Batch b = new io.medledger.storage.StateStore.Batch(0, value("tip"));
    nodes.forEach((k, v) -> b.put(java.util.HexFormat.of().parseHex(k), v));
    s.commit(b);
    return s;
  }

  @Test
  void positionKeysAreEqualByContentAndHashOnce() {
    byte[] a = HeadsTree.pos(16, key(3, 9));
    StateKey p = new StateKey(a);
    StateKey q = new StateKey(HeadsTree.pos(16, key(3, 9, 17)));
    assertEquals(p, q, "bits below the depth are not part of the position");
    assertEquals(p.hashCode(), q.hashCode());
    assertNotEquals(p, new StateKey(HeadsTree.pos(17, key(3, 9))), "another depth");
    assertNotEquals(new StateKey(HeadsTree.pos(200, key(3, 199))), new StateKey(HeadsTree.pos(200, key(3))),
        "siblings deep down");
    // keys with equal hash codes but other content: StateKeyTest
    Map<StateKey, String> m = new HashMap<>();
    m.put(p, "p");
    assertEquals("p", m.get(q));
  }

  @Test
  void nodesWrittenOverManyBatchesAreFoundByPositionWithoutAStoreOrCache() {
    java.util.Random rnd = new java.util.Random(12);
    java.util.TreeMap<Digest, Digest> all = new java.util.TreeMap<>();
    HeadsTree t = HeadsTree.EMPTY_TREE;
    for (int batch = 0; batch < 20; batch++) {
      java.util.TreeMap<Digest, Digest> kv = new java.util.TreeMap<>();
      for (int i = 0; i < 30; i++) {
        byte[] k = new byte[Digest.LENGTH];
        rnd.nextBytes(k);
        if (i % 2 == 0) { // half the keys in three buckets, so that their pages go several levels down
          k[0] = 0x33;
          k[1] = (byte) rnd.nextInt(3);
        }
        Digest key = batch > 0 && i < 5 ? all.keySet().stream().skip(rnd.nextInt(all.size())).findFirst().orElseThrow()
            : Digest.of(k);
        kv.put(key, value("v" + batch + "-" + i));
      }
      t = t.putAll(List.copyOf(kv.keySet()), List.copyOf(kv.values()));
      all.putAll(kv);
    }
    for (Map.Entry<Digest, Digest> e : all.entrySet()) {
      assertEquals(e.getValue(), t.get(e.getKey()));
    }
    HeadsTree once = HeadsTree.EMPTY_TREE.putAll(List.copyOf(all.keySet()), List.copyOf(all.values()));
    assertEquals(once.root(), t.root());
    assertEquals(all.size(), t.size());
    assertEquals(once.root(), reopen(stored(t), all.size()).root());
  }

  @Test
  void anEmptyStoreOpensAsTheEmptyTree() {
    HeadsTree t = HeadsTree.open(new io.medledger.storage.InMemoryStateStore(), 0, null);
    assertEquals(HeadsTree.EMPTY, t.root());
    assertNull(t.get(key(3)));
  }

  @Test
  void everyKeyIsFoundThroughTheInnerNodesOfAReopenedTree() {
    List<Digest> keys = List.of(key(), key(1), key(0), key(0, 1));
    List<Digest> values = List.of(value("a"), value("b"), value("c"), value("d"));
    HeadsTree t = HeadsTree.EMPTY_TREE.putAll(keys, values);
    HeadsTree r = reopen(stored(t), 4);
    assertEquals(t.root(), r.root());
    assertEquals(4, r.size());
    for (int i = 0; i < keys.size(); i++) {
      assertEquals(values.get(i), t.get(keys.get(i)));
      assertEquals(values.get(i), r.get(keys.get(i)));
    }
    assertNull(r.get(key(2)));
    assertNull(r.get(key(0, 2)));
  }

  @Test
  void keysSharingTheirFirst254BitsAreHeldAndKeysSharing255AreRefused() {
    HeadsTree t = HeadsTree.EMPTY_TREE.putAll(List.of(key(), key(254)), List.of(value("a"), value("b")));
    HeadsTree r = reopen(stored(t), 2);
    assertEquals(value("a"), r.get(key()));
    assertEquals(value("b"), r.get(key(254)));
    assertEquals("heads tree deeper than 255 levels", assertThrows(IllegalStateException.class,
        () -> HeadsTree.EMPTY_TREE.putAll(List.of(key(), key(255)), List.of(value("a"), value("b")))).getMessage());
  }

  @Test
  void batchPutsNeedSortedDistinctKeys() {
    List<Digest> two = List.of(value("a"), value("b"));
    assertEquals("keys must be sorted and distinct", assertThrows(IllegalArgumentException.class,
        () -> HeadsTree.EMPTY_TREE.putAll(List.of(key(1), key(1)), two)).getMessage());
    // key(0) (0x80...) is above key(1) (0x40...)
    assertThrows(IllegalArgumentException.class, () -> HeadsTree.EMPTY_TREE.putAll(List.of(key(0), key(1)), two));
    assertEquals(HeadsTree.EMPTY_TREE.put(key(1), value("a")).put(key(0), value("b")).root(),
        HeadsTree.EMPTY_TREE.putAll(List.of(key(1), key(0)), two).root());
  }

  /** The key and value of the bucket summary and the page of a tree of two keys in bucket 0. */
  private static final String SUMMARY = "750000";
  private static final String BUCKET_PAGE = "74100000";

  @Test
  void aMissingOrDamagedStoredNodeIsReportedNotRead() {
    HeadsTree t = HeadsTree.EMPTY_TREE.putAll(List.of(key(), key(16)), List.of(value("a"), value("b")));
    Map<String, byte[]> pages = stored(t);
    byte[] summary = pages.get(SUMMARY);
    byte[] bucketPage = pages.get(BUCKET_PAGE);
    assertEquals(2, pages.size(), "one bucket: its summary, and its page holding it and the two leaves");
    assertEquals(BITMAP + 3 * 65, bucketPage.length);
    assertEquals(HeadsTree.NODE, bucketPage[BITMAP]);
    assertEquals(java.util.HexFormat.of().formatHex(summary),
        java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(bucketPage, BITMAP, BITMAP + 65)));
    // a page whose top's type byte is neither a leaf nor an inner node
    for (byte type : new byte[] {0, 0x12}) {
      byte[] n = bucketPage.clone();
      n[BITMAP] = type;
      HeadsTree r = reopen(Map.of(SUMMARY, summary, BUCKET_PAGE, n), 2);
      assertEquals("damaged heads tree node in the state store",
          assertThrows(IllegalStateException.class, () -> r.get(key(16))).getMessage(), "type " + type);
    }
    // an inner node naming a child the store does not hold: the bucket's page holds only its top
    byte[] topOnly = new byte[BITMAP + 65];
    topOnly[0] = (byte) 0x80;
    System.arraycopy(bucketPage, BITMAP, topOnly, BITMAP, 65);
    HeadsTree r = reopen(Map.of(SUMMARY, summary, BUCKET_PAGE, topOnly), 2);
    assertEquals(t.root(), r.root());
    assertEquals("heads tree node missing from the state store",
        assertThrows(IllegalStateException.class, () -> r.get(key(16))).getMessage());
    // a summary without its page: found on the first update or lookup below it
    HeadsTree bare = reopen(Map.of(SUMMARY, summary), 2);
    assertEquals(t.root(), bare.root());
    assertEquals("heads tree node missing from the state store",
        assertThrows(IllegalStateException.class, () -> bare.put(key(17), value("c"))).getMessage());
    assertEquals("heads tree node missing from the state store",
        assertThrows(IllegalStateException.class, () -> bare.prove(key())).getMessage());
  }

  @Test
  void aDamagedBucketSummaryIsRefusedWhenTheTreeOpens() {
    HeadsTree t = HeadsTree.EMPTY_TREE.putAll(List.of(key(), key(16)), List.of(value("a"), value("b")));
    Map<String, byte[]> pages = stored(t);
    byte[] summary = pages.get(SUMMARY);
    byte[] badType = summary.clone();
    badType[0] = 0x12;
    // a one-key bucket whose leaf's key lies in another bucket
    byte[] leaf = HeadsTree.node(HeadsTree.checkPage(stored(HeadsTree.EMPTY_TREE.put(key(0), value("a")))
        .get("74108000")), 0);
    assertEquals(HeadsTree.LEAF, leaf[0]);
    for (Map<String, byte[]> bad : List.of(Map.of(SUMMARY, java.util.Arrays.copyOf(summary, 64)),
        Map.of(SUMMARY, java.util.Arrays.copyOf(summary, 66)), Map.of(SUMMARY, badType), Map.of(SUMMARY, leaf),
        Map.of("7500", summary), Map.of("75000000", summary))) {
      assertEquals("damaged heads tree bucket in the state store",
          assertThrows(IllegalStateException.class, () -> reopen(bad, 2)).getMessage());
    }
    // the same leaf under its own bucket opens
    assertEquals(HeadsTree.EMPTY_TREE.put(key(0), value("a")).root(), reopen(Map.of("758000", leaf), 1).root());
  }

  /**
   * The levels above the buckets in memory give the hashes of the tree computed whole: a key
   * alone at the root, lifted across the buckets' depth; two keys splitting above it, at it and
   * below it; checked against a recursive reference over the same keys.
   */
  @Test
  void theLevelsAboveTheBucketsLiftLeavesAsTheWholeTreeDoes() {
    List<List<Digest>> cases = List.of(List.of(key(3)), List.of(key(), key(0)), List.of(key(), key(15)),
        List.of(key(), key(16)), List.of(key(), key(15), key(16), key(40)), List.of(key(0, 1), key(0, 1, 9, 15)));
    for (List<Digest> unsorted : cases) {
      List<Digest> keys = unsorted.stream().sorted().toList();
      List<Digest> values = new java.util.ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        values.add(value("v" + i));
      }
      HeadsTree t = HeadsTree.EMPTY_TREE.putAll(keys, values);
      assertEquals(reference(keys, values, 0), t.root(), keys.toString());
      assertEquals(t.root(), reopen(stored(t), keys.size()).root());
      for (int i = 0; i < keys.size(); i++) {
        assertEquals(values.get(i), t.get(keys.get(i)));
        assertEquals(java.util.Optional.of(values.get(i)), t.prove(keys.get(i)).verify(t.root()), "proof of " + i);
      }
    }
  }

  /** The root of keys (sorted) with leaf lifting, computed whole. */
  private static Digest reference(List<Digest> keys, List<Digest> values, int depth) {
    if (keys.isEmpty()) {
      return HeadsTree.EMPTY;
    }
    if (keys.size() == 1) {
      return io.medledger.crypto.Sha256.hashPrefixed(HeadsTree.LEAF, keys.get(0), values.get(0));
    }
    int mid = 0;
    while (mid < keys.size() && HeadsTree.bit(keys.get(mid), depth) == 0) {
      mid++;
    }
    return io.medledger.crypto.Sha256.hashPrefixed(HeadsTree.NODE,
        reference(keys.subList(0, mid), values.subList(0, mid), depth + 1),
        reference(keys.subList(mid, keys.size()), values.subList(mid, keys.size()), depth + 1));
  }

  @Test
  void aDamagedPageIsReportedNotRead() {
    HeadsTree t = HeadsTree.EMPTY_TREE.putAll(List.of(key(), key(16)), List.of(value("a"), value("b")));
    Map<String, byte[]> stored = stored(t);
    byte[] page = stored.get(BUCKET_PAGE);
    List<byte[]> damaged = List.of(
        java.util.Arrays.copyOf(page, page.length - 1), // a node cut short
        java.util.Arrays.copyOf(page, page.length + 65), // a node the bitmap does not count
        java.util.Arrays.copyOf(page, BITMAP - 1), // no whole bitmap
        new byte[BITMAP], // no node at all
        withNode(setBit(page, HeadsTree.PAGE_SLOTS), page), // a slot past the page's last, with its node
        setBit(page, 3), // a slot without its node
        withoutTop(page)); // its two leaves, without the top node above them
    for (byte[] d : damaged) {
      HeadsTree r = reopen(Map.of(SUMMARY, stored.get(SUMMARY), BUCKET_PAGE, d), 2);
      assertEquals("damaged heads tree page in the state store",
          assertThrows(IllegalStateException.class, () -> r.get(key(16))).getMessage());
    }
  }

  private static Map<String, String> hex(Map<String, byte[]> m) {
    Map<String, String> h = new java.util.TreeMap<>();
    m.forEach((k, v) -> h.put(k, java.util.HexFormat.of().formatHex(v)));
    return h;
  }

  /** {@code page} with its top slot cleared and its top node removed. */
  private static byte[] withoutTop(byte[] page) {
    byte[] p = new byte[page.length - 65];
    System.arraycopy(page, 0, p, 0, BITMAP);
    p[0] &= 0x7f;
    System.arraycopy(page, BITMAP + 65, p, BITMAP, page.length - BITMAP - 65);
    return p;
  }

  /** {@code page} followed by a copy of the first node of {@code from}. */
  private static byte[] withNode(byte[] page, byte[] from) {
    byte[] p = java.util.Arrays.copyOf(page, page.length + 65);
    System.arraycopy(from, BITMAP, p, page.length, 65);
    return p;
  }

  private static byte[] setBit(byte[] page, int slot) {
    byte[] p = page.clone();
    p[slot >>> 3] |= (byte) (0x80 >>> (slot & 7));
    return p;
  }

  @Test
  void aNodeIsStoredInThePageAboveItAtItsBreadthFirstSlot() {
    int levels = HeadsTree.PAGE_LEVELS;
    assertEquals(0, 16 % levels, "the cases below assume a page boundary at depth 16");
    Digest k = key(16, 18, 40);
    assertEquals(new StateKey(HeadsTree.pos(16, k)), new StateKey(HeadsTree.pageOf(HeadsTree.pos(19, k))));
    assertEquals(7 + 0b101, HeadsTree.slot(HeadsTree.pos(19, k)), "three levels down, path 1 0 1");
    assertEquals(0, HeadsTree.slot(HeadsTree.pos(16, k)));
    assertEquals(HeadsTree.PAGE_SLOTS - 1,
        HeadsTree.slot(HeadsTree.pos(16 + levels - 1, key(16, 17, 18, 19, 20, 21, 22))), "the last slot");
    assertEquals(new StateKey(HeadsTree.pos(0, k)), new StateKey(HeadsTree.pageOf(HeadsTree.pos(levels - 1, k))));
    assertEquals(new StateKey(HeadsTree.pos(levels, k)), new StateKey(HeadsTree.pageOf(HeadsTree.pos(levels, k))));
    int deepest = 255 - 255 % levels;
    assertEquals(new StateKey(HeadsTree.pos(deepest, k)), new StateKey(HeadsTree.pageOf(HeadsTree.pos(255, k))));
    assertEquals(2 + (deepest + 7) / 8, HeadsTree.pageOf(HeadsTree.pos(255, k)).length);
  }

  /**
   * Commits of many batches into a store, each rebased on the last: a page that an update touches
   * is written whole, keeping the nodes earlier commits put in it, so the store opens as the tree.
   */
  @Test
  void pagesKeepTheNodesOfEarlierCommits() {
    for (boolean cached : new boolean[] {false, true}) {
      java.util.Random rnd = new java.util.Random(7);
      Map<String, byte[]> store = new HashMap<>();
      java.util.function.Function<byte[], byte[]> base = k -> store.get(java.util.HexFormat.of().formatHex(k));
      HeadsTree t = HeadsTree.empty(cached ? new HeadsNodeCache(64) : null).rebase(base::apply);
      java.util.TreeMap<Digest, Digest> all = new java.util.TreeMap<>();
      for (int batch = 0; batch < 40; batch++) {
        java.util.TreeMap<Digest, Digest> kv = new java.util.TreeMap<>();
        int n = batch % 3 == 0 ? 1 : 50;
        for (int i = 0; i < n; i++) {
          byte[] k = new byte[Digest.LENGTH];
          rnd.nextBytes(k);
        if (i % 2 == 0) { // half the keys in three buckets, so that their pages go several levels down
          k[0] = 0x33;
          k[1] = (byte) rnd.nextInt(3);
        }
          Digest key = batch > 0 && i < n / 5 ? all.keySet().stream().skip(rnd.nextInt(all.size())).findFirst()
              .orElseThrow() : Digest.of(k);
          kv.put(key, value("v" + batch + "-" + i));
        }
        t = t.putAll(List.copyOf(kv.keySet()), List.copyOf(kv.values()));
        if (batch % 4 != 3) { // and some trees put twice before their commit
          store.putAll(stored(t));
          t = t.rebase(base::apply);
        }
        all.putAll(kv);
      }
      store.putAll(stored(t));
      HeadsTree once = HeadsTree.EMPTY_TREE.putAll(List.copyOf(all.keySet()), List.copyOf(all.values()));
      HeadsTree r = reopen(store, all.size());
      assertEquals(once.root(), r.root(), "cached " + cached);
      for (Map.Entry<Digest, Digest> e : all.entrySet()) {
        assertEquals(e.getValue(), r.get(e.getKey()));
        assertEquals(once.prove(e.getKey()), r.prove(e.getKey()));
      }
      assertEquals(hex(stored(once)), hex(store), "the same pages as one batch writes");
    }
  }
}
