package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.storage.FileBlockStore;
import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogExport#export} through a power loss at every step: an export that returned verifies
 * after the reboot; one cut off (also one rewriting an earlier export in place) verifies or has no
 * checkpoint, never a checkpoint over torn or missing tiles.
 */
class LogExportPowerLossTest {
  @TempDir Path tmp;
  FileBlockStore blocks;
  TileLog log;
  CheckpointStore checkpoints;
  long size;

  @BeforeEach
  void setUp() {
    Path node = tmp.resolve("node");
    try (LogFixture f = new LogFixture(node, 1)) {
      LogExportTest.populate(f, 0);
      size = f.chain.ledger.tip().orElseThrow().ledgerSize();
    }
    blocks = FileBlockStore.open(node.resolve("blocks"));
    log = TileLog.open(node.resolve("log"));
    checkpoints = CheckpointStore.open(node.resolve("log"));
  }

  @AfterEach
  void tearDown() {
    log.close();
    blocks.close();
  }

  /** The "store" is the directory the log is exported into; the operation is one export. */
  final class Exports implements PowerLossHarness.Scenario<Path> {
    private final boolean overAnEarlierExport;

    Exports(boolean overAnEarlierExport) {
      this.overAnEarlierExport = overAnEarlierExport;
    }

    @Override
    public void prepare(Path root) throws Exception {
      if (overAnEarlierExport) {
        LogExport.export(blocks, log, checkpoints, root.resolve("export"));
      }
    }

    @Override
    public Path open(Path root) {
      return root.resolve("export");
    }

    @Override
    public void run(Path out, Acks acks) throws Exception {
      acks.attempt("export");
      assertEquals(size, LogExport.export(blocks, log, checkpoints, out));
      acks.done("export");
    }

    @Override
    public void check(Path out, Acks acks) throws Exception {
      LogExport.Verdict v = LogExport.verify(out, System.currentTimeMillis() / 1000);
      if (!acks.acknowledged().isEmpty()) {
        assertTrue(v.verified(), "an acknowledged export does not verify: " + v.mismatch());
        assertEquals(size, v.size());
      } else {
        assertTrue(v.verified() || v.mismatch().orElseThrow().equals("missing " + CheckpointStore.LATEST),
            "an interrupted export left a checkpoint that does not verify: " + v.mismatch());
      }
    }

    @Override
    public void close(Path out) {}
  }

  @Test
  void anExportThatReturnedSurvivesAPowerLoss() throws Exception {
    PowerLossHarness.explore(tmp.resolve("crash"), new Exports(false), ForceIgnored.NONE, Survival.SYNCED_ONLY,
        Survival.TORN_WRITES).assertNoFailures();
  }

  @Test
  void anInterruptedExportOverAnEarlierOneNeverLeavesACheckpointOverTornTiles() throws Exception {
    PowerLossHarness.explore(tmp.resolve("crash"), new Exports(true), ForceIgnored.NONE, Survival.values())
        .assertNoFailures();
  }
}
