package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.PowerLossFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileBlockStore#sync}: it forces only when deferred frames wait (each force is a step of
 * the power-loss file system, counted), it refuses on a closed store, and after a failed write it
 * refuses with its own message instead of forcing a segment whose tail is unknown.
 */
class FileBlockStoreSyncTest {
  @TempDir
  Path dir;

  private PowerLossFileSystem fs;

  private FileBlockStore open() throws Exception {
    fs = PowerLossFileSystem.over(dir);
    Files.createDirectory(fs.root().resolve("blocks"));
    return FileBlockStore.open(fs.root().resolve("blocks"));
  }

  @Test
  void syncForcesOnlyWhenDeferredFramesWait() throws Exception {
    try (FileBlockStore s = open()) {
      s.append(FileBlockStorePowerLossTest.block(0));
      long steps = fs.steps();
      s.sync();
      assertEquals(steps, fs.steps(), "a sync after a forced append touched the disk: " + fs.log());
      s.appendDeferred(FileBlockStorePowerLossTest.block(1));
      long written = fs.steps();
      assertTrue(written > steps);
      s.sync();
      assertEquals(written + 1, fs.steps(), "one force: " + fs.log());
      assertTrue(fs.log().get(fs.log().size() - 1).startsWith((written + 1) + " fsync blocks/"), fs.log().toString());
      s.sync();
      assertEquals(written + 1, fs.steps(), "a second sync forced again: " + fs.log());
      assertArrayEquals(FileBlockStorePowerLossTest.block(1), s.read(1));
    }
  }

  @Test
  void syncOfAClosedStoreIsRefused() throws Exception {
    FileBlockStore s = open();
    s.append(FileBlockStorePowerLossTest.block(0));
    s.close();
    assertThrows(StoreException.class, s::sync);
  }

  @Test
  void afterAFailedWriteSyncRefusesToForce() throws Exception {
    try (FileBlockStore s = open()) {
      s.appendDeferred(FileBlockStorePowerLossTest.block(0));
      fs.crashAtStep(fs.steps() + 1);
      assertThrows(StoreException.class, () -> s.appendDeferred(FileBlockStorePowerLossTest.block(1)));
      StoreException e = assertThrows(StoreException.class, s::sync);
      assertTrue(e.getMessage().contains("failed an earlier write; reopen it"), e.getMessage());
    }
  }
}
