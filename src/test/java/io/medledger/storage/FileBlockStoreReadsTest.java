package io.medledger.storage;

import static io.medledger.storage.BlockStoreContractTest.block;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.PowerLossFileSystem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block store's reads under what {@code FileChannel}'s contract allows but a local file rarely
 * does: short and empty positional reads are retried from where they stopped, a file that ends
 * early is an error rather than a loop, and the recovery scan reads ahead as designed (headers
 * in small pieces, a verified segment in large ones), counted in reads and bytes, not timed.
 */
class FileBlockStoreReadsTest {
  private static final FileBlockStore.Options SMALL = FileBlockStore.Options.defaults().withSegmentSize(64 << 10);

  @TempDir
  Path dir;

  private static List<byte[]> fill(FileBlockStore s, int count, int maxLen) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] b = block(i, 1 + (int) ((i * 2654435761L) % maxLen));
      out.add(b);
      assertEquals(i, s.append(b));
    }
    return out;
  }

  /**
   * Writes segments of {@code blocks} framed as the store frames them, without a sync per block:
   * each inner list is one segment; the store directory is made by opening an empty store.
   */
  private Path writeSegments(List<List<byte[]>> segments) throws java.io.IOException {
    Path d = dir.resolve("blocks");
    FileBlockStore.open(d).close();
    long base = 0;
    for (List<byte[]> seg : segments) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (byte[] b : seg) {
        byte[] h = new byte[Frames.HEADER];
        Frames.header(b.length, h);
        byte[] t = new byte[Frames.TRAILER];
        Frames.putInt(t, 0, Frames.trailer(b, 0, b.length));
        out.write(h);
        out.write(b);
        out.write(t);
      }
      java.nio.file.Files.write(d.resolve(FileBlockStore.segmentName(base)), out.toByteArray());
      base += seg.size();
    }
    return d;
  }

  private static List<byte[]> blocks(int from, int count, java.util.function.IntUnaryOperator length) {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(block(i, length.applyAsInt(i)));
    }
    return out;
  }

  private static void assertAll(List<byte[]> blocks, FileBlockStore s) {
    assertEquals(blocks.size(), s.size());
    for (int i = 0; i < blocks.size(); i++) {
      assertArrayEquals(blocks.get(i), s.read(i), "block " + i);
      byte[] b = blocks.get(i);
      if (b.length > 2) {
        assertArrayEquals(java.util.Arrays.copyOfRange(b, 1, b.length - 1), s.readRange(i, 1, b.length - 2), "range " + i);
      }
    }
  }

  @Test
  void shortAndEmptyReadsAreRetriedFromWhereTheyStopped() {
    List<byte[]> written;
    try (FileBlockStore s = FileBlockStore.open(dir.resolve("blocks"), SMALL)) {
      written = fill(s, 60, 9000);
      assertTrue(s.segmentCount() >= 3, "segments: " + s.segmentCount());
    }
    PowerLossFileSystem fs = PowerLossFileSystem.over(dir); // adopts the store written above
    Path blocks = fs.root().resolve("blocks");
    // every third read returns nothing, the others at most 1000 bytes
    fs.shapeReads((call, file, pos, requested) -> call % 3 == 0 ? 0 : Math.min(requested, 1000));
    long before = fs.reads();
    try (FileBlockStore s = FileBlockStore.open(blocks, SMALL.withVerifyAllOnOpen(true))) {
      assertAll(written, s);
    }
    try (FileBlockStore s = FileBlockStore.openReadOnly(blocks, SMALL)) {
      assertAll(written, s);
    }
    assertTrue(fs.reads() - before > 1000, "the reads were shaped: " + (fs.reads() - before));
  }

  @Test
  void aFileThatEndsEarlyIsAnErrorNotALoop() {
    List<byte[]> written;
    try (FileBlockStore s = FileBlockStore.open(dir.resolve("blocks"), SMALL)) {
      written = fill(s, 20, 3000);
    }
    PowerLossFileSystem fs = PowerLossFileSystem.over(dir); // adopts the store written above
    Path blocks = fs.root().resolve("blocks");
    // the file seems to shrink under the reader: from byte 5,000 on, every read is at its end
    fs.shapeReads((call, file, pos, requested) -> pos >= 5000 ? -1 : Math.min(requested, (int) (5000 - pos)));
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      StoreException e = assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(blocks, SMALL).close());
      assertTrue(String.valueOf(e.getMessage()).contains("shrank") || String.valueOf(e.getCause()).contains("shrank"),
          e.toString());
    });
    fs.shapeReads(null);
    try (FileBlockStore s = FileBlockStore.openReadOnly(blocks, SMALL)) {
      fs.shapeReads((call, file, pos, requested) -> pos >= 5000 ? -1 : requested);
      int last = written.size() - 1;
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        StoreException e = assertThrows(StoreException.class, () -> s.read(last));
        assertTrue(e.getMessage().contains("unexpected end of file"), e.getMessage());
      });
      fs.shapeReads(null);
      assertArrayEquals(written.get(last), s.read(last));
    }
  }

  @Test
  void theHeaderScanOfAnEarlierSegmentSkipsItsPayloads() {
    FileBlockStore.Options big = FileBlockStore.Options.defaults().withSegmentSize(4L << 20).withMaxBlockSize(1 << 20);
    try (FileBlockStore s = FileBlockStore.open(dir.resolve("blocks"), big)) {
      for (int i = 0; i < 8; i++) {
        s.append(block(i, 460_000));
      }
      s.append(block(8, 600_000)); // does not fit: starts the second (last) segment
      assertEquals(2, s.segmentCount());
    }
    PowerLossFileSystem fs = PowerLossFileSystem.over(dir); // adopts the store written above
    Path blocks = fs.root().resolve("blocks");
    long bytes = fs.bytesRead();
    long reads = fs.reads();
    try (FileBlockStore s = FileBlockStore.openReadOnly(blocks, big)) {
      assertEquals(9, s.size());
    }
    long read = fs.bytesRead() - bytes;
    // the last segment is verified (600 KB); of the first, only its eight headers are read, 4 KiB each
    assertTrue(read >= 600_000 && read < 700_000, "read " + read + " bytes in " + (fs.reads() - reads) + " reads");
  }

  @Test
  void theVerifyingScanReadsAMebibyteAtATime() throws java.io.IOException {
    writeSegments(List.of(blocks(0, 2000, i -> 1000)));
    PowerLossFileSystem fs = PowerLossFileSystem.over(dir);
    long reads = fs.reads();
    try (FileBlockStore s = FileBlockStore.openReadOnly(fs.root().resolve("blocks"))) {
      assertEquals(2000, s.size());
    }
    // 2 MB of 1,000-byte frames: two windows of 1 MiB, each read once
    assertEquals(2, fs.reads() - reads, "reads of the verifying scan");
  }

  @Test
  void theHeaderScanReadsFourKibibytesAtATime() throws java.io.IOException {
    // an earlier segment of 1 MB of small frames (its headers only are read), and a small last one
    List<byte[]> first = blocks(0, 5000, i -> 100 + i % 300);
    Path d = writeSegments(List.of(first, blocks(5000, 3, i -> 100)));
    long firstSize = java.nio.file.Files.size(d.resolve(FileBlockStore.segmentName(0)));
    PowerLossFileSystem fs = PowerLossFileSystem.over(dir);
    long reads = fs.reads();
    try (FileBlockStore s = FileBlockStore.openReadOnly(fs.root().resolve("blocks"))) {
      assertEquals(5003, s.size());
    }
    // each refill of the 4 KiB window starts at a frame and serves every header inside it once:
    // at most one read per 4 KiB of the first segment, plus one for the last segment
    long most = (firstSize + 4095) / 4096 + 1;
    long made = fs.reads() - reads;
    assertTrue(made <= most && made >= most / 2, made + " reads for a segment of " + firstSize + " bytes");
  }
}
