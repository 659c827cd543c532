package io.medledger.internal.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.storage.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RocksDB state store keeps its files owner-only, whatever the umask; it writes a batch's puts
 * in key order, each key's last put only, as the byte-exact serialized form of the write batch
 * RocksDB's own puts would build; its memtables start each insert where the last key of the
 * same kind went; and its compactions can be made to run at the lowest CPU priority.
 */
class RocksStateStoreTest {
  @TempDir
  Path tmp;

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private static void assertOwnerOnly(Path dir) throws IOException {
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    for (Path f : files(dir)) {
      try {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
      } catch (java.nio.file.NoSuchFileException gone) {
        // removed by a compaction meanwhile
      }
    }
  }

  @Test
  void filesAreOwnerOnlyAtOpenAndAfterFlushes() throws Exception {
    assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
    Path dir = tmp.resolve("state");
    byte[] value = new byte[1 << 20];
    try (RocksStateStore s = RocksStateStore.open(dir)) {
      assertOwnerOnly(dir);
      assertTrue(files(dir).size() >= 3, "RocksDB created its files");
      // 40 MiB of writes: more than a 32 MiB memtable, so RocksDB flushes a table file while open
      for (int h = 0; h < 40; h++) {
        value[0] = (byte) h;
        Digest tip = Sha256.hash(new byte[] {(byte) h});
        StateStore.Batch b = new StateStore.Batch(h, tip);
        b.put(("k" + h).getBytes(java.nio.charset.StandardCharsets.US_ASCII), value.clone());
        s.commit(b);
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      boolean flushed = false;
      while (!flushed && System.nanoTime() < deadline) {
        flushed = files(dir).stream().anyMatch(f -> f.getFileName().toString().endsWith(".sst"));
        Thread.sleep(50);
      }
      assertTrue(flushed, "no table file was flushed");
      // the listener runs after the flush completes: wait for its run, counted by the store
      while (s.restrictionsAfterJobs() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(s.restrictionsAfterJobs() > 0, "the listener never ran after the flush");
      assertOwnerOnly(dir);
    }
    // reopening (which recovers the write-ahead log into a new table file) keeps them so
    try (RocksStateStore s = RocksStateStore.open(dir)) {
      assertEquals(39, s.height());
      assertOwnerOnly(dir);
    }
  }

  @Test
  void compactionsRunAtTheLowestCpuPriorityOnceLowered() throws Exception {
    assumeTrue(CompactionThreads.observable(), "no /proc here");
    RocksStateStore.lowerCompactionPriority();
    RocksStateStore.lowerCompactionPriority(); // idempotent
    List<Integer> nice = CompactionThreads.niceAfterACompaction(tmp.resolve("state"));
    assertTrue(nice.contains(19), "a thread that ran the compaction runs at nice 19: " + nice);
  }

  /** Keys with long shared prefixes, short keys, duplicates and random digests, in random order. */
  private static StateStore.Batch awkwardBatch(long seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    StateStore.Batch b = new StateStore.Batch(0, Digest.of(new byte[Digest.LENGTH]));
    List<byte[]> made = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] k;
      switch (r.nextInt(7)) {
        case 6 -> { // a key seen before with zero bytes after it: equal to it but for its length
          byte[] base = made.isEmpty() ? new byte[] {5} : made.get(r.nextInt(made.size()));
          k = java.util.Arrays.copyOf(base, base.length + 1 + r.nextInt(9));
        }
        case 0 -> { // a header-like key: kind then a big-endian counter, ties in the first 8 bytes
          k = java.nio.ByteBuffer.allocate(9).put((byte) 'H').putLong(r.nextInt(50)).array();
        }
        case 1 -> { // short keys, shorter than a head
          k = new byte[1 + r.nextInt(7)];
          r.nextBytes(k);
          k[0] = (byte) (1 + r.nextInt(3));
        }
        case 2 -> { // a long shared prefix, differing in single bits
          k = new byte[40];
          k[0] = 't';
          for (int bit = r.nextInt(3); bit >= 0; bit--) { // one to three bits set anywhere after the kind
            int at = 8 + r.nextInt(8 * 39);
            k[at / 8] |= (byte) (0x80 >>> (at % 8));
          }
        }
        case 3 -> { // a key seen before: a later put of the same key
          k = made.isEmpty() ? new byte[] {9} : made.get(r.nextInt(made.size())).clone();
        }
        default -> {
          k = new byte[33];
          r.nextBytes(k);
          k[0] = (byte) (1 + r.nextInt(255));
        }
      }
      made.add(k);
      byte[] v = new byte[r.nextInt(3) == 0 ? 200 + r.nextInt(300) : r.nextInt(40)];
      r.nextBytes(v);
      b.put(k, v);
    }
    return b;
  }

