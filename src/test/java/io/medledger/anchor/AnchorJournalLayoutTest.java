package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory journal's layout: finished anchors leave memory for {@code finished/} and its
 * height index, a crash part-way through a move is completed, and damaged, truncated or oversized
 * files are refused naming the file.
 */
class AnchorJournalLayoutTest {
  @TempDir Path dir;

  static final Digest CHAIN = Sha256.hash("layout".getBytes(StandardCharsets.US_ASCII));

  static AnchorRecord record(long height, AnchorStatus status) {
    AnchorCommitment c = new AnchorCommitment(CHAIN, height, height + 1, Sha256.hash(new byte[] {(byte) height, 1}));
    return new AnchorRecord(c, status, Instant.ofEpochSecond(height), List.of(), null, Instant.ofEpochSecond(height), null);
  }

  private Path index() {
    return dir.resolve("finished").resolve("heights.idx");
  }

  private Path finishedFile(AnchorRecord r) {
    return dir.resolve("finished").resolve(r.id().toHex() + ".anchor.json");
  }

  /** A journal of many finished anchors and a few not finished reopens holding only the latter and a window. */
  @Test
  void reopeningReadsTheAnchorsNotFinishedAndTheNewestFinishedOnly() {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    for (long h = 0; h < 200; h++) {
      j.save(record(h, h % 50 == 7 ? AnchorStatus.PLANNED : AnchorStatus.SUPERSEDED));
    }
    AnchorJournal reopened = AnchorJournal.inDirectory(dir);
    List<AnchorRecord> loaded = reopened.load(3);
    assertEquals(4 + 3, loaded.size(), loaded.toString());
    assertEquals(List.of(7L, 57L, 107L, 157L, 197L, 198L, 199L),
        loaded.stream().map(r -> r.commitment().height()).sorted().toList());
    assertEquals(Optional.of(record(12, AnchorStatus.SUPERSEDED)), reopened.find(record(12, AnchorStatus.PLANNED).id()));
    assertEquals(List.of(56L, 57L, 58L), reopened.from(56, 3).stream().map(r -> r.commitment().height()).toList());
    assertEquals(List.of(), reopened.from(200, 5));
  }

  /** Anchors finished out of height order are merged into the index in order. */
  @Test
  void anchorsFinishedOutOfOrderAreFoundByHeight() {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    for (long h : new long[] {10, 30, 20, 5, 30, 40}) {
      j.save(record(h, AnchorStatus.SUPERSEDED));
    }
    AnchorJournal reopened = AnchorJournal.inDirectory(dir);
    assertEquals(List.of(5L, 10L, 20L, 30L, 40L), reopened.from(0, 10).stream().map(r -> r.commitment().height()).toList());
    assertEquals(List.of(20L), reopened.from(11, 1).stream().map(r -> r.commitment().height()).toList());
  }

  /** A crash after the finished copy was indexed, before the file at the top went: replay completes the move. */
  @Test
  void aMoveCutShortByACrashIsCompletedOnReplay() throws Exception {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    AnchorRecord planned = record(4, AnchorStatus.PLANNED);
    j.save(planned);
    Path top = dir.resolve(planned.id().toHex() + ".anchor.json");
    byte[] before = Files.readAllBytes(top);
    j.save(record(4, AnchorStatus.SUPERSEDED));
    Files.write(top, before); // as if the power went before the removal was durable
    byte[] idx = Files.readAllBytes(index());
    Files.write(index(), java.util.Arrays.copyOf(idx, idx.length - 10)); // and the index append was torn
    AnchorJournal reopened = AnchorJournal.inDirectory(dir);
    assertEquals(List.of(), reopened.load(0), "the finished anchor is not replayed into memory");
    assertFalse(Files.exists(top));
    assertEquals(List.of(record(4, AnchorStatus.SUPERSEDED)), reopened.from(0, 5));
    assertEquals(AnchorHeightIndex.ENTRY, Files.size(index()));
  }

