package io.medledger.federation;

import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.storage.InsufficientReplicasException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Storage nodes failing under the facade: w = 2 of 3. */
class StorageFaultTest {
  private final List<FlakyStore> stores = List.of(new FlakyStore(), new FlakyStore(), new FlakyStore());

  @ParameterizedTest
  @EnumSource(value = FlakyStore.Mode.class, names = {"DOWN", "CORRUPT"})
  void withOneNodeFaultyEveryWriteAndReadSucceedsWithVerifiedData(FlakyStore.Mode fault) throws Exception {
    try (Federation f = TestFederation.withStores(new ArrayList<>(stores))) {
      PatientClient p = f.registerPatient("p");
      ClinicianClient c = f.registerClinician("c", "Hospital A1");
      p.grant(GrantRequest.treatment(c.id()));
      List<MedicalRecord> written = new ArrayList<>();
      List<byte[]> payloads = new ArrayList<>();
      for (int faulty = 0; faulty < 3; faulty++) {
        for (int i = 0; i < 3; i++) {
          stores.get(i).mode(i == faulty ? fault : FlakyStore.Mode.OK);
        }
        byte[] a = TestFederation.observation("p", "4548-" + faulty, 6.5 + faulty);
        byte[] b = TestFederation.observation("p", "2345-" + faulty, 5.0 + faulty);
        written.add(p.upload(a).record());
        payloads.add(a);
        written.add(c.write(p.id(), b).record());
        payloads.add(b);
        // every record written so far reads back, whichever node is faulty now
        for (int k = 0; k < written.size(); k++) {
          assertArrayEquals(payloads.get(k), p.read(written.get(k).id()));
          assertArrayEquals(payloads.get(k), c.read(written.get(k).id()));
        }
        // the faulty node is fixed before the next one fails; anti-entropy restores three copies
        stores.forEach(s -> s.mode(FlakyStore.Mode.OK));
        f.repairStorage();
      }
      assertEquals(0, f.repairStorage(), "every copy is in place");
      if (fault == FlakyStore.Mode.DOWN) {
        // records written while a node was down list only the nodes that took the payload
        assertEquals(2, written.get(0).storageNodes().size());
      }
      assertTrue(f.auditor("a").verifyChain().valid());
    }
  }

  @Test
  void tooFewNodesIsAClearErrorAndNothingReachesTheLedger() {
    try (Federation f = TestFederation.withStores(new ArrayList<>(stores))) {
      PatientClient p = f.registerPatient("p");
      ClinicianClient c = f.registerClinician("c", "Hospital A1");
      p.grant(GrantRequest.treatment(c.id()));
      long height = f.reader().ledger().height();
      stores.get(0).mode(FlakyStore.Mode.DOWN);
      stores.get(1).mode(FlakyStore.Mode.DOWN);
      InsufficientReplicasException e = assertThrows(InsufficientReplicasException.class,
          () -> p.upload(TestFederation.observation("p", "1", 1)));
      assertTrue(e.getMessage().contains("reached 1 of the 2 nodes required"), e.getMessage());
      assertThrows(InsufficientReplicasException.class, () -> c.write(p.id(), TestFederation.observation("p", "2", 2)));
      assertEquals(height, f.reader().ledger().height(), "no block was made");
      assertTrue(p.records().isEmpty());
      assertEquals(0, f.auditor("a").query().allRecords(RecordQuery.all()).size());
      assertEquals(0, stores.get(2).size(), "the one copy written was removed again");
    }
  }
}
