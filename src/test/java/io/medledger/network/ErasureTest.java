package io.medledger.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.storage.BlobStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErasureTest {
  private final List<FlakyStore> stores = List.of(new FlakyStore(), new FlakyStore(), new FlakyStore());

  @Test
  void anErasedRecordCanNoLongerBeReadByAnyoneAndTheChainStillValidates() throws Exception {
    try (Federation f = TestFederation.withStores(new ArrayList<BlobStore>(stores))) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A2");
      ResearcherClient res = f.registerResearcher("Researcher", "Authority B1");
      byte[] bundle = TestFederation.demoRecord("anna-mueller");
      MedicalRecord r1 = anna.upload(bundle);
      byte[] obs = TestFederation.observation("demo-anna-mueller", "4548-4", 6.3);
      MedicalRecord r2 = anna.upload(obs);
      AccessGrant onlyR1 = anna.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.records(r1.id())));
      anna.grant(GrantRequest.research(res.id()));
      assertArrayEquals(bundle, lee.read(r1.id()));
      res.read(r1.id());

      ErasureReport report = anna.erase(r1.id());
      assertTrue(report.complete());
      assertEquals(3, report.deletedFrom().size());
      assertEquals(List.of(onlyR1.id()), report.destroyedGrants());
      assertTrue(report.tombstone().isPresent());

      // nobody reads it any more
      assertThrows(RecordErasedException.class, () -> anna.read(r1.id()));
      assertThrows(AccessDeniedException.class, () -> lee.read(r1.id()), "its record-scoped grant was revoked");
      assertThrows(RecordErasedException.class, () -> res.read(r1.id()));
      // not even around the clients: no copy on any storage node, no fragment at any proxy
      for (FlakyStore s : stores) {
        assertTrue(s.get(r1.payloadDigest()).isEmpty());
      }
      for (Node n : f.federationNodes()) {
        assertFalse(n.holdsFragment(onlyR1.id()));
      }
      // the other record is untouched
      assertArrayEquals(obs, anna.read(r2.id()));
      assertTrue(new String(res.read(r2.id()), StandardCharsets.UTF_8).contains("4548-4"));

      // the ledger keeps digest, pseudonyms and the fact of erasure, and still validates
      RecordView view = anna.records().stream().filter(v -> v.record().id().equals(r1.id())).findFirst().orElseThrow();
      assertTrue(view.erased());
      assertEquals(r1.payloadDigest(), view.record().payloadDigest());
      ChainReport chain = f.auditor("a").verifyChain();
      assertTrue(chain.valid(), chain.toString());
      assertNoPlaintextOnTheLedger(f);
    }
  }

  @Test
  void aRegulatorErasesAndAnUnreachableNodeIsRetried() throws Exception {
    try (Federation f = TestFederation.withStores(new ArrayList<BlobStore>(stores))) {
      PatientClient li = f.registerPatient("Li");
      MedicalRecord r = li.upload(TestFederation.demoRecord("li-wei"));
      stores.get(2).mode(FlakyStore.Mode.DOWN);
      ErasureReport report = f.regulator("Health Regulator").orderErasure(r.id());
      assertFalse(report.complete());
      assertEquals(1, report.unreachable().size());
      assertThrows(RecordErasedException.class, () -> li.read(r.id()));
      stores.get(2).mode(FlakyStore.Mode.OK);
      ErasureReport retried = f.retryErasure(r.id());
      assertTrue(retried.complete());
      for (FlakyStore s : stores) {
        assertTrue(s.get(r.payloadDigest()).isEmpty());
      }
      assertTrue(f.auditor("a").query().allRecords(RecordQuery.all()).get(0).erased());
      assertTrue(f.auditor("a").verifyChain().valid());
    }
  }

  /** No block holds a name, an identifier or any other FHIR text of the demo records. */
  static void assertNoPlaintextOnTheLedger(Federation f) {
    var ledger = f.reader().ledger();
    for (long h = 0; h <= ledger.height(); h++) {
      String bytes = new String(ledger.block(h).encode(), StandardCharsets.ISO_8859_1);
      for (String secret : List.of("Müller", "M\u00c3\u00bcller", "Anna", "MRN-K", "demo-anna-mueller", "resourceType",
          "4548-4", "Li Wei")) {
        assertFalse(bytes.contains(secret), "block " + h + " contains " + secret);
      }
    }
  }
}
