package io.medledger.storage;

import static io.medledger.storage.BlockStoreContractTest.block;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockStoreTest {
  private static final FileBlockStore.Options SMALL =
      FileBlockStore.Options.defaults().withSegmentSize(1024).withMaxBlockSize(4096);

  @TempDir
  Path tmp;

  /**
   * The byte sweeps below try every offset; with fewer seeds (the {@code mutation} profile sets 3)
   * they try every header and trailer byte but only every 7th payload byte, so a mutation run
   * stays in minutes. (7 is prime to 8, so the flipped bit still varies.)
   */
  private static final int PAYLOAD_STRIDE = Integer.getInteger("medledger.test.seeds", 200) < 200 ? 7 : 1;

  /** Whether a sweep tries offset {@code off} of the frame {@code [start, end)}. */
  private static boolean swept(long off, long start, long end) {
    return off < start + Frames.HEADER || off >= end - Frames.TRAILER || off % PAYLOAD_STRIDE == 0;
  }

  /** Block sizes of the small test stores: 3 segments of 1 KiB (blocks 0-4, 5-9, 10-11). */
  private static final int[] SIZES = {100, 200, 0, 300, 150, 250, 120, 80, 400, 60, 500, 90};

  /** Where the store puts each block, by the documented roll rule: {segment ordinal, offset}. */
  private static long[][] layout(int[] sizes, long segmentSize) {
    long[][] out = new long[sizes.length][];
    int seg = 0;
    long end = 0;
    for (int i = 0; i < sizes.length; i++) {
      long frame = 13 + sizes[i];
      if (end > 0 && end + frame > segmentSize) {
        seg++;
        end = 0;
      }
      out[i] = new long[] {seg, end};
      end += frame;
    }
    return out;
  }

  private static List<byte[]> fill(Path dir, FileBlockStore.Options o, int[] sizes) {
    List<byte[]> blocks = new ArrayList<>();
    try (FileBlockStore s = FileBlockStore.open(dir, o)) {
      for (int i = 0; i < sizes.length; i++) {
        byte[] b = block(i, sizes[i]);
        blocks.add(b);
        s.append(b);
      }
    }
    return blocks;
  }

  private static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> st = Files.list(dir)) {
      return st.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
    }
  }

  private static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> st = Files.list(from)) {
      for (Path p : st.toList()) {
        Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void deleteDir(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> st = Files.list(dir)) {
        for (Path p : st.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  private static void truncate(Path file, long length) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(length);
    }
  }

  @Test
  void reopenKeepsEverythingAndRollsSegments() throws IOException {
    Path dir = tmp.resolve("s");
    List<byte[]> blocks = fill(dir, SMALL, SIZES);
    assertEquals(3, segments(dir).size());
    assertEquals(List.of("00000000000000000000.seg", "00000000000000000005.seg", "00000000000000000010.seg"),
        segments(dir).stream().map(p -> p.getFileName().toString()).toList());
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL.withVerifyAllOnOpen(true))) {
      assertEquals(SIZES.length, s.size());
      assertEquals(3, s.segmentCount());
      assertEquals(0, s.droppedTailBytes());
      for (int i = 0; i < SIZES.length; i++) {
        assertArrayEquals(blocks.get(i), s.read(i));
      }
      byte[] big = block(99, 3000); // larger than a segment: gets a segment of its own
      assertEquals(SIZES.length, s.append(big));
      assertEquals(4, s.segmentCount());
      assertThrows(IllegalArgumentException.class, () -> s.append(new byte[4097]));
    }
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      assertEquals(SIZES.length + 1, s.size());
      assertArrayEquals(block(99, 3000), s.read(SIZES.length));
    }
  }

  /**
   * A crash during the last append leaves any prefix of its frame on disk. Truncating the last
   * segment at every offset within the last frame must reopen with every earlier block intact,
   * and appends must work again.
   */
  @Test
  void crashAtEveryOffsetOfTheLastWrite() throws IOException {
    // last block alone at the start of a fresh segment, and last block after others in its segment
    crashSweep(new int[] {100, 200, 0, 300, 150, 250, 120, 80, 400, 60, 500, 90, 450});
    crashSweep(SIZES);
  }

  private void crashSweep(int[] sizes) throws IOException {
    Path pristine = tmp.resolve("pristine" + sizes.length);
    List<byte[]> blocks = fill(pristine, SMALL, sizes);
    long[][] layout = layout(sizes, 1024);
    boolean alone = layout[sizes.length - 1][1] == 0;
    assertEquals(sizes.length != SIZES.length, alone, "the sweep covers both layouts");
    Path lastSeg = segments(pristine).get(segments(pristine).size() - 1);
    long full = Files.size(lastSeg);
    int lastLen = sizes[sizes.length - 1];
    long frameStart = full - 13 - lastLen;
    Path work = tmp.resolve("work");
    for (long cut = frameStart; cut <= full; cut++) {
      if (!swept(cut, frameStart, full)) {
        continue;
      }
      deleteDir(work);
      copyDir(pristine, work);
      truncate(work.resolve(lastSeg.getFileName()), cut);
      int expected = cut == full ? sizes.length : sizes.length - 1;
      try (FileBlockStore s = FileBlockStore.open(work, SMALL)) {
        assertEquals(expected, s.size(), "cut at " + cut);
        assertEquals(cut == full ? 0 : cut - frameStart, s.droppedTailBytes());
        for (int i = 0; i < expected; i++) {
          assertArrayEquals(blocks.get(i), s.read(i), "block " + i + " after cut at " + cut);
        }
        assertEquals(expected, s.append(block(1000, 77)));
      }
      try (FileBlockStore s = FileBlockStore.open(work, SMALL.withVerifyAllOnOpen(true))) {
        assertEquals(expected + 1, s.size());
        assertArrayEquals(block(1000, 77), s.read(expected));
        assertArrayEquals(blocks.get(expected - 1), s.read(expected - 1));
      }
    }
  }

  @Test
  void zeroFilledTailIsDroppedButGarbageIsNot() throws IOException {
    Path dir = tmp.resolve("z");
    List<byte[]> blocks = fill(dir, SMALL, new int[] {10, 20, 30});
    Path seg = segments(dir).get(0);
    long good = Files.size(seg);
    Files.write(seg, new byte[500], StandardOpenOption.APPEND);
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      assertEquals(3, s.size());
      assertEquals(500, s.droppedTailBytes());
      assertArrayEquals(blocks.get(2), s.read(2));
    }
    assertEquals(good, Files.size(seg));
    byte[] junk = new byte[40];
    junk[17] = 5;
    Files.write(seg, junk, StandardOpenOption.APPEND);
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertEquals(seg.toAbsolutePath(), e.segment());
    assertEquals(good, e.offset());
    assertTrue(e.getMessage().contains(seg.getFileName().toString()) && e.getMessage().contains("offset " + good), e.getMessage());
  }

  /**
   * One bit flipped in every byte of every segment, in turn: never a wrong block, never a silently
   * dropped block. With default options the damage is found at open (last segment, any header)
   * or when the damaged block is read; with verifyAllOnOpen always at open. The exception names
   * the file and the start of the damaged frame.
   */
  @Test
  void everyBitFlipIsDetected() throws IOException {
    Path pristine = tmp.resolve("flip");
    List<byte[]> blocks = fill(pristine, SMALL, SIZES);
    List<Path> segs = segments(pristine);
    assertEquals(3, segs.size());
    long[][] layout = layout(SIZES, 1024);
    Path work = tmp.resolve("flipwork");
    int atOpen = 0;
    int atRead = 0;
    for (int sgi = 0; sgi < segs.size(); sgi++) {
      String name = segs.get(sgi).getFileName().toString();
      long len = Files.size(segs.get(sgi));
      for (long off = 0; off < len; off++) {
        int damagedBlock = -1;
        for (int i = 0; i < SIZES.length; i++) {
          if (layout[i][0] == sgi && layout[i][1] <= off) {
            damagedBlock = i;
          }
        }
        long frameStart = layout[damagedBlock][1];
        if (!swept(off, frameStart, frameStart + Frames.OVERHEAD + SIZES[damagedBlock])) {
          continue;
        }
        deleteDir(work);
        copyDir(pristine, work);
        Path f = work.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
          raf.seek(off);
          int b = raf.read();
          raf.seek(off);
          raf.write(b ^ (1 << (int) (off % 8)));
        }
        String where = name + " byte " + off;
        StoreCorruptedException strict = assertThrows(StoreCorruptedException.class,
            () -> FileBlockStore.open(work, SMALL.withVerifyAllOnOpen(true)).close(), where);
        assertEquals(f.toAbsolutePath(), strict.segment(), where);
        assertEquals(frameStart, strict.offset(), where);
        try (FileBlockStore s = FileBlockStore.open(work, SMALL)) {
          assertEquals(SIZES.length, s.size(), where);
          boolean detected = false;
          for (int i = 0; i < SIZES.length; i++) {
            try {
              assertArrayEquals(blocks.get(i), s.read(i), where);
            } catch (StoreCorruptedException e) {
              assertEquals(damagedBlock, i, where);
              assertEquals(frameStart, e.offset(), where);
              detected = true;
            }
          }
          assertTrue(detected, "flip not detected: " + where);
          atRead++;
        } catch (StoreCorruptedException e) {
          assertEquals(f.toAbsolutePath(), e.segment(), where);
          assertEquals(frameStart, e.offset(), where);
          atOpen++;
        }
      }
    }
    // headers everywhere and the whole last segment are checked at open, payloads of earlier segments on read
    assertTrue(atOpen > 0 && atRead > 0, atOpen + " " + atRead);
  }

  @Test
  void aRangeReadChecksTheFrameHeaderAndLeavesThePayloadToTheCaller() throws IOException {
    Path dir = tmp.resolve("range");
    List<byte[]> blocks = fill(dir, SMALL, SIZES);
    long[][] layout = layout(SIZES, 1024);
    Path seg0 = segments(dir).get(0);
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      for (int i = 0; i < SIZES.length; i++) {
        assertArrayEquals(java.util.Arrays.copyOfRange(blocks.get(i), SIZES[i] / 2, SIZES[i]),
            s.readRange(i, SIZES[i] / 2, SIZES[i] - SIZES[i] / 2));
      }
      // damage made while the store is open: a payload byte of block 1, then the header of block 3
      flip(seg0, layout[1][1] + 9 + 50);
      byte[] range = s.readRange(1, 40, 20);
      assertEquals((byte) (blocks.get(1)[50] ^ 1), range[10], "the range is not checksummed: the caller checks it");
      StoreCorruptedException whole = assertThrows(StoreCorruptedException.class, () -> s.read(1));
      assertEquals(layout[1][1], whole.offset());
      flip(seg0, layout[3][1] + 2);
      StoreCorruptedException header = assertThrows(StoreCorruptedException.class, () -> s.readRange(3, 0, 1));
      assertEquals(seg0.toAbsolutePath(), header.segment());
      assertEquals(layout[3][1], header.offset());
    }
  }

  private static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 1);
    }
  }

  @Test
  void midStoreDamageRefusesToOpen() throws IOException {
    Path dir = tmp.resolve("mid");
    fill(dir, SMALL, SIZES);
    List<Path> segs = segments(dir);
    // a truncated segment that is not the last
    Path work = tmp.resolve("mid1");
    copyDir(dir, work);
    truncate(work.resolve(segs.get(1).getFileName()), Files.size(segs.get(1)) - 1);
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(work, SMALL));
    assertEquals(work.resolve(segs.get(1).getFileName()).toAbsolutePath(), e.segment());
    long[][] layout = layout(SIZES, 1024);
    assertEquals(layout[9][1], e.offset(), "the last frame of segment 1 is cut");
    // a missing segment
    Path work2 = tmp.resolve("mid2");
    copyDir(dir, work2);
    Files.delete(work2.resolve(segs.get(1).getFileName()));
    e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(work2, SMALL));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
    // a stray file that looks like a segment
    Path work3 = tmp.resolve("mid3");
    copyDir(dir, work3);
    Files.write(work3.resolve("7.seg"), new byte[0]);
    assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(work3, SMALL));
  }

  private static byte[] header(int length) {
    byte[] h = new byte[9];
    Frames.header(length, h);
    return h;
  }

  @Test
  void oversizeLengthFieldsAreRejectedWithoutAllocating() throws IOException {
    for (int len : new int[] {0x7FFFFFF0, -1, 4097}) {
      Path dir = tmp.resolve("big" + Integer.toHexString(len));
      fill(dir, SMALL, new int[] {10});
      Path seg = segments(dir).get(0);
      byte[] frame = new byte[9 + 100];
      System.arraycopy(header(len), 0, frame, 0, 9);
      Files.write(seg, frame, StandardOpenOption.APPEND);
      StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
      assertTrue(e.getMessage().contains("exceeds the maximum block size"), e.getMessage());
      assertEquals(23, e.offset());
    }
    // the same length fields with the default 64 MiB bound
    Path dir = tmp.resolve("bigdefault");
    fill(dir, FileBlockStore.Options.defaults(), new int[] {10});
    Files.write(segments(dir).get(0), header(Integer.MAX_VALUE), StandardOpenOption.APPEND);
    assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir));
  }

  @Test
  void aCompleteFinalFrameWithBadChecksumIsCorruptionNotATornTail() throws IOException {
    Path dir = tmp.resolve("crc");
    fill(dir, SMALL, new int[] {10, 20});
    Path seg = segments(dir).get(0);
    long size = Files.size(seg);
    try (RandomAccessFile raf = new RandomAccessFile(seg.toFile(), "rw")) {
      raf.seek(size - 1); // last byte of the trailer
      int b = raf.read();
      raf.seek(size - 1);
      raf.write(b ^ 0x80);
    }
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> FileBlockStore.open(dir, SMALL));
    assertEquals(23, e.offset());
    assertEquals(size, Files.size(seg), "nothing was truncated");
  }

  @Test
  void theLockRejectsASecondOpenInThisAndInAnotherProcess() throws Exception {
    Path dir = tmp.resolve("lock");
    try (FileBlockStore s = FileBlockStore.open(dir)) {
      s.append("x".getBytes(StandardCharsets.US_ASCII));
      StoreException e = assertThrows(StoreException.class, () -> FileBlockStore.open(dir));
      assertTrue(e.getMessage().contains("already open"), e.getMessage());
      assertEquals("refused", LockProbe.probe(dir).split(":")[0]);
    }
    assertEquals("opened 1", LockProbe.probe(dir));
    try (FileBlockStore s = FileBlockStore.open(dir)) {
      assertEquals(1, s.size());
    }
  }

  /** A failed write (here: an interrupt, which closes the channel) stops appends until reopened. */
  @Test
  void aFailedAppendStopsAppendsAndReopeningRecovers() {
    Path dir = tmp.resolve("fail");
    List<byte[]> blocks = fill(dir, SMALL, new int[] {10, 20});
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      Thread.currentThread().interrupt();
      StoreException first;
      try {
        first = assertThrows(StoreException.class, () -> s.append(block(5, 30)));
      } finally {
        Thread.interrupted();
      }
      assertTrue(first.getCause() instanceof java.nio.channels.ClosedByInterruptException, String.valueOf(first.getCause()));
      StoreException again = assertThrows(StoreException.class, () -> s.append(block(6, 30)));
      assertTrue(again.getMessage().contains("reopen"), again.getMessage());
      assertEquals(2, s.size());
    }
    try (FileBlockStore s = FileBlockStore.open(dir, SMALL)) {
      assertEquals(2, s.size());
      assertArrayEquals(blocks.get(1), s.read(1));
      assertEquals(2, s.append(block(7, 30)));
    }
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> FileBlockStore.Options.defaults().withSegmentSize(100));
    assertThrows(IllegalArgumentException.class, () -> FileBlockStore.Options.defaults().withSegmentSize((1L << 40) + 1));
    assertThrows(IllegalArgumentException.class, () -> FileBlockStore.Options.defaults().withMaxBlockSize(-1));
    assertThrows(IllegalArgumentException.class, () -> FileBlockStore.Options.defaults().withMaxBlockSize(Integer.MAX_VALUE));
  }

  /** The index holds 10 million blocks in about 80 MB (8 bytes each). */
  @Test
  void indexOfTenMillionBlocks() {
    LongChunks c = new LongChunks();
    int n = 10_000_000;
    for (long i = 0; i < n; i++) {
      c.add(i * 31);
    }
    for (long i = 0; i < n; i += 9_973) {
      assertEquals(i * 31, c.get(i));
    }
    assertEquals((n - 1) * 31L, c.get(n - 1));
  }
}
