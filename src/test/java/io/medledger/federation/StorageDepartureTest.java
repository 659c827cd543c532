package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.PatientClient;
import io.medledger.crypto.Digest;
import io.medledger.storage.InsufficientReplicasException;
import io.medledger.storage.ReplicatedBlobStore;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Governance removes the institution operating one storage node ("Lab D"); the other nodes are
 * Clinic C's. The removed node is retired at once (never written, read or counted), and
 * {@link Federation#rebalanceStorage} copies the payloads it leaves below the write quorum to
 * active nodes. Each test failed with the retired node still counted (the store's active nodes
 * taken as all its nodes).
 */
class StorageDepartureTest {
  private final List<FlakyStore> stores = List.of(new FlakyStore(), new FlakyStore(), new FlakyStore());

  private Federation federation(List<String> operators, int w) {
    return TestFederation.builder().institution("Lab D", InstitutionClass.C).storage(operators, w)
        .storageStores(new ArrayList<>(stores.subList(0, operators.size()))).build();
  }

  private static List<String> ids(Federation f) {
    return f.storageNodeIds().stream().map(p -> p.toHex()).toList();
  }

  private static List<Digest> payloads(MedicalRecord m) {
    List<Digest> out = new ArrayList<>(List.of(m.payloadDigest()));
    m.deidentified().ifPresent(d -> out.add(d.payloadDigest()));
    return out;
  }

  @Test
  void aRecordLeftWithOneActiveCopyIsCopiedBackToTwoAndTheRemovedNodeIsNoLongerRead() {
    try (Federation f = federation(List.of("Lab D", "Clinic C", "Clinic C"), 2)) {
      List<String> n = ids(f);
      PatientClient anna = f.registerPatient("Anna");
      byte[] fhir = TestFederation.demoRecord("anna-mueller");
      stores.get(2).mode(FlakyStore.Mode.DOWN);
      MedicalRecord rec = anna.upload(fhir).record(); // on Lab D's node and one of Clinic C's
      stores.get(2).mode(FlakyStore.Mode.OK);
      assertEquals(List.of(n.get(0), n.get(1)), rec.storageNodes().stream().map(p -> p.toHex()).toList());

      f.removeInstitution("Lab D");
      assertEquals(Set.of(n.get(0)), f.storage().retired());
      assertEquals(List.of(n.get(1), n.get(2)), f.storage().activeNodeIds());

      Federation.StorageRebalance run = f.rebalanceStorage(-1, 100, 1 << 20);
      ReplicatedBlobStore.RebalanceReport r = run.report();
      assertTrue(run.resumeAfter().isEmpty(), "walked the whole ledger");
      assertTrue(r.complete(), r.toString());
      assertEquals(payloads(rec), r.moved().stream().map(ReplicatedBlobStore.Moved::id).toList());
      for (ReplicatedBlobStore.Moved m : r.moved()) {
        assertEquals(n.get(1), m.source(), "copied from the active holder, not the removed node");
        assertEquals(List.of(n.get(2)), m.added());
        assertEquals(List.of(n.get(1), n.get(2)), m.holders());
      }
      assertEquals(payloads(rec).size(), stores.get(2).size());

      // the removed node is down for good: reads neither try it nor miss it
      stores.get(0).mode(FlakyStore.Mode.DOWN);
      assertArrayEquals(fhir, anna.read(rec.id()));
      ReplicatedBlobStore.ReadReport read = f.storage().readTo(rec.payloadDigest(),
          rec.storageNodes().stream().map(p -> p.toHex()).toList(), new ByteArrayOutputStream());
      assertEquals(n.get(1), read.servedBy());
      assertFalse(read.problems().containsKey(n.get(0)), read.problems().toString());
      // nor does the repair sweep list it, and a second rebalance has nothing to move
      assertTrue(f.storage().repair(rec.payloadDigest()).unreachable().isEmpty());
      ReplicatedBlobStore.RebalanceReport again = f.rebalanceStorage(-1, 100, 1 << 20).report();
      assertEquals(payloads(rec).size(), again.examined());
      assertTrue(again.moved().isEmpty() && again.complete(), again.toString());
    }
  }

  @Test
  void anUploadAfterTheRemovalIsPlacedOnActiveNodesOnlyAndAccepted() {
    try (Federation f = federation(List.of("Lab D", "Clinic C", "Clinic C"), 2)) {
      List<String> n = ids(f);
      PatientClient anna = f.registerPatient("Anna");
      anna.upload(TestFederation.demoRecord("anna-mueller"));
      int onRemoved = stores.get(0).size();
      f.removeInstitution("Lab D");

      MedicalRecord later = anna.upload(TestFederation.observation("anna", "4548-4", 6.1)).record();
      assertEquals(List.of(n.get(1), n.get(2)), later.storageNodes().stream().map(p -> p.toHex()).toList());
      assertEquals(onRemoved, stores.get(0).size(), "nothing placed on the removed node");
      // with only one active node left, w = 2 cannot be met: refused, nothing placed on the removed one
      stores.get(2).mode(FlakyStore.Mode.DOWN);
      assertThrows(InsufficientReplicasException.class,
          () -> anna.upload(TestFederation.observation("anna", "4548-4", 6.2)));
      assertEquals(onRemoved, stores.get(0).size());
    }
  }

  @Test
  void aRunIsBoundedInRecordsAndBytesAndResumesWhereItStopped() {
    try (Federation f = federation(List.of("Lab D", "Clinic C", "Clinic C"), 2)) {
      PatientClient anna = f.registerPatient("Anna");
      stores.get(2).mode(FlakyStore.Mode.DOWN);
      List<Digest> all = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        all.addAll(payloads(anna.upload(TestFederation.observation("anna", "4548-4", 6.0 + i)).record()));
      }
      stores.get(2).mode(FlakyStore.Mode.OK);
      f.removeInstitution("Lab D");

      // a byte budget smaller than any payload: every payload is deferred, nothing copied
      ReplicatedBlobStore.RebalanceReport poor = f.rebalanceStorage(-1, 100, 1).report();
      assertEquals(all, poor.deferred());
      assertTrue(poor.moved().isEmpty());
      assertEquals(0, poor.bytesMoved());
      assertEquals(0, stores.get(2).size());

      // two payloads (one record) per run, resuming after the last record looked at
      List<Digest> moved = new ArrayList<>();
      long after = -1;
      int runs = 0;
      while (true) {
        Federation.StorageRebalance run = f.rebalanceStorage(after, 2, 1 << 20);
        runs++;
        assertTrue(run.report().examined() <= 2);
        assertTrue(run.report().shortfalls().isEmpty() && run.report().lost().isEmpty(), run.toString());
        run.report().moved().forEach(m -> moved.add(m.id()));
        if (run.resumeAfter().isEmpty()) {
          break;
        }
        after = run.resumeAfter().getAsLong();
      }
      assertEquals(all, moved);
      assertEquals(3, runs, "one record per run; the third reaches the end");
      assertEquals(all.size(), stores.get(2).size());
      assertThrows(IllegalArgumentException.class, () -> f.rebalanceStorage(-1, 1, 1));
      assertThrows(IllegalArgumentException.class, () -> f.rebalanceStorage(-1, 2, 0));
    }
  }

  @Test
  void aPayloadOnlyTheRemovedNodeHoldsIsCopiedFromItWhileItServesAndReportedLostOtherwise() {
    try (Federation f = federation(List.of("Lab D", "Clinic C"), 1)) {
      List<String> n = ids(f);
      PatientClient anna = f.registerPatient("Anna");
      stores.get(1).mode(FlakyStore.Mode.DOWN);
      MedicalRecord only = anna.upload(TestFederation.observation("anna", "4548-4", 6.1)).record();
      MedicalRecord gone = anna.upload(TestFederation.observation("anna", "4548-4", 6.2)).record();
      stores.get(1).mode(FlakyStore.Mode.OK);
      f.removeInstitution("Lab D");

      // reads no longer go to the removed node, so until the rebalance the record cannot be read
      assertThrows(RuntimeException.class, () -> anna.read(only.id()));
      // one payload of the second record is lost for good on the removed node's disk
      stores.get(0).delete(gone.payloadDigest());

      ReplicatedBlobStore.RebalanceReport r = f.rebalanceStorage(-1, 100, 1 << 20).report();
      List<Digest> copied = new ArrayList<>(payloads(only));
      copied.addAll(payloads(gone));
      copied.remove(gone.payloadDigest());
      assertEquals(copied, r.moved().stream().map(ReplicatedBlobStore.Moved::id).toList());
      r.moved().forEach(m -> assertEquals(n.get(0), m.source(), "the removed node, the only holder, is the source"));
      r.moved().forEach(m -> assertEquals(List.of(n.get(1)), m.added()));
      assertEquals(List.of(gone.payloadDigest()), r.lost());
      assertFalse(r.complete());
      assertArrayEquals(TestFederation.observation("anna", "4548-4", 6.1), anna.read(only.id()));
      assertTrue(stores.get(0).size() > 0, "nothing is deleted from the removed node");
    }
  }
}
