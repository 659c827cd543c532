package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.medledger.federation.RemovedAffiliateTest.refusedAsNoParticipant;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Governance removes an institution end to end ({@link Federation#removeInstitution}): its
 * clinicians' and researchers' clients opened before are refused at the client, the grant naming
 * the institution lets nobody read, and what a modified client submits is refused by the ledger.
 */
class RemovedInstitutionTest {
  private final Federation f = TestFederation.builder().institution("Clinic D", InstitutionClass.C).build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final MedicalRecord annaRecord = anna.upload(TestFederation.demoRecord("anna-mueller")).record();

  @AfterEach
  void close() {
    f.close();
  }

  private static void rejected(Executable op, String reasonPart) {
    EntryRejectedException e = assertThrows(EntryRejectedException.class, op);
    assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
  }

  @Test
  void theRemovedInstitutionsAffiliatesAndItsGrantAuthorizeNothing() {
    ParticipantId clinicD = f.institutionId("Clinic D");
    ClinicianClient lee = f.registerClinician("Dr Lee", "Clinic D");
    ResearcherClient rae = f.registerResearcher("Rae", "Clinic D");
    AccessGrant toClinic = anna.grant(GrantRequest.treatment(clinicD));
    anna.grant(GrantRequest.treatment(lee.id())); // a clinician decrypts only under a grant to itself
    anna.grant(GrantRequest.research(rae.id()));
    lee.write(anna.id(), TestFederation.observation("anna", "4548-4", 6.1));
    lee.read(annaRecord.id());
    rae.read(annaRecord.id());

    f.removeInstitution("Clinic D");

    assertFalse(f.reader().ledger().participant(clinicD).orElseThrow().active());
    int events = anna.accessEvents().size();
    refusedAsNoParticipant(() -> lee.write(anna.id(), TestFederation.observation("anna", "4548-4", 6.2)));
    refusedAsNoParticipant(() -> lee.read(annaRecord.id()));
    refusedAsNoParticipant(() -> rae.read(annaRecord.id()));
    assertEquals(events, anna.accessEvents().size(), "no read was logged");
    refusedAsNoParticipant(() -> anna.grant(GrantRequest.treatment(clinicD)));
    refusedAsNoParticipant(() -> anna.grant(GrantRequest.treatment(lee.id())));
    // a modified client's read under the institution's grant is refused by the ledger
    AccessEvent forged = f.sign(new AccessEvent(anna.id(), lee.id(), annaRecord.id(), Optional.of(toClinic.id()),
        f.now(), List.of()), lee.identity());
    rejected(() -> f.submitOrThrow(forged), "is not an active participant");
    // no new affiliates, no registrations by it or its clinician
    rejected(() -> f.registerClinician("Dr New", "Clinic D"), "refused before it was sent: Clinic D is not an active "
        + "institution");
    rejected(() -> f.registerPatient(Identity.generate(ParticipantKind.PATIENT, "Ben"), f.institution("Clinic D")),
        "is not an active institution");
    rejected(() -> f.registerPatient(Identity.generate(ParticipantKind.PATIENT, "Cy"), lee.identity()),
        "is not an active clinician");
    // the other institutions go on
    ClinicianClient ok = f.registerClinician("Dr Ok", "Hospital A1");
    anna.grant(GrantRequest.treatment(ok.id()));
    ok.write(anna.id(), TestFederation.observation("anna", "4548-4", 6.3));
  }

  @Test
  void governanceRefusesEarlyWhatTheLedgerWouldRefuse() {
    rejected(() -> f.removeInstitution("Hospital A1"), "refused before it was sent: Hospital A1 still operates the listed "
        + "federation_server");
    rejected(() -> f.removeInstitution("Authority B1"), "refused before it was sent: Authority B1 still operates the "
        + "listed audit_server");
    assertThrows(IllegalArgumentException.class, () -> f.removeInstitution("Nowhere"));
    f.removeInstitution("Clinic D");
    rejected(() -> f.removeInstitution("Clinic D"), "refused before it was sent: Clinic D is not an active institution");
  }

  /** The facade's own registrar is the first institution still active: a removed first one is passed over. */
  @Test
  void theFacadesRegistrarIsAnActiveInstitution() {
    try (Federation g = TestFederation.builderWithFirst("Clinic First", InstitutionClass.C).build()) {
      g.registerPatient("Before");
      g.removeInstitution("Clinic First");
      PatientClient after = g.registerPatient("After");
      assertTrue(g.reader().ledger().participant(after.id()).orElseThrow().active());
    }
  }
}
