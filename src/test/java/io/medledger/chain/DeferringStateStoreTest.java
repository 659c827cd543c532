package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.testing.DelegatingStateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The deferring view reads exactly what the store would hold had every held commit gone through:
 * gets and scans (within one kind of key and across kinds) interleaved with commits, against a
 * sorted map of every put. (The store under
 * it is wrapped, as deferring is a no-op over an {@link InMemoryStateStore} itself.)
 */
class DeferringStateStoreTest {
  private static byte[] key(Random r) {
    // a small key space, so that later commits overwrite earlier keys and scans see both
    return new byte[] {(byte) (1 + r.nextInt(4)), (byte) r.nextInt(256)};
  }

  private static List<String> scan(StateStore s, byte[] from, byte[] to) {
    List<String> out = new ArrayList<>();
    s.scan(from, to, (k, v) -> out.add(Arrays.toString(k) + "=" + Arrays.toString(v)));
    return out;
  }

  private static List<String> scan(TreeMap<byte[], byte[]> m, byte[] from, byte[] to) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : m.subMap(from, true, to, false).entrySet()) {
      out.add(Arrays.toString(e.getKey()) + "=" + Arrays.toString(e.getValue()));
    }
    return out;
  }

  @Test
  void scansAndGetsInterleavedWithDeferredCommitsSeeEveryPut() {
    for (int seed = 0; seed < 20; seed++) {
      Random r = new Random(seed);
      InMemoryStateStore inner = new InMemoryStateStore();
      DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(inner));
      TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
      long height = -1;
      for (int block = 0; block < 60; block++) {
        if (block == 10) {
          s.defer(true); // the first blocks went straight to the store
        }
        height++;
        Digest tip = Sha256.hash(new byte[] {(byte) block});
        StateStore.Batch b = new StateStore.Batch(height, tip);
        for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
          byte[] k = key(r);
          byte[] v = {(byte) block, (byte) i};
          b.put(k, v);
          model.put(k, v);
        }
        s.commit(b);
        assertEquals(height, s.height());
        for (int q = 0; q < 3; q++) {
          byte[] a = key(r);
          byte[] z = key(r);
          byte[] from = Arrays.compareUnsigned(a, z) <= 0 ? a : z;
          byte[] to = from == a ? z : a;
          assertEquals(scan(model, from, to), scan(s, from, to), "seed " + seed + ", block " + block);
          // a whole kind of key, as the ledger scans ({tag} to {tag + 1}), and one across kinds
          byte[] tag = {(byte) (1 + r.nextInt(4))};
          byte[] next = {(byte) (tag[0] + 1)};
          assertEquals(scan(model, tag, next), scan(s, tag, next), "seed " + seed + ", block " + block);
          byte[] wide = {(byte) (tag[0] + 1 + r.nextInt(3)), (byte) r.nextInt(256)};
          assertEquals(scan(model, tag, wide), scan(s, tag, wide), "seed " + seed + ", block " + block);
          byte[] k = key(r);
          byte[] expected = model.get(k);
          if (expected == null) {
            assertNull(s.get(k));
          } else {
            assertArrayEquals(expected, s.get(k));
          }
          // a batched read: held and stored values merged, in the keys' order
          List<byte[]> keys = List.of(key(r), k, key(r), key(r), k);
          List<byte[]> got = s.getAll(keys);
          assertEquals(keys.size(), got.size());
          for (int j = 0; j < keys.size(); j++) {
            byte[] want = model.get(keys.get(j));
            if (want == null) {
              assertNull(got.get(j), "seed " + seed + ", block " + block + ", key " + j);
            } else {
              assertArrayEquals(want, got.get(j), "seed " + seed + ", block " + block + ", key " + j);
            }
          }
        }
        if (block == 40) {
          s.flush(); // what was held reaches the store as one batch; deferring goes on
          assertEquals(height, inner.height());
        }
      }
      s.flush();
      assertEquals(height, inner.height());
      byte[] all = {1};
      byte[] end = {(byte) 0xff};
      assertEquals(scan(model, all, end), scan(inner, all, end), "seed " + seed);
    }
  }
  private static StateStore.Batch batch(long height, byte[]... kv) {
    StateStore.Batch b = new StateStore.Batch(height, Sha256.hash(new byte[] {(byte) height}));
    for (int i = 0; i < kv.length; i += 2) {
      b.put(kv[i], kv[i + 1]);
    }
    return b;
  }

  private static Digest tip(long height) {
    return Sha256.hash(new byte[] {(byte) height});
  }

  @Test
  void heldCommitsFromGenesisCountTheirBytesAndReachTheStoreAsOneBatch() {
    InMemoryStateStore inner = new InMemoryStateStore();
    StateStore under = new DelegatingStateStore(inner);
    DeferringStateStore s = new DeferringStateStore(under);
    assertSame(under, s.base());
    s.defer(true);
    s.commit(batch(0, new byte[] {1, 1}, new byte[] {9, 9, 9}));
    assertEquals(0, s.height());
    assertEquals(Optional.of(tip(0)), s.tip());
    assertEquals(-1, inner.height());
    assertEquals(5, s.pendingBytes());
    // an overwrite counts the change of the value only; a new key counts key and value
    s.commit(batch(1, new byte[] {1, 1}, new byte[] {8}, new byte[] {2, 2, 2}, new byte[] {7, 7, 7, 7}));
    assertEquals(5 + 1 - 3 + 3 + 4, s.pendingBytes());
    assertEquals(1, s.height());
    assertEquals(Optional.of(tip(1)), s.tip());
    assertEquals("batch from height 3 on a state at 1",
        assertThrows(IllegalArgumentException.class, () -> s.commit(batch(3))).getMessage());
    s.flush();
    assertEquals(1, inner.height());
    assertEquals(Optional.of(tip(1)), inner.tip());
    assertArrayEquals(new byte[] {8}, inner.get(new byte[] {1, 1}));
    assertArrayEquals(new byte[] {7, 7, 7, 7}, inner.get(new byte[] {2, 2, 2}));
    assertEquals(0, s.pendingBytes());
    assertEquals(Optional.of(tip(1)), s.tip());
  }

  @Test
  void stoppingDeferringFlushesWhatIsHeldWithTheNextCommitAndAFlushForgetsIt() {
    InMemoryStateStore inner = new InMemoryStateStore();
    DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(inner));
    s.defer(true);
    s.commit(batch(0, new byte[] {1}, new byte[] {10}));
    s.defer(false);
    // held genesis and this block reach the store together
    s.commit(batch(1, new byte[] {2}, new byte[] {20}));
    assertEquals(1, inner.height());
    assertArrayEquals(new byte[] {10}, inner.get(new byte[] {1}));
    assertArrayEquals(new byte[] {20}, inner.get(new byte[] {2}));
    // a later direct commit is read back, not a value held before the flush
    s.commit(batch(2, new byte[] {1}, new byte[] {11}));
    assertEquals(2, inner.height());
    assertArrayEquals(new byte[] {11}, s.get(new byte[] {1}));
    assertEquals(List.of("[1]=[11]", "[2]=[20]"), scan(s, new byte[] {0}, new byte[] {9}));
  }

  @Test
  void aScanStopsExactlyWhereItsVisitorSaysStop() {
    InMemoryStateStore inner = new InMemoryStateStore();
    DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(inner));
    s.commit(batch(0, new byte[] {2}, new byte[] {2}, new byte[] {4}, new byte[] {4}, new byte[] {5}, new byte[] {5}));
    s.defer(true);
    // held: before the first stored key, replacing a stored key, between stored keys, after the last
    s.commit(batch(1, new byte[] {1}, new byte[] {51}, new byte[] {4}, new byte[] {54}, new byte[] {3},
        new byte[] {53}, new byte[] {7}, new byte[] {57}, new byte[] {8}, new byte[] {58}));
    List<String> all = List.of("[1]=[51]", "[2]=[2]", "[3]=[53]", "[4]=[54]", "[5]=[5]", "[7]=[57]", "[8]=[58]");
    assertEquals(all, scan(s, new byte[] {1}, new byte[] {9}));
    for (int n = 1; n <= all.size(); n++) {
      List<String> seen = new ArrayList<>();
      int stopAt = n;
      s.scan(new byte[] {1}, new byte[] {9}, (k, v) -> {
        seen.add(Arrays.toString(k) + "=" + Arrays.toString(v));
        return seen.size() < stopAt;
      });
      assertEquals(all.subList(0, n), seen, "stopping after " + n);
    }
  }

  @Test
  void aHeldGenesisAloneIsFlushed() {
    InMemoryStateStore inner = new InMemoryStateStore();
    DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(inner));
    s.defer(true);
    s.commit(batch(0, new byte[] {1}, new byte[] {10}));
    s.flush();
    assertEquals(0, inner.height());
    assertEquals(Optional.of(tip(0)), inner.tip());
    assertArrayEquals(new byte[] {10}, inner.get(new byte[] {1}));
    assertEquals(0, s.pendingBytes());
  }
}
