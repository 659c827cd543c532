package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.testing.DelegatingStateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
}
