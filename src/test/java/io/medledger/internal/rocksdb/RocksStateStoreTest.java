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

/** The RocksDB state store keeps its files owner-only, whatever the umask. */
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
}