  /** A journal written before {@code finished/} existed keeps every anchor: finished ones are moved and indexed. */
  @Test
  void aJournalOfTheEarlierLayoutIsMovedIntoFinished() throws Exception {
    AnchorJournal.inDirectory(dir).save(record(1, AnchorStatus.PLANNED));
    AnchorJournal.inDirectory(dir).save(record(2, AnchorStatus.PLANNED));
    // the earlier layout kept finished anchors at the top too
    AnchorRecord old = record(2, AnchorStatus.SUPERSEDED);
    Files.writeString(dir.resolve(old.id().toHex() + ".anchor.json"),
        io.medledger.internal.Json.write(true, g -> AnchorRecordJson.write(g, old)));
    AnchorJournal reopened = AnchorJournal.inDirectory(dir);
    assertEquals(List.of(record(1, AnchorStatus.PLANNED)), reopened.load(0));
    assertEquals(List.of(record(1, AnchorStatus.PLANNED), old), reopened.from(0, 5));
    assertTrue(Files.exists(finishedFile(old)));
  }

  @Test
  void aMissingIndexIsRebuiltFromTheFinishedRecords() throws Exception {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    for (long h : new long[] {3, 1, 2}) {
      j.save(record(h, AnchorStatus.SUPERSEDED));
    }
    Files.delete(index());
    assertEquals(List.of(1L, 2L, 3L), AnchorJournal.inDirectory(dir).from(0, 5).stream()
        .map(r -> r.commitment().height()).toList());
  }

  @Test
  void aDamagedIndexEntryIsRefusedNamingTheFile() throws Exception {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    for (long h = 0; h < 5; h++) {
      j.save(record(h, AnchorStatus.SUPERSEDED));
    }
    try (RandomAccessFile f = new RandomAccessFile(index().toFile(), "rw")) {
      f.seek(AnchorHeightIndex.ENTRY * 2L + 9);
      f.write(f.read() ^ 1);
    }
    AnchorJournal reopened = AnchorJournal.inDirectory(dir);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> reopened.from(2, 1));
    assertTrue(e.getMessage().contains(index().toString()) && e.getMessage().contains("checksum"), e.getMessage());
  }

  @Test
  void anOversizedIndexIsRefusedNamingTheFile() throws Exception {
    AnchorJournal.inDirectory(dir).save(record(0, AnchorStatus.SUPERSEDED));
    try (RandomAccessFile f = new RandomAccessFile(index().toFile(), "rw")) {
      f.setLength((AnchorHeightIndex.MAX_ENTRIES + 1) * AnchorHeightIndex.ENTRY); // sparse: no disk used
    }
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> AnchorJournal.inDirectory(dir).load(0));
    assertTrue(e.getMessage().contains(index().toString()), e.getMessage());
  }

  @Test
  void aTruncatedOversizedOrMissingFinishedRecordIsRefusedNamingTheFile() throws Exception {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    AnchorRecord a = record(1, AnchorStatus.SUPERSEDED);
    AnchorRecord b = record(2, AnchorStatus.SUPERSEDED);
    AnchorRecord c = record(3, AnchorStatus.SUPERSEDED);
    j.save(a);
    j.save(b);
    j.save(c);
    byte[] whole = Files.readAllBytes(finishedFile(a));
    Files.write(finishedFile(a), java.util.Arrays.copyOf(whole, whole.length / 2));
    Files.write(finishedFile(b), new byte[DirectoryAnchorJournal.MAX_RECORD_BYTES + 1]);
    Files.delete(finishedFile(c));
    AnchorJournal reopened = AnchorJournal.inDirectory(dir);
    for (AnchorRecord r : List.of(a, b, c)) {
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
          () -> reopened.from(r.commitment().height(), 1));
      assertTrue(e.getMessage().contains(finishedFile(r).toString()), e.getMessage());
    }
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> reopened.find(a.id()));
    assertTrue(e.getMessage().contains(finishedFile(a).toString()), e.getMessage());
  }

  @Test
  void anOversizedFileOfAnAnchorNotFinishedIsRefusedNamingIt() throws Exception {
    AnchorRecord r = record(1, AnchorStatus.PLANNED);
    AnchorJournal.inDirectory(dir).save(r);
    Path top = dir.resolve(r.id().toHex() + ".anchor.json");
    Files.write(top, new byte[DirectoryAnchorJournal.MAX_RECORD_BYTES + 1]);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> AnchorJournal.inDirectory(dir).load(0));
    assertTrue(e.getMessage().contains(top.toString()) && e.getMessage().contains("larger"), e.getMessage());
  }
}
