package io.medledger.federation;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.Block;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.ValidationResult;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Sha256;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A modified client skips the API's checks and signs entries it is not entitled to. Admission
 * refuses them, a bookkeeper that filters proposals leaves them out, and when a Byzantine
 * bookkeeper puts one into a block anyway, every audit server refuses to countersign it.
 */
class UnauthorizedEntryTest {
  @Test
  void auditServersRejectAnUnauthorizedEntryEvenFromAFaultyBookkeeper() {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      MedicalRecord own = anna.upload(TestFederation.observation("anna", "1", 1)).record();
      // the modified client signs with its real, registered key but skips the API checks
      Identity key = Identity.generate(ParticipantKind.CLINICIAN, "Modified", TestFederation.seeded(11));
      ClinicianClient modified = f.registerClinician(key, "Clinic C");
      MedicalRecord signed = f.sign(new MedicalRecord(anna.id(), key.id(), Optional.of(modified.institutionId()),
          "Observation", Sha256.hash(new byte[] {1}), 1, List.of(f.storageNodeIds().get(0)),
          ByteString.of(new byte[] {1}), f.now(), Optional.empty(), List.of()), key);
      AccessEvent snoop = f.sign(new AccessEvent(anna.id(), key.id(), own.id(), Optional.of(own.id()), f.now(),
          List.of()), key);

      for (Entry bad : List.of(signed, snoop)) {
        // 1. admission at any node
        for (FederationServer n : f.nodes()) {
          ValidationResult<Entry> v = n.admit(bad);
          assertFalse(v.isAccepted(), n + " admitted " + bad.kind());
        }
        // 2. an honest bookkeeper leaves it out
        Sequencer.Outcome o = f.submit(List.of(bad));
        assertTrue(o.blocks().isEmpty());
        assertEquals(1, o.rejected().size());
        // 3. a Byzantine bookkeeper assembles it into a block anyway: every audit server refuses
        FederationServer bookkeeper = f.federationNodes().get(0);
        Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(bad));
        for (FederationServer auditor : f.auditNodes()) {
          ValidationResult<Endorsement> vote = auditor.vote(block);
          assertFalse(vote.isAccepted());
          assertTrue(vote.reason().contains("no active treatment grant") || vote.reason().contains("grant"),
              vote.reason());
        }
      }
      assertEquals(1, anna.records().size(), "only Anna's own record is on the chain");
      assertTrue(f.auditor("a").verifyChain().valid());
    }
  }

  @Test
  void aForgedSignatureIsRefusedAtAdmission() {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      Identity mallory = Identity.generate(ParticipantKind.PATIENT, "mallory", TestFederation.seeded(9));
      // Mallory signs a grant in Anna's name with her own key
      var grant = f.sign(new io.medledger.chain.AccessGrant(anna.id(), f.institutionId("Hospital A1"),
          io.medledger.chain.AccessScope.all(), io.medledger.access.Purpose.TREATMENT, f.now(), f.now() + 1000,
          List.of(), 0, List.of(), f.now(), List.of()), mallory);
      assertFalse(f.reader().admit(grant).isAccepted());
      assertThrows(EntryRejectedException.class, () -> f.submitOrThrow(grant));
    }
  }
}
