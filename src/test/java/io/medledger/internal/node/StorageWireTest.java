package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How the storage service classes each request code for its permission check: an upload (writers
 * only), a deletion (checked against the ledger), or a read. A code that slips out of the upload
 * class is served to readers, so every code of the storage range is classed here.
 */
class StorageWireTest {
  private static final Set<Byte> UPLOADS = Set.of(StorageWire.PUT_OPEN, StorageWire.PUT_CHUNK,
      StorageWire.PUT_COMMIT, StorageWire.PUT_ABORT, StorageWire.PUT_COMMIT_SIGNED);
  private static final Set<Byte> DELETIONS = Set.of(StorageWire.DELETE, StorageWire.DELETE_SIGNED);

  @Test
  void everyStorageCodeIsClassedForItsPermissionCheck() {
    for (int t = StorageWire.FIRST; t <= StorageWire.LAST; t++) {
      byte type = (byte) t;
      assertEquals(UPLOADS.contains(type), StorageWire.isUpload(type), "upload class of code " + t);
      assertEquals(DELETIONS.contains(type), StorageWire.isDelete(type), "deletion class of code " + t);
    }
    for (int t = 0; t < StorageWire.FIRST; t++) {
      assertEquals(false, StorageWire.isStorage((byte) t), "code " + t);
    }
  }
}
