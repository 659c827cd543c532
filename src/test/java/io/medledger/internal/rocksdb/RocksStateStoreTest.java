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
      switch (r.nextInt(6)) {
        case 0 -> { // a header-like key: kind then a big-endian counter, ties in the first 8 bytes
          k = java.nio.ByteBuffer.allocate(9).put((byte) 'H').putLong(r.nextInt(50)).array();
        }
        case 1 -> { // short keys, shorter than a head
          k = new byte[1 + r.nextInt(7)];
          r.nextBytes(k);
          k[0] = (byte) (1 + r.nextInt(3));
        }
        case 2 -> { // a long shared prefix, differing far in
          k = new byte[40];
          k[0] = 't';
          k[39] = (byte) r.nextInt(4);
          k[20] = (byte) r.nextInt(2);
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

  @Test
  void putsAreOrderedByKeyAndEqualKeysKeepTheirOrder() {
    for (int n : new int[] {0, 1, 2, 17, 300, 5000}) {
      StateStore.Batch b = awkwardBatch(n, n);
      Integer[] expected = new Integer[n];
      for (int i = 0; i < n; i++) {
        expected[i] = i;
      }
      java.util.Arrays.sort(expected, (x, y) -> java.util.Arrays.compareUnsigned(b.key(x), b.key(y))); // stable
      int[] order = RocksStateStore.keyOrder(b);
      assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(order), "n=" + n);
    }
  }

  @Test
  void theSerializedBatchIsWhatRocksDbBuildsFromTheSamePuts() throws Exception {
    org.rocksdb.RocksDB.loadLibrary();
    for (int n : new int[] {0, 1, 300, 5000}) {
      StateStore.Batch b = awkwardBatch(1000 + n, n);
      int[] order = RocksStateStore.keyOrder(b);
      byte[] meta = new byte[40];
      meta[3] = 7;
      byte[] ours = RocksStateStore.serialized(b, order, meta);
      try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch()) {
        java.util.Set<String> later = new java.util.HashSet<>();
        for (int i = order.length - 1; i >= 0; i--) { // the last put of each key, in key order
          if (later.add(java.util.HexFormat.of().formatHex(b.key(order[i])))) {
            continue;
          }
          order[i] = -1;
        }
        for (int i : order) {
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
