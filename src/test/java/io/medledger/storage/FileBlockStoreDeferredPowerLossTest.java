package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deferred appends ({@link FileBlockStore#appendDeferred}, then {@link FileBlockStore#sync}, as
 * catch-up writes a sync response) through a power loss at every step, across segment rolls:
 * every block of a synced run survives, recovery always opens (a deferred tail cut anywhere is a
 * torn tail), and only blocks of the run in flight may be missing. Without the force, a power loss
 * loses synced runs or leaves a store that does not open.
 */
class FileBlockStoreDeferredPowerLossTest {
  static final int BLOCKS = 8;
  static final int RUN = 3;

  /** Appends {@link #BLOCKS} blocks in deferred runs of {@link #RUN} into 1 KiB segments. */
  static final class DeferredRuns implements PowerLossHarness.Scenario<FileBlockStore> {
    @Override
    public void prepare(Path root) throws Exception {
      Files.createDirectory(root.resolve("blocks"));
    }

    @Override
    public FileBlockStore open(Path root) {
      return FileBlockStore.open(root.resolve("blocks"), FileBlockStore.Options.defaults().withSegmentSize(1024));
    }

    @Override
    public void run(FileBlockStore store, Acks acks) {
      for (int first = (int) store.size(); first < BLOCKS; first += RUN) {
        int end = Math.min(BLOCKS, first + RUN);
        acks.attempt(end);
        for (int i = first; i < end; i++) {
          assertEquals(i, store.appendDeferred(FileBlockStorePowerLossTest.block(i)));
        }
        store.sync();
        acks.done(end);
      }
    }

    @Override
    public void check(FileBlockStore s, Acks acks) {
      int synced = acks.acknowledged().isEmpty() ? 0 : (Integer) acks.acknowledged().get(acks.acknowledged().size() - 1);
      int most = acks.inFlight() == null ? synced : (Integer) acks.inFlight();
      assertTrue(s.size() >= synced, "lost synced blocks: size " + s.size() + " < " + synced);
      assertTrue(s.size() <= most, "blocks appeared from nowhere: size " + s.size() + " > " + most);
      for (int i = 0; i < s.size(); i++) {
        assertArrayEquals(FileBlockStorePowerLossTest.block(i), s.read(i), "block " + i);
      }
      long n = s.size();
      assertEquals(n, s.append(FileBlockStorePowerLossTest.block((int) n)));
    }

    @Override
    public void close(FileBlockStore s) {
      s.close();
    }
  }

  @Test
  void syncedRunsSurviveAPowerLossAtEveryStep(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new DeferredRuns());
    assertTrue(r.steps() > BLOCKS, "the workload takes " + r.steps() + " steps");
    r.assertNoFailures();
  }

  @Test
  void withoutTheForceAPowerLossBreaksTheStore(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new DeferredRuns(), ForceIgnored.FILES,
        Survival.SYNCED_ONLY);
    assertFalse(r.failures().isEmpty(), "the crash test must fail when a run's blocks are not forced");
    // a segment rolled over unforced is empty after the loss: recovery refuses the store
    assertTrue(r.failures().get(0).contains("lost synced blocks") || r.failures().get(0).contains("corrupted"),
        r.failures().get(0));
  }
}