  private static byte[][] keys(StateStore.Batch b) {
    byte[][] k = new byte[b.size()][];
    for (int i = 0; i < k.length; i++) {
      k[i] = b.key(i);
    }
    return k;
  }

  /** What the store must write: each key's last put, in key order (a stable sort, then the last of each run). */
  private static List<Integer> expectedOrder(StateStore.Batch b) {
    Integer[] all = new Integer[b.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    java.util.Arrays.sort(all, (x, y) -> java.util.Arrays.compareUnsigned(b.key(x), b.key(y))); // stable
    List<Integer> kept = new java.util.ArrayList<>();
    for (int i = 0; i < all.length; i++) {
      kept.add(i + 1 < all.length && java.util.Arrays.equals(b.key(all[i]), b.key(all[i + 1])) ? -1 : all[i]);
    }
    return kept;
  }

  @Test
  void putsAreOrderedByKeyAndOnlyEachKeysLastPutIsKept() {
    for (int n : new int[] {0, 1, 2, 17, 300, 5000, 40000}) {
      StateStore.Batch b = awkwardBatch(n, n);
      int[] order = RocksStateStore.keyOrder(keys(b));
      assertEquals(expectedOrder(b), java.util.Arrays.stream(order).boxed().toList(), "n=" + n);
    }
  }

  @Test
  void keysThatDifferInOneBitAnywhereAreOrdered() {
    // every 40-byte key with a single bit set after its kind byte, twice, the all-zero key, and
    // short keys: keys that tie on all but one bit reach every pass of the sort
    for (int n : new int[] {100, 3000, 70000}) {
      java.util.Random r = new java.util.Random(n);
      StateStore.Batch b = new StateStore.Batch(0, Digest.of(new byte[Digest.LENGTH]));
      List<byte[]> keys = new java.util.ArrayList<>();
      for (int copy = 0; copy < 2; copy++) {
        for (int at = 8; at < 320; at++) {
          byte[] k = new byte[40];
          k[0] = 't';
          k[at / 8] = (byte) (0x80 >>> (at % 8));
          keys.add(k);
        }
      }
      byte[] zero = new byte[40];
      zero[0] = 't';
      keys.add(zero);
      while (keys.size() < n) {
        byte[] k = new byte[1 + r.nextInt(48)];
        r.nextBytes(k);
        k[0] = (byte) (r.nextBoolean() ? 't' : 1 + r.nextInt(255));
        keys.add(k);
      }
      java.util.Collections.shuffle(keys, r);
      for (byte[] k : keys) {
        b.put(k, new byte[] {1});
      }
      assertEquals(expectedOrder(b), java.util.Arrays.stream(RocksStateStore.keyOrder(keys(b))).boxed().toList(), "n=" + n);
    }
  }

  @Test
  void theSerializedBatchIsWhatRocksDbBuildsFromTheSamePuts() throws Exception {
    org.rocksdb.RocksDB.loadLibrary();
    for (int n : new int[] {0, 1, 300, 5000}) {
      StateStore.Batch b = awkwardBatch(1000 + n, n);
      byte[][] keys = keys(b);
      int[] order = RocksStateStore.keyOrder(keys);
      byte[] meta = new byte[40];
      meta[3] = 7;
      byte[] ours = RocksStateStore.serialized(RocksStateStore.inKeyOrder(b, keys, order), meta, false);
      try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch()) {
        for (int i : expectedOrder(b)) {
          if (i >= 0) {
            wb.put(b.key(i), b.value(i));
          }
        }
        wb.put(new byte[] {0}, meta);
        assertEquals(java.util.HexFormat.of().formatHex(wb.data()), java.util.HexFormat.of().formatHex(ours), "n=" + n);
      }
    }
  }

