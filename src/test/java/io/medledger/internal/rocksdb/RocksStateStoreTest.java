package io.medledger.internal.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * RocksDB's own puts would build.
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
      // the listener runs after the flush completes
      Thread.sleep(500);
      assertOwnerOnly(dir);
    }
    // reopening (which recovers the write-ahead log into a new table file) keeps them so
    try (RocksStateStore s = RocksStateStore.open(dir)) {
      assertEquals(39, s.height());
      assertOwnerOnly(dir);
    }
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
      byte[] ours = RocksStateStore.serialized(b, keys, order, meta);
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
}
