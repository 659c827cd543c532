package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block store's bounds at their edges (written against mutants that survived the storage
 * mutation run): a block of exactly the maximum size, a frame that exactly fills a segment, a
 * first block larger than a segment, the messages of a closed store and of an index out of range,
 * and reopening in the same process after close.
 */
class FileBlockStoreBoundsTest {
  private static final int MAX = 2000;
  private static final FileBlockStore.Options O =
      FileBlockStore.Options.defaults().withSegmentSize(1024).withMaxBlockSize(MAX);

  @TempDir
  Path dir;

  private static byte[] block(int len, int fill) {
    byte[] b = new byte[len];
    Arrays.fill(b, (byte) fill);
    return b;
  }

  @Test
  void aBlockOfExactlyTheMaximumSizeIsStoredReadAndReopened() {
    try (FileBlockStore s = FileBlockStore.open(dir, O)) {
      assertEquals(0, s.append(block(MAX, 1)));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(block(MAX + 1, 2)));
      assertTrue(e.getMessage().contains("exceeds the maximum block size " + MAX), e.getMessage());
      assertArrayEquals(block(MAX, 1), s.read(0));
    }
    try (FileBlockStore s = FileBlockStore.open(dir, O.withVerifyAllOnOpen(true))) {
      assertEquals(1, s.size());
      assertArrayEquals(block(MAX, 1), s.read(0));
    }
  }

  @Test
  void aFirstBlockLargerThanTheSegmentStaysInTheFirstSegment() {
    try (FileBlockStore s = FileBlockStore.open(dir, O)) {
      s.append(block(1500, 3));
      assertEquals(1, s.segmentCount(), "an empty segment is never left behind");
      s.append(block(10, 4));
      assertEquals(2, s.segmentCount());
    }
    try (FileBlockStore s = FileBlockStore.open(dir, O)) {
      assertEquals(2, s.size());
      assertEquals(2, s.segmentCount());
    }
  }

  @Test
  void aFrameThatExactlyFillsTheSegmentStaysInIt() {
    int overhead = Frames.OVERHEAD;
    try (FileBlockStore s = FileBlockStore.open(dir, O)) {
      s.append(block(500 - overhead, 5));
      s.append(block(1024 - 500 - overhead, 6)); // ends exactly at 1024
      assertEquals(1, s.segmentCount());
      s.append(block(0, 0));
      assertEquals(2, s.segmentCount());
    }
    try (FileBlockStore s = FileBlockStore.open(dir, O)) {
      assertEquals(3, s.size());
      assertArrayEquals(block(1024 - 500 - overhead, 6), s.read(1));
    }
  }

  @Test
  void optionRangesIncludeTheirEnds() {
    new FileBlockStore.Options(1024, 0, false);
    new FileBlockStore.Options(1L << 40, Integer.MAX_VALUE - 64, false);
    assertThrows(IllegalArgumentException.class, () -> new FileBlockStore.Options(1023, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new FileBlockStore.Options((1L << 40) + 1, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new FileBlockStore.Options(1024, -1, false));
    assertThrows(IllegalArgumentException.class, () -> new FileBlockStore.Options(1024, Integer.MAX_VALUE - 63, false));
  }

  @Test
  void aClosedStoreSaysSoAndCanBeReopenedInTheSameProcess() {
    FileBlockStore s = FileBlockStore.open(dir, O);
    s.append(block(5, 7));
    IndexOutOfBoundsException oob = assertThrows(IndexOutOfBoundsException.class, () -> s.read(1));
    assertEquals("block index 1 outside 0..0", oob.getMessage());
    s.close();
    StoreException e = assertThrows(StoreException.class, () -> s.read(0));
    assertTrue(e.getMessage().endsWith("is closed"), e.getMessage());
    e = assertThrows(StoreException.class, () -> s.append(block(1, 1)));
    assertTrue(e.getMessage().endsWith("is closed"), e.getMessage());
    s.close();
    try (FileBlockStore again = FileBlockStore.open(dir, O)) {
      assertArrayEquals(block(5, 7), again.read(0));
    }
  }
}
