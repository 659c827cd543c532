package io.medledger.federation;

import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AffiliateRemoval;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A clinician or researcher whose institution removed it keeps a client opened before: every
 * operation and query of that client is refused at the client, naming {@code participant}, and
 * the ledger still refuses what a modified client submits (the nodes refuse its queries too:
 * {@code node.ClientAdmissionTest}).
 */
class RemovedAffiliateTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final byte[] annaBundle = TestFederation.demoRecord("anna-mueller");
  private final MedicalRecord annaRecord = anna.upload(annaBundle).record();

  @AfterEach
  void close() {
    f.close();
  }

  /** Asserts {@code op} is refused at the client for want of the participant right. */
  static void refusedAsNoParticipant(Executable op) {
    AccessRefusedException e = assertThrows(AccessRefusedException.class, op);
    assertEquals("participant", e.missingRight().label(), e.getMessage());
  }

  private void remove(io.medledger.access.ParticipantId member, String institution) {
    f.submitOrThrow(f.sign(new AffiliateRemoval(member, f.institutionId(institution), f.now(), List.of()),
        f.institution(institution)));
  }

  @Test
  void aRemovedClinicianIsRefusedAtTheClientAndAModifiedClientByTheLedger() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A2");
    AccessGrant g = anna.grant(GrantRequest.treatment(lee.id()));
    MedicalRecord written = lee.write(anna.id(), TestFederation.observation("anna", "4548-4", 6.1)).record();
    remove(lee.id(), "Hospital A2");
    int events = anna.accessEvents().size();
    byte[] obs = TestFederation.observation("anna", "4548-4", 6.2);
    refusedAsNoParticipant(() -> lee.write(anna.id(), obs));
    refusedAsNoParticipant(() -> lee.write(anna.id(), "Observation", new java.io.ByteArrayInputStream(obs)));
    refusedAsNoParticipant(() -> lee.amend(written.id(), obs));
    refusedAsNoParticipant(() -> lee.read(annaRecord.id()));
    refusedAsNoParticipant(() -> lee.read(annaRecord.id(), new ByteArrayOutputStream()));
    assertEquals(events, anna.accessEvents().size(), "no read was logged");
    // its queries too (the nodes admit no request from a key that is not an active participant)
    refusedAsNoParticipant(lee::sharedRecords);
    refusedAsNoParticipant(() -> lee.query().records(io.medledger.chain.RecordQuery.all(),
        io.medledger.chain.PageRequest.first(10)));
    refusedAsNoParticipant(() -> lee.query().grantsReceived());
    // and a patient's new grant to it
    refusedAsNoParticipant(() -> anna.grant(GrantRequest.treatment(lee.id())));
    AccessGrant toRemoved = f.sign(new AccessGrant(anna.id(), lee.id(), io.medledger.chain.AccessScope.all(),
        io.medledger.access.Purpose.TREATMENT, f.now(), f.now() + 60_000, List.of(), 0, List.of(), f.now(), List.of()),
        anna.identity());
    assertThrows(EntryRejectedException.class, () -> f.submitOrThrow(toRemoved));
    AccessEvent forged = f.sign(new AccessEvent(anna.id(), lee.id(), annaRecord.id(), Optional.of(g.id()), f.now(),
        List.of()), lee.identity());
    assertThrows(EntryRejectedException.class, () -> f.submitOrThrow(forged));
  }

  @Test
  void aRemovedResearcherIsRefusedAtTheClientAndAModifiedClientByTheLedger() {
    ResearcherClient rae = f.registerResearcher("Rae", "Authority B1");
    AccessGrant g = anna.grant(GrantRequest.research(rae.id()));
    rae.read(annaRecord.id());
    remove(rae.id(), "Authority B1");
    int events = anna.accessEvents().size();
    refusedAsNoParticipant(() -> rae.read(annaRecord.id()));
    assertEquals(events, anna.accessEvents().size(), "no read was logged");
    refusedAsNoParticipant(rae::consentedRecords);
    refusedAsNoParticipant(() -> rae.query().grantsReceived());
    AccessEvent forged = f.sign(new AccessEvent(anna.id(), rae.id(), annaRecord.id(), Optional.of(g.id()), f.now(),
        List.of()), rae.identity());
    assertThrows(EntryRejectedException.class, () -> f.submitOrThrow(forged));
  }
}