  /** Puts in the given order, each key and value in an array of their own after some other bytes. */
  private static io.medledger.internal.SortedPuts puts(List<byte[]> keys, List<byte[]> values) {
    List<byte[]> arrays = new java.util.ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      byte[] a = new byte[3 + keys.get(i).length + values.get(i).length];
      System.arraycopy(keys.get(i), 0, a, 3, keys.get(i).length);
      System.arraycopy(values.get(i), 0, a, 3 + keys.get(i).length, values.get(i).length);
      arrays.add(a);
    }
    return new io.medledger.internal.SortedPuts() {
      @Override
      public int size() {
        return keys.size();
      }

      @Override
      public byte[] keyArray(int i) {
        return arrays.get(i);
      }

      @Override
      public int keyOffset(int i) {
        return 3;
      }

      @Override
      public int keyLength(int i) {
        return keys.get(i).length;
      }

      @Override
      public byte[] valueArray(int i) {
        return arrays.get(i);
      }

      @Override
      public int valueOffset(int i) {
        return 3 + keys.get(i).length;
      }

      @Override
      public int valueLength(int i) {
        return values.get(i).length;
      }
    };
  }

  @Test
  void sortedPutsAreWrittenAsTheirBatchWouldBeAndCheckedBeforeAnyWrite() {
    StateStore.Batch b = awkwardBatch(99, 4000);
    List<byte[]> keys = new java.util.ArrayList<>();
    List<byte[]> values = new java.util.ArrayList<>();
    for (int i : expectedOrder(b)) {
      if (i >= 0) {
        keys.add(b.key(i));
        values.add(b.value(i));
      }
    }
    byte[] meta = new byte[40];
    meta[5] = 3;
    byte[][] all = keys(b);
    assertEquals(java.util.HexFormat.of().formatHex(RocksStateStore.serialized(RocksStateStore.inKeyOrder(b, all, RocksStateStore.keyOrder(all)), meta, false)),
        java.util.HexFormat.of().formatHex(RocksStateStore.serialized(puts(keys, values), meta, true)));
    Digest tip = Digest.of(new byte[Digest.LENGTH]);
    byte[] absent = new byte[64]; // after every key of the batch, so that only the fault refuses
    java.util.Arrays.fill(absent, (byte) 0xff);
    try (RocksStateStore s = RocksStateStore.open(tmp.resolve("sorted"))) {
      List<byte[]> swapped = new java.util.ArrayList<>(keys);
      java.util.Collections.swap(swapped, 10, 11);
      List<byte[]> firstTwo = new java.util.ArrayList<>(keys);
      java.util.Collections.swap(firstTwo, 0, 1);
      List<byte[]> twice = new java.util.ArrayList<>(keys);
      twice.set(11, twice.get(10));
      List<byte[]> zero = new java.util.ArrayList<>(keys);
      zero.set(0, new byte[] {0, 1});
      for (List<byte[]> bad : List.of(swapped, firstTwo, twice, zero)) {
        List<byte[]> withAbsent = new java.util.ArrayList<>(bad);
        withAbsent.add(absent);
        List<byte[]> vs = new java.util.ArrayList<>(values);
        vs.add(new byte[] {1});
        assertThrows(IllegalArgumentException.class, () -> s.commitSorted(0, 0, tip, puts(withAbsent, vs)));
        assertEquals(-1, s.height());
        assertNull(s.get(absent));
      }
      assertThrows(IllegalArgumentException.class, () -> s.commitSorted(1, 1, tip, puts(keys, values)));
      s.commitSorted(0, 4, tip, puts(keys, values));
      assertEquals(4, s.height());
      assertEquals(tip, s.tip().orElseThrow());
      assertThrows(IllegalArgumentException.class, () -> s.commitSorted(4, 5, tip, puts(List.of(), List.of())));
    }
    try (RocksStateStore s = RocksStateStore.open(tmp.resolve("sorted"))) {
      assertEquals(4, s.height());
      for (int i = 0; i < keys.size(); i++) {
        assertEquals(java.util.HexFormat.of().formatHex(values.get(i)), java.util.HexFormat.of().formatHex(s.get(keys.get(i))), "put " + i);
      }
    }
  }

  @Test
  void aCommittedBatchReadsBackEachKeysLastPut() {
    Path dir = tmp.resolve("state");
    StateStore.Batch b = awkwardBatch(7, 3000);
    java.util.Map<String, byte[]> last = new java.util.HashMap<>();
    for (int i = 0; i < b.size(); i++) {
      last.put(java.util.HexFormat.of().formatHex(b.key(i)), b.value(i));
    }
    try (RocksStateStore s = RocksStateStore.open(dir)) {
      s.commit(b);
      assertEquals(0, s.height());
      for (var e : last.entrySet()) {
        assertEquals(java.util.HexFormat.of().formatHex(e.getValue()),
            java.util.HexFormat.of().formatHex(s.get(java.util.HexFormat.of().parseHex(e.getKey()))), e.getKey());
      }
    }
  }

  @Test
  void eachMemtableInsertStartsWhereTheLastKeyOfItsKindWent() throws Exception {
    Path dir = tmp.resolve("state");
    try (RocksStateStore s = RocksStateStore.open(dir)) {
      s.commit(awkwardBatch(3, 500));
      List<Path> written = files(dir).stream().filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
          .sorted().toList();
      assertFalse(written.isEmpty(), "RocksDB wrote its options file");
      String options = Files.readString(written.get(written.size() - 1)); // the latest
      assertTrue(options.contains("memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.1"), options);
      // the options set after the parsed one are kept with it
      assertTrue(options.contains("write_buffer_size=33554432"), "memtable size");
      assertTrue(options.contains("compression=kNoCompression"), "no compression");
      assertTrue(options.contains("memtable_whole_key_filtering=true"), "memtable filter");
    }
  }
}
