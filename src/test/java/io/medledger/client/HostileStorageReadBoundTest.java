package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MedicalRecord;
import io.medledger.federation.Federation;
import io.medledger.storage.EndlessNode;
import io.medledger.storage.InMemoryBlobStore;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A storage node's copy of a payload cannot be longer than the size its record states on the
 * ledger: a hostile node that answers a read of a small record with endless bytes must be cut off
 * at that size, not after the largest payload the store takes (256 MiB held in the reader's
 * memory, or written to its spool disk, per read).
 */
class HostileStorageReadBoundTest {
  @Test
  void aCopyIsCutOffAtTheSizeItsRecordStates() {
    EndlessNode hostile = new EndlessNode();
    try (Federation f = SmallFederation.builder("hostile-storage-read-bound", 31)
        .storageStores(List.of(hostile, new InMemoryBlobStore(), new InMemoryBlobStore())).build()) {
      PatientClient anna = f.registerPatient("Anna");
      byte[] obs = SmallFederation.observation("4548-4");
      MedicalRecord r = anna.upload(obs).record();
      assertEquals(f.storageNodeIds().get(0), r.storageNodes().get(0), "the hostile node is read first");

      assertArrayEquals(obs, anna.read(r.id()), "served by an honest node");
      assertTrue(hostile.sent() <= r.payloadSize() + EndlessNode.BLOCK, "the hostile node was cut off after "
          + hostile.sent() + " bytes, for a payload of " + r.payloadSize());

      long before = hostile.sent();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertEquals(obs.length, anna.read(r.id(), out));
      assertArrayEquals(obs, out.toByteArray(), "streamed from an honest node");
      assertTrue(hostile.sent() - before <= r.payloadSize() + EndlessNode.BLOCK, "the hostile node was cut off after "
          + (hostile.sent() - before) + " bytes of a streamed read, for a payload of " + r.payloadSize());
    }
  }
}
