package io.medledger.storage;

import static io.medledger.storage.BlockStoreContractTest.block;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, findings 4 and 8: the read-only open mode, and owner-only files. */
class FileBlockStoreReadOnlyTest {
  private static final FileBlockStore.Options SMALL =
      FileBlockStore.Options.defaults().withSegmentSize(1024).withMaxBlockSize(4096);

  @TempDir
  Path dir;

  /** Every file of the directory with its bytes. */
  private static Map<String, byte[]> snapshot(Path d) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.list(d)) {
      for (Path p : s.toList()) {
        m.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  private static void assertSameFiles(Map<String, byte[]> want, Map<String, byte[]> got) {
    assertEquals(want.keySet(), got.keySet());
    want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
  }

  private Path lastSegment() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  void aTornTailIsReportedAndLeftInPlace() throws IOException {
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      for (int i = 0; i < 5; i++) {
        s.append(block(i, 300));
      }
    }
    // a crash inside the next append: the start of a frame header
    Files.write(lastSegment(), new byte[] {Frames.MAGIC, 0, 0, 1}, StandardOpenOption.APPEND);
    Map<String, byte[]> before = snapshot(dir);

    try (FileBlockStore ro = FileBlockStore.openReadOnly(dir, SMALL)) {
      assertTrue(ro.isReadOnly());
      assertEquals(5, ro.size());
      assertEquals(4, ro.droppedTailBytes());
      assertArrayEquals(block(4, 300), ro.read(4));
      assertThrows(StoreException.class, () -> ro.append(block(9, 10)));
      // one open per process, as for writers (closing a second channel would drop the OS lock)
      StoreException twice = assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(dir, SMALL));
      assertTrue(twice.getMessage().contains("already open"), twice.getMessage());
    }
    assertSameFiles(before, snapshot(dir));

    // a read-write open recovers: the tail is cut
    try (FileBlockStore rw = FileBlockStore.open(dir, SMALL)) {
      assertEquals(4, rw.droppedTailBytes());
      assertFalse(rw.isReadOnly());
    }
    assertEquals(before.get(lastSegment().getFileName().toString()).length - 4, Files.size(lastSegment()));
  }

  @Test
  void readOnlyCreatesNothing() throws IOException {
    Path missing = dir.resolve("missing");
    assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(missing));
    assertFalse(Files.exists(missing));
    try (FileBlockStore empty = FileBlockStore.openReadOnly(dir)) {
      assertEquals(0, empty.size());
      assertEquals(0, empty.segmentCount());
    }
    assertEquals(Map.of(), snapshot(dir), "no LOCK file, no segment");
  }

  @Test
  void readOnlyIsRefusedWhileAWriterHoldsTheStore() {
    try (FileBlockStore rw = FileBlockStore.open(dir)) {
      rw.append(block(1, 10));
      assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(dir));
    }
    try (FileBlockStore ro = FileBlockStore.openReadOnly(dir)) {
      assertEquals(1, ro.size());
    }
  }

  @Test
  void directoryAndFilesAreOwnerOnly() throws IOException {
    Path store = dir.resolve("a").resolve("store");
    try (FileBlockStore s = FileBlockStore.open(store, SMALL)) {
      for (int i = 0; i < 6; i++) {
        s.append(block(i, 400));
      }
      assertTrue(s.segmentCount() > 1);
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.getParent())));
    try (Stream<Path> s = Files.list(store)) {
      for (Path p : s.toList()) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
      }
    }
  }

  @Test
  void aPipeInPlaceOfASegmentOrTheLockIsRefusedNotWaitedOn() throws Exception {
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      for (int i = 0; i < 5; i++) {
        s.append(block(i, 300));
      }
    }
    // a store copied from a mirror (chain verify --store), where a named pipe took a segment's
    // place: opening it to read waited for a writer for ever
    Path seg = lastSegment();
    Files.delete(seg);
    assumeTrue(TestFiles.fifo(seg), "mkfifo");
    StoreCorruptedException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
        () -> assertThrows(StoreCorruptedException.class, () -> FileBlockStore.openReadOnly(dir, SMALL)));
    assertTrue(e.getMessage().contains(seg.getFileName().toString()) && e.getMessage().contains("not a regular file"),
        e.getMessage());
    assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    Files.delete(seg);
    Files.delete(dir.resolve("LOCK"));
    assumeTrue(TestFiles.fifo(dir.resolve("LOCK")), "mkfifo");
    StoreException l = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
        () -> assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(dir, SMALL)));
    assertTrue(l.getMessage().contains("LOCK") && l.getMessage().contains("not a regular file"), l.getMessage());
  }

  /**
   * The last segment (which recovery cuts to its last whole frame and appends to) replaced by a
   * symbolic link to a file out of the store, or the lock file by one: opening followed the link,
   * so it cut and then appended to whatever file the link named.
   */
  @Test
  void aSymbolicLinkInPlaceOfASegmentOrTheLockIsRefusedAndNothingOutOfTheStoreIsTouched(@TempDir Path outside)
      throws Exception {
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      for (int i = 0; i < 5; i++) {
        s.append(block(i, 300));
      }
    }
    Path seg = lastSegment();
    byte[] whole = Files.readAllBytes(seg);
    byte[] torn = java.util.Arrays.copyOf(whole, whole.length + 3); // a torn frame header to cut
    torn[whole.length] = (byte) 0xB1;
    Path target = Files.write(outside.resolve("not-a-segment"), torn);
    Files.delete(seg);
    Files.createSymbolicLink(seg, target);
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertTrue(e.getMessage().contains(seg.getFileName().toString()) && e.getMessage().contains("symbolic link"),
        e.getMessage());
    assertArrayEquals(torn, Files.readAllBytes(target), "the file the link names is neither cut nor written");
    assertThrows(StoreCorruptedException.class, () -> FileBlockStore.openReadOnly(dir, SMALL));
    Files.delete(seg);
    Files.write(seg, whole);
    Path lockTarget = Files.write(outside.resolve("not-a-lock"), new byte[] {1});
    Files.delete(dir.resolve("LOCK"));
    Files.createSymbolicLink(dir.resolve("LOCK"), lockTarget);
    StoreCorruptedException l = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertTrue(l.getMessage().contains("LOCK") && l.getMessage().contains("symbolic link"), l.getMessage());
    Files.delete(dir.resolve("LOCK"));
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      assertEquals(5, s.size(), "the store itself is whole");
    }
  }
}
