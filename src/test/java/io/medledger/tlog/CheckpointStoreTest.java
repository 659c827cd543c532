package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint store keeps the latest sizes and older cosigned ones, within its bound. */
class CheckpointStoreTest {
  @TempDir Path dir;

  private static SignedNote note(long size, boolean cosigned) {
    String text = new Checkpoint("medledger/test", size, Sha256.hash(new byte[] {(byte) size, (byte) (size >> 8)}))
        .text();
    NoteSignature log = new NoteSignature("log", 1, new byte[64]);
    return new SignedNote(text, cosigned ? List.of(log, new NoteSignature("witness", 2, new byte[72])) : List.of(log));
  }

  @Test
  void theLatestAndTheOlderCosignedAreKeptWithinTheBound() {
    // the latest 8 sizes, then cosigned ones up to 20 in all, pruned every 4 new sizes
    CheckpointStore s = CheckpointStore.open(dir, 8, 20, 4);
    int n = 100;
    for (long size = 1; size <= n; size++) {
      s.put(note(size, size % 2 == 0));
    }
    assertEquals(20, s.sizes().size());
    for (long size = n; size > n - 8; size--) {
      assertTrue(s.at(size).isPresent(), "size " + size);
    }
    assertTrue(s.at(91).isEmpty(), "an old size without a cosignature");
    assertTrue(s.at(92).isPresent() && s.at(70).isPresent(), "the newest old cosigned sizes");
    assertTrue(s.at(68).isEmpty() && s.at(2).isEmpty(), "the oldest cosigned go first beyond the bound");
    assertEquals(n, Checkpoint.parse(s.latest().orElseThrow().text()).size());
    // reopening with a tighter bound prunes at once
    assertEquals(10, CheckpointStore.open(dir, 8, 10, 4).sizes().size());
    // the defaults
    assertEquals(256, CheckpointStore.KEEP_LATEST);
    assertTrue(CheckpointStore.open(dir).sizes().size() <= CheckpointStore.MAX_KEPT);
  }

  /**
   * An older size's file cut short or zero-filled (a failing disk, a file system that lost the
   * order of its writes) no longer stops the store from opening, which reads older sizes to prune
   * them: a damaged file past the latest sizes holds no cosignature anyone can use and is pruned.
   */
  @Test
  void aDamagedOlderSizeIsPrunedOnOpeningInsteadOfRefusingTheStore() throws Exception {
    CheckpointStore s = CheckpointStore.open(dir, 2, 10, 100);
    for (long size = 1; size <= 6; size++) {
      s.put(note(size, size % 2 == 0));
    }
    Path checkpoints = dir.resolve("checkpoints");
    byte[] two = Files.readAllBytes(checkpoints.resolve("2"));
    Files.write(checkpoints.resolve("2"), java.util.Arrays.copyOf(two, two.length / 2));
    Files.write(checkpoints.resolve("3"), new byte[Files.readAllBytes(checkpoints.resolve("3")).length]);
    CheckpointStore reopened = CheckpointStore.open(dir, 2, 10, 100);
    assertEquals(List.of(6L, 5L, 4L), reopened.sizes(), "damaged files pruned, the cosigned 4 kept");
    assertEquals(note(4, true), reopened.at(4).orElseThrow());
    assertEquals(6, Checkpoint.parse(reopened.latest().orElseThrow().text()).size());
  }

  @Test
  void aNoteThatAddsNoSignatureWritesNothingAndMergesAreReadBackAfterReopening() throws Exception {
    CheckpointStore s = CheckpointStore.open(dir);
    SignedNote first = note(5, false);
    s.put(first);
    Path file = dir.resolve("checkpoints").resolve("5");
    Path latest = dir.resolve(CheckpointStore.LATEST);
    // mark the files behind the store's back: a put that adds nothing must leave them alone
    Files.write(file, "marker".getBytes(StandardCharsets.UTF_8));
    Files.write(latest, "marker".getBytes(StandardCharsets.UTF_8));
    assertEquals(first, s.put(first));
    assertEquals("marker", Files.readString(file));
    assertEquals("marker", Files.readString(latest));
    // a new signature is written, to the size's file and to the latest
    SignedNote cosigned = note(5, true);
    SignedNote merged = s.put(cosigned);
    assertEquals(2, merged.signatures().size());
    assertEquals(merged, s.at(5).orElseThrow());
    assertEquals(merged, s.latest().orElseThrow());
    CheckpointStore reopened = CheckpointStore.open(dir);
    assertEquals(merged, reopened.at(5).orElseThrow());
    assertEquals(merged, reopened.latest().orElseThrow());
    // an older size does not move the latest back, in memory or on disk
    s.put(note(3, false));
    assertEquals(5, Checkpoint.parse(s.latest().orElseThrow().text()).size());
    assertEquals(5, Checkpoint.parse(CheckpointStore.open(dir).latest().orElseThrow().text()).size());
  }

