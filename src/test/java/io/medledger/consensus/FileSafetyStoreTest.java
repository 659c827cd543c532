package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safety store's journal: appends, torn tails, damage, rewrites and the file of earlier versions. */
class FileSafetyStoreTest {
  @TempDir
  Path dir;

  private static byte[] state(int i, int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) i);
    b[0] = (byte) (i >>> 8);
    return b;
  }

  private Path journal() {
    return dir.resolve("safety.journal");
  }

  /** Saves states 1 to 3 of {@code length} bytes; returns the journal's bytes. */
  private byte[] threeSaves(int length) throws java.io.IOException {
    FileSafetyStore s = new FileSafetyStore(dir.resolve("safety"));
    for (int i = 1; i <= 3; i++) {
      s.save(state(i, length));
    }
    return Files.readAllBytes(journal());
  }

  @Test
  void savesAppendToOneFileAndTheLastIsLoaded() throws Exception {
    FileSafetyStore s = new FileSafetyStore(dir.resolve("safety"));
    long size = 0;
    for (int i = 1; i <= 50; i++) {
      s.save(state(i, 100));
      long now = Files.size(journal());
      assertTrue(now > size, "a save appends");
      size = now;
    }
    assertArrayEquals(state(50, 100), new FileSafetyStore(dir.resolve("safety")).load().orElseThrow());
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary or legacy file is left beside the journal");
    }
  }

  @Test
  void aTornLastRecordIsIgnoredAndCutOffBeforeTheNextSave() throws Exception {
    FileSafetyStore s = new FileSafetyStore(dir.resolve("safety"));
    s.save(state(1, 80));
    s.save(state(2, 80));
    long whole = Files.size(journal());
    byte[] all = Files.readAllBytes(journal());
    int record = all.length / 2;
    for (int cut : new int[] {1, 10, record / 2, record - 1}) {
      // the second record torn: only its first `cut` bytes reached the disk
      Files.write(journal(), Arrays.copyOf(all, record + cut));
      assertArrayEquals(state(1, 80), new FileSafetyStore(dir.resolve("safety")).load().orElseThrow(), "cut " + cut);
    }
    // torn with a full length but unwritten (zero) bytes at its end
    byte[] zeroed = all.clone();
    Arrays.fill(zeroed, all.length - 8, all.length, (byte) 0);
    Files.write(journal(), zeroed);
    FileSafetyStore again = new FileSafetyStore(dir.resolve("safety"));
    assertArrayEquals(state(1, 80), again.load().orElseThrow());
    again.save(state(3, 80));
    assertEquals(whole, Files.size(journal()), "the torn record was replaced, not appended after");
    assertArrayEquals(state(3, 80), new FileSafetyStore(dir.resolve("safety")).load().orElseThrow());
  }

  @Test
  void aShortSaveAfterALongTornOneLeavesNoTailBehindIt() throws Exception {
    FileSafetyStore s = new FileSafetyStore(dir.resolve("safety"));
    s.save(state(1, 50));
    long first = Files.size(journal());
    s.save(state(2, 5000));
    byte[] all = Files.readAllBytes(journal());
    Files.write(journal(), Arrays.copyOf(all, all.length - 100)); // the long record torn
    FileSafetyStore again = new FileSafetyStore(dir.resolve("safety"));
    assertArrayEquals(state(1, 50), again.load().orElseThrow());
    again.save(state(3, 50));
    assertEquals(2 * first, Files.size(journal()), "the journal ends where its last record ends");
    assertArrayEquals(state(3, 50), new FileSafetyStore(dir.resolve("safety")).load().orElseThrow());
  }

  @Test
  void aRecordOutOfSequenceEndsTheJournalAndNeverBringsAnOlderStateBack() throws Exception {
    byte[] all = threeSaves(40);
    int record = all.length / 3;
    byte[] stale = Arrays.copyOf(all, all.length + record);
    System.arraycopy(all, record, stale, all.length, record); // record 2 again, intact, after record 3
    Files.write(journal(), stale);
    assertArrayEquals(state(3, 40), new FileSafetyStore(dir.resolve("safety")).load().orElseThrow());
  }

  @Test
  void damageBeforeTheLastRecordOrNoCompleteRecordRefusesToLoad() throws Exception {
    byte[] all = threeSaves(60);
    byte[] flipped = all.clone();
    flipped[all.length / 3 + 20] ^= 1; // inside the second record's payload
    Files.write(journal(), flipped);
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> new FileSafetyStore(dir.resolve("safety")).load());
    assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
    Files.write(journal(), Arrays.copyOf(all, 10));
    assertThrows(UncheckedIOException.class, () -> new FileSafetyStore(dir.resolve("safety")).load());
    Files.write(journal(), new byte[0]);
    assertThrows(UncheckedIOException.class, () -> new FileSafetyStore(dir.resolve("safety")).save(state(4, 60)));
  }

  @Test
  void damageToTheHeaderOfARecordBeforeTheLastRefusesToLoad() throws Exception {
    byte[] all = threeSaves(60);
    int record = all.length / 3;
    for (int at = record; at < record + 16; at++) { // the second record's magic, sequence number and length
      for (int bit = 0; bit < 8; bit++) {
        byte[] flipped = all.clone();
        flipped[at] ^= (byte) (1 << bit);
        Files.write(journal(), flipped);
        String where = "byte " + (at - record) + " bit " + bit;
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
            () -> new FileSafetyStore(dir.resolve("safety")).load(), where);
        assertTrue(e.getMessage().contains("unreadable") && e.getMessage().contains(journal().toString()),
            where + ": " + e.getMessage());
      }
    }
  }

  @Test
  void anEnormousJournalOrEarlierFileIsRefusedBeforeItIsRead() throws Exception {
    threeSaves(60);
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(journal().toFile(), "rw")) {
      f.setLength(3L << 30); // sparse: takes no space
    }
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> new FileSafetyStore(dir.resolve("safety")).load());
    assertTrue(e.getMessage().contains(journal().toString()) && e.getMessage().contains("larger than"), e.getMessage());
    Files.delete(journal());
    Path legacy = dir.resolve("safety");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(legacy.toFile(), "rw")) {
      f.setLength(3L << 30);
    }
    e = assertThrows(UncheckedIOException.class, () -> new FileSafetyStore(legacy).load());
    assertTrue(e.getMessage().contains(legacy.toString()) && e.getMessage().contains("larger than"), e.getMessage());
  }

  @Test
  void aLongJournalIsRewrittenAsOneRecord() throws Exception {
    FileSafetyStore s = new FileSafetyStore(dir.resolve("safety"));
    int length = 10_000;
    int saves = FileSafetyStore.REWRITE_BYTES / length + 5;
    for (int i = 1; i <= saves; i++) {
      s.save(state(i, length));
      assertTrue(Files.size(journal()) <= FileSafetyStore.REWRITE_BYTES, "the journal stays bounded");
    }
    assertTrue(Files.size(journal()) < (long) length * 10, "it was rewritten: " + Files.size(journal()));
    assertArrayEquals(state(saves, length), new FileSafetyStore(dir.resolve("safety")).load().orElseThrow());
  }

  @Test
  void theStateOfEarlierVersionsIsReadUntilTheFirstSaveThenDeleted() throws Exception {
    Path legacy = dir.resolve("safety");
    Files.write(legacy, new byte[] {9, 8, 7}, StandardOpenOption.CREATE_NEW);
    FileSafetyStore s = new FileSafetyStore(legacy);
    assertArrayEquals(new byte[] {9, 8, 7}, s.load().orElseThrow());
    s.save(new byte[] {1});
    assertFalse(Files.exists(legacy), "the old file is gone once the journal holds a record");
    assertArrayEquals(new byte[] {1}, new FileSafetyStore(legacy).load().orElseThrow());
  }
}
