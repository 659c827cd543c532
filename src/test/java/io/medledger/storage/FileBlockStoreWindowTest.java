package io.medledger.storage;

import static io.medledger.storage.BlockStoreContractTest.block;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments larger than the recovery scan's read windows (4 KiB of headers, 1 MiB when verifying),
 * with frame headers across window edges, blocks larger than a window and a zero tail longer than
 * the rest of a window: every block reopens intact (written against mutants of the scan window's
 * arithmetic, which the small stores of the other tests read in one window).
 */
class FileBlockStoreWindowTest {
  private static final FileBlockStore.Options BIG =
      FileBlockStore.Options.defaults().withSegmentSize(3L << 20).withMaxBlockSize(1 << 20);

  @TempDir
  Path dir;

  private Path lastSegment() throws IOException {
    try (Stream<Path> st = Files.list(dir)) {
      return st.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  private static void assertAll(List<byte[]> blocks, FileBlockStore s) {
    assertEquals(blocks.size(), s.size());
    for (int i = 0; i < blocks.size(); i++) {
      assertArrayEquals(blocks.get(i), s.read(i), "block " + i);
    }
  }

  @Test
  void storesLargerThanTheScanWindowsReopenIntact() throws IOException {
    List<byte[]> blocks = new ArrayList<>();
    try (FileBlockStore s = FileBlockStore.open(dir, BIG)) {
      // mostly small blocks (headers spread over many 4 KiB windows), every 9th one larger than the 1 MiB window's half
      for (int i = 0; s.segmentCount() < 2 || Files.size(lastSegment()) < (3L << 19); i++) {
        byte[] b = block(i, i % 9 == 4 ? 600_000 + i : (int) ((i * 2654435761L) % 7000));
        blocks.add(b);
        s.append(b);
      }
      assertEquals(2, s.segmentCount());
    }
    Path last = lastSegment();
    long end = Files.size(last);
    assertTrue(end > (1 << 20) + 4096, "the last segment is verified through more than one window");
    Files.write(last, new byte[200_000], StandardOpenOption.APPEND); // a zero tail, as a crash leaves

    try (FileBlockStore ro = FileBlockStore.openReadOnly(dir, BIG)) {
      assertEquals(200_000, ro.droppedTailBytes());
      assertAll(blocks, ro);
    }
    try (FileBlockStore all = FileBlockStore.openReadOnly(dir, BIG.withVerifyAllOnOpen(true))) {
      assertAll(blocks, all);
    }
    try (FileBlockStore rw = FileBlockStore.open(dir, BIG)) {
      assertEquals(200_000, rw.droppedTailBytes());
      assertAll(blocks, rw);
    }
    assertEquals(end, Files.size(last));
  }
}
