package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.PowerLossFileSystem;
import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block store through a power loss at every step of opening it and appending blocks across
 * segment rolls: every acknowledged block survives, recovery always opens, and nothing but the
 * block in flight may appear. Without {@code force} on the segment, or without syncing the
 * directory after creating a segment, the same exploration loses acknowledged blocks.
 */
class FileBlockStorePowerLossTest {
  static final int BLOCKS = 7;

  static byte[] block(int i) {
    byte[] b = new byte[300 + 37 * i];
    for (int j = 0; j < b.length; j++) {
      b[j] = (byte) (i * 31 + j);
    }
    return b;
  }

  /** Appends {@link #BLOCKS} blocks into 1 KiB segments (a roll every two or three blocks). */
  static final class Appends implements PowerLossHarness.Scenario<FileBlockStore> {
    final boolean createsItsDirectory;

    Appends(boolean createsItsDirectory) {
      this.createsItsDirectory = createsItsDirectory;
    }

    @Override
    public void prepare(Path root) throws Exception {
      if (!createsItsDirectory) {
        Files.createDirectory(root.resolve("blocks"));
      }
    }

    @Override
    public FileBlockStore open(Path root) {
      return FileBlockStore.open(root.resolve("blocks"), FileBlockStore.Options.defaults().withSegmentSize(1024));
    }

    @Override
    public void run(FileBlockStore store, Acks acks) {
      for (int i = (int) store.size(); i < BLOCKS; i++) {
        acks.attempt(i);
        assertEquals(i, store.append(block(i)));
        acks.done(i);
      }
    }

    @Override
    public void check(FileBlockStore s, Acks acks) {
      List<Object> done = acks.acknowledged();
      assertTrue(s.size() >= done.size(), "lost acknowledged blocks: size " + s.size() + " < " + done.size());
      assertTrue(s.size() <= done.size() + (acks.inFlight() == null ? 0 : 1), "blocks appeared from nowhere");
      for (int i = 0; i < s.size(); i++) {
        assertArrayEquals(block(i), s.read(i), "block " + i);
      }
      // the recovered store accepts appends again
      long n = s.size();
      assertEquals(n, s.append(block((int) n)));
      assertArrayEquals(block((int) n), s.read(n));
    }

    @Override
    public void close(FileBlockStore s) {
      s.close();
    }
  }

  @Test
  void acknowledgedBlocksSurviveAPowerLossAtEveryStep(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new Appends(false));
    assertTrue(r.steps() > 3 * BLOCKS, "the workload takes " + r.steps() + " steps");
    r.assertNoFailures();
  }

  @Test
  void aStoreThatCreatesItsDirectorySurvivesToo(@TempDir Path scratch) throws Exception {
    PowerLossHarness.explore(scratch, new Appends(true), ForceIgnored.NONE, Survival.SYNCED_ONLY).assertNoFailures();
  }

  @Test
  void withoutForcingTheSegmentAcknowledgedBlocksAreLost(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new Appends(false), ForceIgnored.FILES,
        Survival.SYNCED_ONLY);
    assertFalse(r.failures().isEmpty(), "the crash test must fail when appends are not forced");
    assertTrue(r.failures().get(0).contains("lost acknowledged blocks"), r.failures().get(0));
  }

  @Test
  void withoutSyncingTheDirectoryANewSegmentIsLost(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new Appends(false), ForceIgnored.DIRECTORIES,
        Survival.SYNCED_ONLY);
    assertFalse(r.failures().isEmpty(), "the crash test must fail when new segments are not made durable");
  }

  @Test
  void tornWritesAreCutOffAndTheStoreGoesOn(@TempDir Path scratch) throws Exception {
    PowerLossFileSystem fs = PowerLossFileSystem.over(scratch);
    Appends a = new Appends(false);
    a.prepare(fs.root());
    fs.syncAll();
    FileBlockStore s = a.open(fs.root());
    s.append(block(0));
    long stepsBefore = fs.steps();
    fs.crashAtStep(stepsBefore + 2);  // the write of block 1 happens, its force does not
    try {
      s.append(block(1));
    } catch (StoreException expected) {
      // power lost
    }
    s.close();
    fs.powerLoss(Survival.TORN_WRITES);
    FileBlockStore r = a.open(fs.root());
    assertEquals(1, r.size());
    assertTrue(r.droppedTailBytes() > 0, "half of block 1's frame was on disk and is cut off");
    assertArrayEquals(block(0), r.read(0));
    r.close();
  }
}
