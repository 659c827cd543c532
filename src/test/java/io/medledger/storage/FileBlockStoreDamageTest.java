package io.medledger.storage;

import static io.medledger.storage.BlockStoreContractTest.block;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage the recovery scan and a read must name exactly, and the release of everything an open
 * took, also when the open fails (written against mutants that survived the storage mutation run):
 * an empty segment before the last, a wrong magic byte in the last few bytes, a header or length
 * damaged after the store was opened, a segment cut short under an open store.
 */
class FileBlockStoreDamageTest {
  private static final FileBlockStore.Options SMALL =
      FileBlockStore.Options.defaults().withSegmentSize(1024).withMaxBlockSize(4096);

  @TempDir
  Path dir;

  /** Three segments: blocks 0-2 (300 bytes each), 3-5 and 6. */
  private void fillThreeSegments() {
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      for (int i = 0; i < 7; i++) {
        s.append(block(i, 300));
      }
      assertEquals(3, s.segmentCount());
    }
  }

  private Path segment(long base) {
    return dir.resolve(FileBlockStore.segmentName(base));
  }

  private static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes);
    }
  }

  private static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0xff);
    }
  }

  @Test
  void anEmptySegmentBeforeTheLastIsNamedAtItsStart() throws IOException {
    fillThreeSegments();
    try (FileChannel ch = FileChannel.open(segment(3), StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertEquals(segment(3).toAbsolutePath(), e.segment());
    assertEquals(0, e.offset());
    assertTrue(e.getMessage().contains("empty segment before the last one"), e.getMessage());
  }

  @Test
  void aWrongMagicByteInTheLastFewBytesIsCorruptionNotATornTail() throws IOException {
    fillThreeSegments();
    long end = Files.size(segment(6));
    Files.write(segment(6), new byte[] {0x42, 0, 0}, StandardOpenOption.APPEND);
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertEquals(end, e.offset());
    assertTrue(e.getMessage().contains("bad frame magic 0x42"), e.getMessage());
    assertEquals(end + 3, Files.size(segment(6)), "nothing was cut");
  }

  @Test
  void aHeaderDamagedAfterOpeningIsFoundOnRead() throws IOException {
    fillThreeSegments();
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      flip(segment(0), 313 + 6); // block 1's header check; length and payload intact
      StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> s.read(1));
      assertEquals(313, e.offset());
      assertTrue(e.getMessage().contains("frame header checksum mismatch on read of block 1"), e.getMessage());
      assertArrayEquals(block(0, 300), s.read(0));
    }
  }

  @Test
  void aLengthBeyondTheBoundWrittenAfterOpeningIsFoundOnReadBeforeAllocating() throws IOException {
    fillThreeSegments();
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      for (int len : new int[] {4097, -1}) {
        byte[] h = new byte[Frames.HEADER];
        Frames.header(len, h); // a consistent header announcing a length the store never writes
        writeAt(segment(3), 0, h);
        StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> s.read(3));
        assertTrue(e.getMessage().contains("frame length " + Integer.toUnsignedString(len)
            + " exceeds the maximum block size on read of block 3"), e.getMessage());
      }
    }
  }

  @Test
  void aSegmentCutShortUnderAnOpenStoreFailsTheReadNamingTheOffset() throws IOException {
    fillThreeSegments();
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      try (FileChannel ch = FileChannel.open(segment(3), StandardOpenOption.WRITE)) {
        ch.truncate(313 + 100);
      }
      StoreException e = assertThrows(StoreException.class, () -> s.read(4));
      assertTrue(e.getMessage().contains("unexpected end of file at offset " + (313 + 100)), e.getMessage());
      assertArrayEquals(block(3, 300), s.read(3));
    }
  }

  @Test
  void aClosedStoreRefusesEveryReadAndAMissingDirectoryIsNamed() throws IOException {
    fillThreeSegments();
    FileBlockStore s = FileBlockStore.open(dir, SMALL);
    assertEquals(dir.toRealPath(), s.directory());
    assertEquals(SMALL, s.options());
    assertEquals("FileBlockStore[" + dir.toRealPath() + ", 7 blocks, 3 segments]", s.toString());
    s.close();
    for (long i : new long[] {0, 7, -1}) {
      StoreException e = assertThrows(StoreException.class, () -> s.read(i));
      assertTrue(e.getMessage().endsWith("is closed") && e.getCause() == null, e.getMessage());
    }
    Path missing = dir.resolve("missing");
    StoreException e = assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(missing));
    assertEquals("no block store directory " + missing, e.getMessage());
  }

  /**
   * The files this process holds open in the store's directory: only those, because threads left
   * by other tests of the same JVM open and close files of their own at any moment.
   */
  private long openFiles() throws IOException {
    Path real = dir.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).startsWith(real);
        } catch (IOException | UnsupportedOperationException e) {
          return false; // closed since listed, or not a link
        }
      }).count();
    }
  }

  @Test
  void closingAndAFailedOpenReleaseEveryFileAndTheLock() throws IOException {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
    fillThreeSegments();
    long before = openFiles();
    FileBlockStore s = FileBlockStore.open(dir, SMALL);
    assertTrue(openFiles() >= before + 4, "a lock file and three segments are open");
    s.close();
    assertEquals(before, openFiles(), "close releases every file");

    // damage the last segment so that the open fails after opening the lock file and every segment
    Files.write(segment(6), new byte[] {0x42}, StandardOpenOption.APPEND);
    assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertEquals(before, openFiles(), "a failed open releases every file it opened");
    try (FileChannel ch = FileChannel.open(segment(6), StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 1);
    }
    try (FileBlockStore again = FileBlockStore.open(dir, SMALL)) {
      assertEquals(7, again.size());
    }
  }
}
