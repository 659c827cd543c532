package io.medledger.federation;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordErasure;
import io.medledger.chain.RecordQuery;
import io.medledger.chain.ValidationResult;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AuditorClient;
import io.medledger.client.ChainReport;
import io.medledger.client.ClinicianClient;
import io.medledger.client.ErasureReport;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.RecordErasedException;
import io.medledger.client.RecordView;
import io.medledger.client.ResearcherClient;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.storage.BlobStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Erasure by the patient and by a regulator: a {@link RecordErasure} entry on the ledger, no copy
 * on any storage node, no fragment at any proxy, every client refused, the chain's validation
 * refusing further access events and amendments, and the chain still valid.
 */
class ErasureTest {
  private final List<FlakyStore> stores = List.of(new FlakyStore(), new FlakyStore(), new FlakyStore());

  @Test
  void aPatientErasesAndNobodyCanReadTheRecordAnyMore() throws Exception {
    try (Federation f = TestFederation.withStores(new ArrayList<BlobStore>(stores))) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A2");
      ClinicianClient okafor = f.registerClinician("Dr Okafor", "Hospital A3");
      ResearcherClient res = f.registerResearcher("Researcher", "Authority B1");
      byte[] bundle = TestFederation.demoRecord("anna-mueller");
      MedicalRecord r1 = anna.upload(bundle).record();
      byte[] obs = TestFederation.observation("demo-anna-mueller", "4548-4", 6.3);
      MedicalRecord r2 = anna.upload(obs).record();
      AccessGrant onlyR1 = anna.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.records(r1.id())));
      AccessGrant everything = anna.grant(GrantRequest.treatment(okafor.id()));
      anna.grant(GrantRequest.research(res.id()));
      assertArrayEquals(bundle, lee.read(r1.id()));
      assertArrayEquals(bundle, okafor.read(r1.id()));
      res.read(r1.id());

      ErasureReport report = anna.erase(r1.id());
      assertTrue(report.complete());
      assertEquals(3, report.deletedFrom().size());
      assertEquals(anna.id(), report.erasedBy());
      assertEquals(List.of(onlyR1.id()), report.destroyedGrants(), "only grants scoped to the erased record alone");
      assertErasureOnTheLedger(f, report, r1);
      assertFalse(f.reader().ledger().isGrantActive(onlyR1.id(), f.now()), "the patient revoked the record's grant");
      assertTrue(f.reader().ledger().isGrantActive(everything.id(), f.now()), "a broader grant stays");

      // nobody reads it any more through the clients
      assertThrows(RecordErasedException.class, () -> anna.read(r1.id()));
      assertThrows(AccessRefusedException.class, () -> lee.read(r1.id()), "its record-scoped grant was revoked");
      assertThrows(RecordErasedException.class, () -> okafor.read(r1.id()));
      assertThrows(RecordErasedException.class, () -> res.read(r1.id()));
      assertThrows(RecordErasedException.class, () -> okafor.amend(r1.id(), bundle));
      assertThrows(RecordErasedException.class, () -> anna.erase(r1.id()), "erased once only");
      // nor around them: no copy on any storage node, no fragment of the record's grant at any proxy
      assertNoCopyAndNoFragment(f, r1, List.of(onlyR1.id()));
      // and a modified client's access event or amendment is refused by validation
      assertRefusedByValidation(f, accessEvent(f, anna.identity(), r1, Optional.empty()));
      assertRefusedByValidation(f, amendment(f, anna.identity(), Optional.empty(), r1));

      // the other record is untouched
      assertArrayEquals(obs, anna.read(r2.id()));
      assertArrayEquals(obs, okafor.read(r2.id()));
      assertTrue(new String(res.read(r2.id()), StandardCharsets.UTF_8).contains("4548-4"));

      // the ledger keeps digest, pseudonyms and the fact of erasure, and still validates
      RecordView view = anna.records().stream().filter(v -> v.record().id().equals(r1.id())).findFirst().orElseThrow();
      assertTrue(view.erased());
      assertEquals(r1.payloadDigest(), view.record().payloadDigest());
      assertNoPlaintextOnTheLedger(f);
      ChainReport chain = f.auditor("a").verifyChain();
      assertTrue(chain.valid(), chain.toString());
      assertTrue(chain.disagreeingNodes().isEmpty());
    }
  }

  @Test
  void aRegulatorErasesByLawAndNobodyCanReadTheRecordAnyMore() throws Exception {
    try (Federation f = TestFederation.withStores(new ArrayList<BlobStore>(stores))) {
      PatientClient li = f.registerPatient("Li");
      Identity leeKey = Identity.generate(ParticipantKind.CLINICIAN, "Dr Lee", TestFederation.seeded(7));
      ClinicianClient lee = f.registerClinician(leeKey, "Hospital A2");
      ResearcherClient res = f.registerResearcher("Researcher", "Authority B1");
      byte[] bundle = TestFederation.demoRecord("li-wei");
      MedicalRecord r = li.upload(bundle).record();
      MedicalRecord other = li.upload(TestFederation.observation("demo-li-wei", "4548-4", 7.1)).record();
      AccessGrant onlyR = li.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.records(r.id())));
      li.grant(GrantRequest.research(res.id()));
      assertArrayEquals(bundle, lee.read(r.id()));
      Digest earlierEvent = li.accessEvents().stream().filter(e -> e.accessor().equals(lee.id())).findFirst()
          .orElseThrow().id();

      AuditorClient regulator = f.regulator("Health Regulator");
      ErasureReport report = regulator.orderErasure(r.id());
      assertTrue(report.complete());
      assertEquals(regulator.id(), report.erasedBy());
      assertEquals(List.of(onlyR.id()), report.destroyedGrants());
      assertErasureOnTheLedger(f, report, r);
      assertTrue(f.reader().ledger().isGrantActive(onlyR.id(), f.now()), "only the patient revokes her grants");

      // nobody reads it any more: the patient, the clinician whose grant is still on the ledger, the researcher
      assertThrows(RecordErasedException.class, () -> li.read(r.id()));
      assertThrows(RecordErasedException.class, () -> lee.read(r.id()));
      assertThrows(RecordErasedException.class, () -> res.read(r.id()));
      assertThrows(RecordErasedException.class, () -> lee.amend(r.id(), bundle));
      assertThrows(RecordErasedException.class, () -> li.erase(r.id()));
      assertNoCopyAndNoFragment(f, r, List.of(onlyR.id()));
      // a proxy asked to re-encrypt for the access event made before the erasure refuses
      for (FederationServer n : f.federationNodes()) {
        assertThrows(RecordErasedException.class, () -> n.reencrypt(earlierEvent));
      }
      // a modified client's access event under the still-active grant, or an amendment, is refused by validation
      assertRefusedByValidation(f, accessEvent(f, leeKey, r, Optional.of(onlyR.id())));
      assertRefusedByValidation(f, accessEvent(f, li.identity(), r, Optional.empty()));
      assertRefusedByValidation(f, amendment(f, leeKey, Optional.of(lee.institutionId()), r));

      assertTrue(new String(res.read(other.id()), StandardCharsets.UTF_8).contains("4548-4"));
      assertNoPlaintextOnTheLedger(f);
      ChainReport chain = f.auditor("a").verifyChain();
      assertTrue(chain.valid(), chain.toString());
    }
  }

  @Test
  void anUnreachableNodeIsRetriedAndTheErasedPayloadIsNotRepaired() throws Exception {
    try (Federation f = TestFederation.withStores(new ArrayList<BlobStore>(stores))) {
      PatientClient li = f.registerPatient("Li");
      MedicalRecord r = li.upload(TestFederation.demoRecord("li-wei")).record();
      stores.get(2).mode(FlakyStore.Mode.DOWN);
      ErasureReport report = f.regulator("Health Regulator").orderErasure(r.id());
      assertFalse(report.complete());
      assertEquals(1, report.unreachable().size());
      assertEquals(2, report.deletedFrom().size());
      assertTrue(f.reader().ledger().isErased(r.id()), "the erasure is final although a node was down");
      assertThrows(RecordErasedException.class, () -> li.read(r.id()));
      stores.get(2).mode(FlakyStore.Mode.OK);
      // anti-entropy must not bring the erased payload back from the node that missed the deletion
      f.repairStorage();
      assertTrue(stores.get(0).get(r.payloadDigest()).isEmpty());
      // the retry works from the ledger: it finds the erasure entry and deletes the copy left behind
      ErasureReport retried = f.retryErasure(r.id());
      assertTrue(retried.complete());
      assertEquals(report.unreachable(), retried.deletedFrom());
      assertEquals(report.erasureEntry(), retried.erasureEntry());
      assertEquals(report.erasedBy(), retried.erasedBy());
      for (FlakyStore s : stores) {
        assertTrue(s.get(r.payloadDigest()).isEmpty());
      }
      assertTrue(f.auditor("a").query().allRecords(RecordQuery.all()).get(0).erased());
      assertThrows(IllegalArgumentException.class, () -> f.retryErasure(Sha256.hash(new byte[] {1})));
      MedicalRecord kept = li.upload(TestFederation.observation("demo-li-wei", "4548-4", 7.1)).record();
      assertThrows(IllegalArgumentException.class, () -> f.retryErasure(kept.id()), "not erased");
      assertTrue(f.auditor("a").verifyChain().valid());
    }
  }

  /** Every node's ledger holds the erasure entry, signed by the requester, naming only pseudonyms and the record id. */
  private static void assertErasureOnTheLedger(Federation f, ErasureReport report, MedicalRecord rec) {
    for (FederationServer n : f.nodes()) {
      assertTrue(n.ledger().isErased(rec.id()), "node " + n.id());
      RecordErasure x = (RecordErasure) n.entry(report.erasureEntry()).orElseThrow();
      assertEquals(rec.patient(), x.patient());
      assertEquals(rec.id(), x.record());
      assertEquals(report.erasedBy(), x.requestedBy());
      assertEquals(1, x.endorsements().size());
    }
  }

  private void assertNoCopyAndNoFragment(Federation f, MedicalRecord rec, List<Digest> grants) {
    for (FlakyStore s : stores) {
      assertTrue(s.get(rec.payloadDigest()).isEmpty());
    }
    for (FederationServer n : f.federationNodes()) {
      for (Digest g : grants) {
        assertFalse(n.holdsFragment(g), "proxy " + n.id() + " still holds a fragment of " + g);
      }
    }
  }

  /** The entry is refused at admission and by the block validation of every server. */
  private static void assertRefusedByValidation(Federation f, Entry e) {
    ValidationResult<Entry> admitted = f.reader().admit(e);
    assertFalse(admitted.isAccepted());
    assertTrue(admitted.reason().contains("erased"), admitted.reason());
    long height = f.reader().ledger().height();
    Sequencer.Outcome o = f.submit(List.of(e));
    assertEquals(1, o.rejected().size());
    assertTrue(o.rejected().get(0).reason().contains("erased"), o.rejected().get(0).reason());
    for (FederationServer n : f.nodes()) {
      assertTrue(n.ledger().locate(e.id()).isEmpty());
      assertTrue(n.ledger().height() <= height + 1);
    }
  }

  private static AccessEvent accessEvent(Federation f, Identity accessor, MedicalRecord rec, Optional<Digest> grant) {
    return f.sign(new AccessEvent(rec.patient(), accessor.id(), rec.id(), grant, f.now(), List.of()), accessor);
  }

  /** An amendment of {@code rec} by {@code author}, under {@code institution} unless the author is the patient. */
  private static MedicalRecord amendment(Federation f, Identity author, Optional<ParticipantId> institution,
      MedicalRecord rec) {
    return f.sign(new MedicalRecord(rec.patient(), author.id(), institution, rec.resourceType(),
        Sha256.hash("another version".getBytes(StandardCharsets.US_ASCII)), 15, rec.storageNodes(),
        rec.encryptionMetadata(), f.now(), Optional.of(rec.id()), List.of()), author);
  }

  /** No block holds a name, an identifier or any other FHIR text of the demo records. */
  static void assertNoPlaintextOnTheLedger(Federation f) {
    var ledger = f.reader().ledger();
    for (long h = 0; h <= ledger.height(); h++) {
      String bytes = new String(ledger.block(h).encode(), StandardCharsets.ISO_8859_1);
      for (String secret : List.of("Müller", "M\u00c3\u00bcller", "Anna", "MRN-K", "demo-anna-mueller", "resourceType",
          "4548-4", "demo-li-wei", "MRN-XA-000417", "5550 1234")) {
        assertFalse(bytes.contains(secret), "block " + h + " contains " + secret);
      }
    }
  }
}