  @Test
  void mergedNotesAreReadAtOnceAndWrittenTogetherByTheNextFlush() throws Exception {
    CheckpointStore s = CheckpointStore.open(dir);
    s.put(note(5, false));
    Path latest = dir.resolve(CheckpointStore.LATEST);
    byte[] onDisk = Files.readAllBytes(latest);
    // more sizes than the store caches, merged before one flush: none may be lost
    int count = CheckpointStore.CACHED + 10;
    for (long size = 6; size < 6 + count; size++) {
      s.merge(note(size, false));
    }
    SignedNote cosigned = s.merge(note(5, true));
    assertEquals(2, cosigned.signatures().size());
    assertTrue(s.hasUnwritten());
    assertEquals(cosigned, s.at(5).orElseThrow(), "read from memory before the flush");
    assertEquals(5 + count, Checkpoint.parse(s.latest().orElseThrow().text()).size());
    assertArrayEquals(onDisk, Files.readAllBytes(latest), "nothing written before the flush");
    assertTrue(Files.notExists(dir.resolve("checkpoints").resolve("6")));
    assertThrows(IllegalStateException.class, () -> s.merge(new SignedNote(
        new Checkpoint("medledger/test", 6, Sha256.hash(new byte[] {9})).text(), note(6, false).signatures())),
        "another text for a merged size is a split view");
    s.flush();
    assertTrue(!s.hasUnwritten());
    CheckpointStore reopened = CheckpointStore.open(dir);
    assertEquals(cosigned, reopened.at(5).orElseThrow());
    for (long size = 6; size < 6 + count; size++) {
      assertTrue(reopened.at(size).isPresent(), "size " + size);
    }
    assertEquals(5 + count, Checkpoint.parse(reopened.latest().orElseThrow().text()).size());
    // an older size merged later does not move the latest back
    s.merge(note(4, true));
    s.flush();
    assertEquals(5 + count, Checkpoint.parse(CheckpointStore.open(dir).latest().orElseThrow().text()).size());
  }

  @Test
  void theTemporaryFilesOfWritesThatCrashesCutShortAreDeletedOnOpening() throws Exception {
    CheckpointStore s = CheckpointStore.open(dir);
    s.put(note(5, false));
    // what crashes inside writeAtomic left: temporary files of sizes never written, of the latest, of the keys
    for (long size = 6; size < 9; size++) {
      Files.write(dir.resolve("checkpoints").resolve(size + ".tmp"), note(size, false).toBytes());
    }
    Files.write(dir.resolve(CheckpointStore.LATEST + ".tmp"), new byte[0]);
    Files.write(dir.resolve(CheckpointStore.VKEYS + ".tmp"), "torn".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("tree.tmp"), new byte[] {7}); // not the store's: the tile log's, left alone
    CheckpointStore reopened = CheckpointStore.open(dir);
    try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("checkpoints"))) {
      assertEquals(List.of("5"), files.map(p -> p.getFileName().toString()).toList());
    }
    assertTrue(!Files.exists(dir.resolve(CheckpointStore.LATEST + ".tmp"))
        && !Files.exists(dir.resolve(CheckpointStore.VKEYS + ".tmp")), "leftover temporary files were kept");
    assertTrue(Files.exists(dir.resolve("tree.tmp")));
    assertEquals(note(5, false).text(), reopened.latest().orElseThrow().text());
  }

  @Test
  void verifierKeysAreReadBackAfterReopening() {
    CheckpointStore s = CheckpointStore.open(dir);
    assertTrue(s.verifierKeys().isEmpty());
    List<NoteKey> keys = List.of(NoteKey.parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
    s.putVerifierKeys(keys);
    assertEquals(keys, s.verifierKeys());
    assertEquals(keys, CheckpointStore.open(dir).verifierKeys());
  }
}
