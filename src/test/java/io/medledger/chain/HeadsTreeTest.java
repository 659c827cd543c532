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
    return HeadsTree.open(k -> nodes.get(java.util.HexFormat.of().formatHex(k)), size, null);
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
    HeadsTree t = HeadsTree.open(k -> null, 0, null);
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

  @Test
  void aMissingOrDamagedStoredNodeIsReportedNotRead() {
    HeadsTree t = HeadsTree.EMPTY_TREE.putAll(List.of(key(), key(0)), List.of(value("a"), value("b")));
    Map<String, byte[]> nodes = stored(t);
    String root = "7400";
    byte[] rootNode = nodes.get(root);
    assertEquals(HeadsTree.NODE, rootNode[0]);
    // a root whose type byte is neither a leaf nor an inner node
    for (byte type : new byte[] {0, 0x12}) {
      Map<String, byte[]> damaged = new HashMap<>(nodes);
      byte[] n = rootNode.clone();
      n[0] = type;
      damaged.put(root, n);
      assertEquals("damaged heads tree node in the state store",
          assertThrows(IllegalStateException.class, () -> reopen(damaged, 2)).getMessage(), "type " + type);
    }
    // an inner node naming a child the store does not hold
    Map<String, byte[]> missing = new HashMap<>(nodes);
    missing.keySet().removeIf(k -> !k.equals(root));
    HeadsTree r = reopen(missing, 2);
    assertEquals(t.root(), r.root());
    assertEquals("heads tree node missing from the state store",
        assertThrows(IllegalStateException.class, () -> r.get(key(0))).getMessage());
  }
}
