package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HeldPutsTest {
  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static Map<String, String> contents(HeldPuts p) {
    Map<String, String> out = new HashMap<>();
    p.forEach((k, v) -> assertNull(out.put(hex(k), hex(v)), "a key visited twice"));
    return out;
  }

  private static byte[] key(SplittableRandom r, int distinct) {
    // short keys that share prefixes, as state keys do (a kind byte, then a few varying bytes)
    int n = r.nextInt(distinct);
    int length = 1 + n % 11;
    byte[] k = new byte[length];
    k[0] = (byte) ('A' + n % 3);
    for (int i = 1; i < length; i++) {
      k[i] = (byte) (n >>> (8 * (i % 4)));
    }
    return k;
  }

  @Test
  void theLastPutOfAKeyWinsAndReportsTheLengthItReplaced() {
    HeldPuts p = new HeldPuts(4);
    byte[] k = {'E', 1, 2};
    assertEquals(-1, p.put(k, new byte[] {1, 2, 3}));
    assertEquals(3, p.put(k, new byte[] {4, 5, 6}), "same length: replaced in place");
    assertArrayEquals(new byte[] {4, 5, 6}, p.get(k));
    assertEquals(3, p.put(k, new byte[] {7}), "another length: a new record");
    assertArrayEquals(new byte[] {7}, p.get(k));
    assertEquals(1, p.put(k, new byte[0]));
    assertArrayEquals(new byte[0], p.get(k));
    assertEquals(1, p.size());
    assertNull(p.get(new byte[] {'E', 1}), "a prefix of a held key is another key");
    assertNull(p.get(new byte[] {'E', 1, 2, 0}), "so is an extension");
  }

  @Test
  void getReturnsACopyAndPutCopiesItsArguments() {
    HeldPuts p = new HeldPuts(4);
    byte[] k = {'R', 9};
    byte[] v = {1, 2};
    p.put(k, v);
    k[1] = 8;
    v[0] = 9;
    assertArrayEquals(new byte[] {1, 2}, p.get(new byte[] {'R', 9}));
    p.get(new byte[] {'R', 9})[0] = 5;
    assertArrayEquals(new byte[] {1, 2}, p.get(new byte[] {'R', 9}));
  }

  @Test
  void agreesWithAHashMapOverManyPutsGrowthAndClears() {
    SplittableRandom r = new SplittableRandom(7);
    HeldPuts p = new HeldPuts(16);
    Map<String, byte[]> model = new HashMap<>();
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 60_000; i++) {
        byte[] k = key(r, 20_000);
        byte[] v = new byte[r.nextInt(4) == 0 ? r.nextInt(3000) : r.nextInt(40)];
        r.nextBytes(v);
        byte[] old = model.put(hex(k), v);
        assertEquals(old == null ? -1 : old.length, p.put(k, v));
        if (i % 97 == 0) {
          byte[] probe = key(r, 40_000);
          byte[] expected = model.get(hex(probe));
          byte[] got = p.get(probe);
          if (expected == null) {
            assertNull(got);
          } else {
            assertArrayEquals(expected, got);
          }
        }
      }
      assertEquals(model.size(), p.size());
      Map<String, String> expected = new HashMap<>();
      model.forEach((k, v) -> expected.put(k, hex(v)));
      assertEquals(expected, contents(p));
      p.clear();
      model.clear();
      assertTrue(p.isEmpty());
      assertEquals(Map.of(), contents(p));
    }
  }

  @Test
  void sortedHoldsEachKeysLastPutOnceInUnsignedKeyOrder() {
    SplittableRandom r = new SplittableRandom(11);
    HeldPuts p = new HeldPuts(16);
    java.util.TreeMap<byte[], byte[]> model = new java.util.TreeMap<>(java.util.Arrays::compareUnsigned);
    java.util.List<byte[]> keys = new java.util.ArrayList<>();
    // keys that are prefixes of others, and bytes above 0x7f, which signed order would misplace
    keys.add(new byte[] {'A'});
    keys.add(new byte[] {'A', 0});
    keys.add(new byte[] {'A', 0, 0});
    keys.add(new byte[] {'A', (byte) 0x80});
    keys.add(new byte[] {(byte) 0xff});
    for (int i = 0; i < 150_000; i++) {
      byte[] k;
      if (i % 3 == 0) { // 40-byte keys that tie on their first 20 to 38 bytes, as query-index keys do
        k = new byte[40];
        k[0] = 'Q';
        java.util.Arrays.fill(k, 1, 20, (byte) r.nextInt(4));
        int tail = r.nextInt(40_000);
        k[38] = (byte) (tail >>> 8);
        k[39] = (byte) tail;
        k[21] = (byte) (r.nextInt(2) * 0x90);
      } else {
        k = i < 20 ? keys.get(i % keys.size()) : key(r, 30_000);
      }
      byte[] v = new byte[r.nextInt(5) == 0 ? r.nextInt(2000) : r.nextInt(30)];
      r.nextBytes(v);
      p.put(k, v);
      model.put(k, v);
    }
    io.medledger.internal.SortedPuts s = p.sorted();
    assertEquals(model.size(), s.size());
    int i = 0;
    for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
      int k = s.keyOffset(i);
      int v = s.valueOffset(i);
      assertEquals(hex(e.getKey()), hex(java.util.Arrays.copyOfRange(s.keyArray(i), k, k + s.keyLength(i))), "key " + i);
      assertEquals(hex(e.getValue()), hex(java.util.Arrays.copyOfRange(s.valueArray(i), v, v + s.valueLength(i))), "value " + i);
      i++;
    }
    p.clear();
    assertEquals(0, p.sorted().size());
  }

  @Test
  void sortedSeparatesKeysThatDifferInOneBitAnywhere() {
    // each pass of the sort reads a window of bits; a bit lost between two windows, or read from
    // the wrong byte, misorders keys that differ only there
    for (int length : new int[] {16, 23, 40}) {
      java.util.List<byte[]> keys = new java.util.ArrayList<>();
      keys.add(new byte[length]);
      for (int bit = 0; bit < 8 * length; bit++) {
        byte[] k = new byte[length];
        k[bit >>> 3] = (byte) (0x80 >>> (bit & 7));
        keys.add(k);
      }
      assertSortedLikeATreeMap(keys, "one-bit keys of " + length + " bytes");
    }
  }

  @Test
  void sortedOrdersRunsThatTieOnAnyNumberOfLeadingBytes() {
    // runs of 17 to 300 keys that share 0 to 24 leading bytes, then differ in a few bytes drawn
    // from a small alphabet, with lengths that end anywhere in the next window
    SplittableRandom r = new SplittableRandom(5);
    byte[] alphabet = {0, 1, 0x3f, 0x40, 0x7f, (byte) 0x80, (byte) 0xc0, (byte) 0xfe, (byte) 0xff};
    for (int tie = 0; tie <= 24; tie++) {
      for (int m : new int[] {17, 20, 33, 70, 300}) {
        byte[] common = new byte[tie];
        r.nextBytes(common);
        java.util.List<byte[]> keys = new java.util.ArrayList<>();
        for (int i = 0; i < m; i++) {
          byte[] k = java.util.Arrays.copyOf(common, tie + r.nextInt(14));
          for (int j = tie; j < k.length; j++) {
            k[j] = alphabet[r.nextInt(alphabet.length)];
          }
          keys.add(k);
        }
        assertSortedLikeATreeMap(keys, "tie " + tie + ", run " + m);
      }
    }
  }

  /** Puts {@code keys} (with distinct values) and checks {@link HeldPuts#sorted} against a {@code TreeMap}. */
  private static void assertSortedLikeATreeMap(java.util.List<byte[]> keys, String what) {
    HeldPuts p = new HeldPuts(16);
    java.util.TreeMap<byte[], byte[]> model = new java.util.TreeMap<>(java.util.Arrays::compareUnsigned);
    for (int i = 0; i < keys.size(); i++) {
      byte[] v = ByteBuffer.allocate(Integer.BYTES).putInt(i).array(); // a value after the key, never zero
      v[0] = (byte) 0xff;
      p.put(keys.get(i), v);
      model.put(keys.get(i), v);
    }
    io.medledger.internal.SortedPuts s = p.sorted();
    assertEquals(model.size(), s.size(), what);
    int i = 0;
    for (byte[] k : model.keySet()) {
      int at = s.keyOffset(i);
      assertEquals(hex(k), hex(java.util.Arrays.copyOfRange(s.keyArray(i), at, at + s.keyLength(i))), what + ", key " + i);
      i++;
    }
  }

  @Test
  void aRecordLargerThanAChunkGetsAChunkOfItsOwn() {
    HeldPuts p = new HeldPuts(4);
    byte[] big = new byte[HeldPuts.CHUNK + 5];
    big[big.length - 1] = 42;
    p.put(new byte[] {'K', 1}, new byte[] {1});
    p.put(new byte[] {'K', 2}, big);
    p.put(new byte[] {'K', 3}, new byte[] {3});
    assertArrayEquals(big, p.get(new byte[] {'K', 2}));
    assertArrayEquals(new byte[] {1}, p.get(new byte[] {'K', 1}));
    assertArrayEquals(new byte[] {3}, p.get(new byte[] {'K', 3}));
    p.clear();
    p.put(new byte[] {'K', 4}, new byte[] {4});
    assertArrayEquals(new byte[] {4}, p.get(new byte[] {'K', 4}));
    assertNull(p.get(new byte[] {'K', 2}));
  }

  @Test
  void aVisitOfSomeFirstBytesSeesExactlyThoseKeys() {
    HeldPuts p = new HeldPuts(4);
    for (int f = 1; f < 256; f++) {
      p.put(new byte[] {(byte) f, 7}, new byte[] {(byte) f});
    }
    Map<Integer, Integer> seen = new HashMap<>();
    p.forEachStartingWith(0x7f, 0x81, (k, v) -> seen.put(k[0] & 0xff, v[0] & 0xff));
    assertEquals(Map.of(0x7f, 0x7f, 0x80, 0x80, 0x81, 0x81), seen);
  }

  @Test
  void keysThatCollideInTheTableStayApart() {
    // many keys in a small table: long probe runs, and keys equal in hash low bits
    HeldPuts p = new HeldPuts(16);
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      p.put(ByteBuffer.allocate(9).put((byte) 'Q').putLong(i).array(), ByteBuffer.allocate(4).putInt(i).array());
    }
    for (int i = 0; i < n; i++) {
      byte[] v = p.get(ByteBuffer.allocate(9).put((byte) 'Q').putLong(i).array());
      assertEquals(i, ByteBuffer.wrap(v).getInt());
    }
    assertNull(p.get(ByteBuffer.allocate(9).put((byte) 'Q').putLong(n).array()));
  }

  @Test
  void theHashSpreadsKeysThatDifferOnlyInTheirLastByte() {
    java.util.Set<Integer> low = new java.util.HashSet<>();
    for (int i = 0; i < 256; i++) {
      low.add(HeldPuts.hash(new byte[] {'S', 3, 0, 0, 0, 0, 0, 0, 1, (byte) i}) & 1023);
    }
    assertTrue(low.size() > 200, "256 keys fell into " + low.size() + " of 1024 buckets");
  }

  @Test
  void keysWithTheSameHashStayApart() {
    // a birthday search finds two keys whose 32-bit hashes are equal
    Map<Integer, byte[]> byHash = new HashMap<>();
    byte[] a = null;
    byte[] b = null;
    for (long i = 0; a == null; i++) {
      byte[] k = ByteBuffer.allocate(9).put((byte) 'L').putLong(i).array();
      byte[] earlier = byHash.put(HeldPuts.hash(k), k);
      if (earlier != null) {
        a = earlier;
        b = k;
      }
    }
    HeldPuts p = new HeldPuts(16);
    assertEquals(-1, p.put(a, new byte[] {1}));
    assertEquals(-1, p.put(b, new byte[] {2}), "a key with the same hash is another key");
    assertArrayEquals(new byte[] {1}, p.get(a));
    assertArrayEquals(new byte[] {2}, p.get(b));
    assertEquals(2, p.size());
  }
}
