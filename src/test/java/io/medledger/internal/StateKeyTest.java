package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** State keys: equality and order by content, and hash codes that spread short keys too. */
class StateKeyTest {
  @Test
  void equalityAndOrderFollowTheBytes() {
    Random r = new Random(5);
    for (int i = 0; i < 5_000; i++) {
      byte[] a = new byte[r.nextInt(12)];
      byte[] b = new byte[r.nextInt(12)];
      r.nextBytes(a);
      r.nextBytes(b);
      if (r.nextInt(4) == 0) {
        b = a.clone();
      }
      StateKey ka = new StateKey(a);
      StateKey kb = new StateKey(b);
      assertEquals(Arrays.equals(a, b), ka.equals(kb));
      if (ka.equals(kb)) {
        assertEquals(ka.hashCode(), kb.hashCode());
      }
      assertEquals(Integer.signum(Arrays.compareUnsigned(a, b)), Integer.signum(ka.compareTo(kb)),
          Arrays.toString(a) + " " + Arrays.toString(b));
    }
    assertNotEquals(new StateKey(new byte[] {1}), new StateKey(new byte[] {1, 0}));
  }

  /**
   * Heads-tree positions at depth 24 ('t', the depth, three bytes of path) differ only in their
   * last bytes; a base-31 polynomial hash gives 65,536 of them about 57,000 distinct values.
   */
  @Test
  void shortKeysThatDifferInTheirLastBytesGetDistinctHashes() {
    Random r = new Random(9);
    Set<StateKey> keys = new HashSet<>();
    while (keys.size() < 65_536) {
      byte[] k = {'t', 24, (byte) r.nextInt(), (byte) r.nextInt(), (byte) r.nextInt()};
      keys.add(new StateKey(k));
    }
    Set<Integer> hashes = new HashSet<>();
    for (StateKey k : keys) {
      hashes.add(k.hashCode());
    }
    assertTrue(hashes.size() >= 65_400, "distinct hash codes: " + hashes.size());
  }

  @Test
  void keysWithEqualHashCodesAreStillDifferentKeys() {
    Random r = new Random(13);
    java.util.Map<Integer, byte[]> seen = new java.util.HashMap<>();
    byte[] a = null;
    byte[] b = null;
    while (a == null) { // a birthday collision of the 32-bit hash among 5-byte keys
      byte[] k = {'t', 24, (byte) r.nextInt(), (byte) r.nextInt(), (byte) r.nextInt()};
      byte[] other = seen.putIfAbsent(new StateKey(k).hashCode(), k);
      if (other != null && !Arrays.equals(other, k)) {
        a = other;
        b = k;
      }
    }
    StateKey ka = new StateKey(a);
    StateKey kb = new StateKey(b);
    assertEquals(ka.hashCode(), kb.hashCode());
    assertNotEquals(ka, kb, "equal hashes, other keys");
    java.util.Map<StateKey, String> m = new java.util.HashMap<>();
    m.put(ka, "a");
    m.put(kb, "b");
    assertEquals("a", m.get(new StateKey(a.clone())));
    assertEquals("b", m.get(new StateKey(b.clone())));
  }
}
