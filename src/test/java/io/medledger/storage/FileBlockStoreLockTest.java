package io.medledger.storage;

import static io.medledger.storage.BlockStoreContractTest.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's lock seen from this process while another process holds it, and the reverse, and
 * a second {@code close} of a store that was reopened in between (written against mutants that
 * survived the storage mutation run; a mutant only changes the classes of this JVM, so the refusal
 * under test must happen here, not in the probe).
 */
class FileBlockStoreLockTest {
  @TempDir
  Path dir;

  @Test
  void aStoreHeldByAnotherProcessIsRefusedHereForWritingAndReading() throws Exception {
    try (FileBlockStore s = FileBlockStore.open(dir)) {
      s.append(block(1, 10));
    }
    try (LockProbe.Holder other = new LockProbe.Holder(dir)) {
      assertEquals("opened 1", other.report);
      StoreException w = assertThrows(StoreException.class, () -> FileBlockStore.open(dir));
      assertTrue(w.getMessage().endsWith("is locked by another process"), w.getMessage());
      StoreException r = assertThrows(StoreException.class, () -> FileBlockStore.openReadOnly(dir));
      assertTrue(r.getMessage().endsWith("is locked by another process"), r.getMessage());
    }
    try (FileBlockStore s = FileBlockStore.open(dir)) {
      assertEquals(1, s.size());
    }
  }

  @Test
  void aReadOnlyStoreHereKeepsAWriterInAnotherProcessOut() throws Exception {
    try (FileBlockStore s = FileBlockStore.open(dir)) {
      s.append(block(2, 10));
    }
    try (FileBlockStore ro = FileBlockStore.openReadOnly(dir)) {
      String probe = LockProbe.probe(dir);
      assertTrue(probe.startsWith("refused") && probe.endsWith("is locked by another process"), probe);
      assertEquals(1, ro.size());
    }
    assertEquals("opened 1", LockProbe.probe(dir));
  }

  @Test
  void closingAStoreTwiceKeepsTheLockOfItsSuccessor() throws Exception {
    FileBlockStore first = FileBlockStore.open(dir);
    first.close();
    try (FileBlockStore second = FileBlockStore.open(dir)) {
      first.close();
      StoreException e = assertThrows(StoreException.class, () -> FileBlockStore.open(dir));
      assertTrue(e.getMessage().endsWith("is already open in this process"), e.getMessage());
      assertTrue(LockProbe.probe(dir).startsWith("refused"), "the successor still holds the lock");
      second.append(block(3, 10));
    }
  }
}
