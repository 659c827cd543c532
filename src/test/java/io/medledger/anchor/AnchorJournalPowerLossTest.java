package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anchor journal through a power loss at every step: each anchor keeps its last acknowledged
 * version, also while it moves to {@code finished/} and into the height index.
 */
class AnchorJournalPowerLossTest {
  static final Digest CHAIN = Sha256.hash("journal".getBytes(StandardCharsets.US_ASCII));

  /** Anchor {@code anchor} at {@code version}; from version 5 on it is finished (superseded). */
  static AnchorRecord record(int anchor, int version) {
    AnchorCommitment c = new AnchorCommitment(CHAIN, anchor, anchor + 1, Sha256.hash(new byte[] {(byte) anchor}));
    return new AnchorRecord(c, version >= 5 ? AnchorStatus.SUPERSEDED : AnchorStatus.PLANNED, Instant.ofEpochSecond(anchor), List.of(), null,
        Instant.ofEpochSecond(1000 + version), "v" + version);
  }

  static final class Saves implements PowerLossHarness.Scenario<AnchorJournal> {
    static final List<List<Integer>> OPS = List.of(List.of(0, 0), List.of(1, 1), List.of(0, 2), List.of(2, 3),
        List.of(1, 4), List.of(2, 5), List.of(0, 6), List.of(1, 7));

    @Override
    public AnchorJournal open(Path root) {
      return AnchorJournal.inDirectory(root.resolve("anchors"));
    }

    @Override
    public void run(AnchorJournal j, Acks acks) {
      for (List<Integer> op : OPS) {
        acks.attempt(op);
        j.save(record(op.get(0), op.get(1)));
        acks.done(op);
      }
    }

    @Override
    public void check(AnchorJournal j, Acks acks) {
      Map<Digest, AnchorRecord> got = new HashMap<>();
      for (AnchorRecord r : j.from(0, 100)) {
        got.put(r.id(), r);
        assertEquals(j.find(r.id()), java.util.Optional.of(r), "found by commitment as by height");
      }
      for (AnchorRecord r : j.load(0)) {
        assertFalse(r.status() == AnchorStatus.SUPERSEDED, "a finished anchor is replayed into memory");
      }
      Map<Integer, Integer> want = new HashMap<>();
      for (Object o : acks.acknowledged()) {
        @SuppressWarnings("unchecked")
        List<Integer> op = (List<Integer>) o;
        want.put(op.get(0), op.get(1));
      }
      @SuppressWarnings("unchecked")
      List<Integer> inFlight = (List<Integer>) acks.inFlight();
      for (Map.Entry<Integer, Integer> e : want.entrySet()) {
        AnchorRecord r = got.get(record(e.getKey(), 0).id());
        assertTrue(r != null, "anchor " + e.getKey() + " is gone");
        boolean last = r.equals(record(e.getKey(), e.getValue()));
        boolean next = inFlight != null && inFlight.get(0).equals(e.getKey())
            && r.equals(record(inFlight.get(0), inFlight.get(1)));
        assertTrue(last || next, "anchor " + e.getKey() + " went back to " + r.lastError());
      }
      assertTrue(got.size() <= want.size() + 1);
    }

    @Override
    public void close(AnchorJournal j) {
      // nothing to release
    }
  }

  @Test
  void everyAnchorKeepsItsLastAcknowledgedVersionThroughAPowerLossAtEveryStep(@TempDir Path scratch) throws Exception {
    PowerLossHarness.explore(scratch, new Saves()).assertNoFailures();
    assertEquals("v3", record(2, 3).lastError());
  }

  @Test
  void theTemporaryFilesOfSavesThatCrashesCutShortAreDeletedOnOpening(@TempDir Path dir) throws Exception {
    Path anchors = dir.resolve("anchors");
    AnchorJournal.inDirectory(anchors).save(record(0, 0));
    for (int crash = 0; crash < 3; crash++) { // what three crashes inside save left: an empty, a torn, a whole temporary file
      Files.write(anchors.resolve(".tmp-" + (4711 + crash) + ".json"), crash == 0 ? new byte[0]
          : "{\"commitment\": \"ab".getBytes(StandardCharsets.UTF_8));
    }
    AnchorJournal reopened = AnchorJournal.inDirectory(anchors);
    try (Stream<Path> files = Files.list(anchors).filter(Files::isRegularFile)) {
      assertEquals(List.of(record(0, 0).id().toHex() + ".anchor.json"),
          files.map(p -> p.getFileName().toString()).toList(), "leftover temporary files were kept");
    }
    assertEquals(List.of(record(0, 0)), reopened.load(0));
  }

  @Test
  void withoutSyncingTheDirectoryAcknowledgedAnchorsAreLost(@TempDir Path scratch) throws Exception {
    assertFalse(PowerLossHarness.explore(scratch, new Saves(), ForceIgnored.DIRECTORIES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
  }
}
