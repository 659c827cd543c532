package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Limits;
import io.medledger.chain.MedicalRecord;
import io.medledger.crypto.Digest;
import io.medledger.federation.Federation;
import io.medledger.pre.SecretKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A clinician's client: it opens only for a key the ledger lists as an active clinician, and each
 * write, read and amendment is refused, naming the missing right, unless a treatment grant of the
 * patient covers it; what a clinician's queries show follows the same rule.
 */
class ClinicianClientTest {
  private final Federation f = SmallFederation.builder("clinician-client-test", 41).build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
  private final ClinicianClient kim = f.registerClinician("Dr Kim", "Hospital A");

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aClientOpensOnlyForAKeyTheLedgerListsAsAnActiveClinician() {
    Identity researcher = Identity.generate(ParticipantKind.RESEARCHER, "Rita", SmallFederation.seeded(1));
    assertThrows(IllegalArgumentException.class, () -> ClinicianClient.open(f.connection(), researcher));
    f.registerResearcher(researcher, "Authority");
    // the researcher's keys presented as a clinician's: the ledger lists them as a researcher
    Identity disguised = Identity.of(ParticipantKind.CLINICIAN, "Rita", researcher.secretSigningKey(),
        researcher.secretEncryptionKey(), SecretKey.random());
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> ClinicianClient.open(f.connection(), disguised));
    assertEquals(AccessRight.READER_ROLE, e.missingRight());
    Identity unregistered = Identity.generate(ParticipantKind.CLINICIAN, "Dr Nobody", SmallFederation.seeded(2));
    AccessRefusedException u = assertThrows(AccessRefusedException.class, () -> ClinicianClient.open(f.connection(), unregistered));
    assertEquals(AccessRight.READER_ROLE, u.missingRight());
    assertTrue(u.getMessage().contains("is not an active clinician"), u.getMessage());
    ClinicianClient again = ClinicianClient.open(f.connection(), lee.identity());
    assertEquals(lee.id(), again.id());
    assertEquals(lee.identity(), again.identity());
    assertEquals(f.institutionId("Hospital A"), again.institutionId());
    assertEquals("ClinicianClient[" + lee.id() + " of " + again.institutionId() + "]", again.toString());
  }

  @Test
  void aWriteNeedsARegisteredPatientAndATreatmentGrantStreamedOrNot() {
    byte[] obs = SmallFederation.observation("7");
    AccessRefusedException notPatient = assertThrows(AccessRefusedException.class, () -> lee.write(kim.id(), obs));
    assertEquals(AccessRight.TREATMENT_GRANT, notPatient.missingRight());
    assertTrue(notPatient.getMessage().contains(kim.id() + " is not a registered patient"), notPatient.getMessage());
    AccessRefusedException noGrant = assertThrows(AccessRefusedException.class,
        () -> lee.write(anna.id(), "Observation", new ByteArrayInputStream(obs)));
    assertEquals(AccessRight.TREATMENT_GRANT, noGrant.missingRight());
    assertTrue(noGrant.getMessage().contains("has not granted"), noGrant.getMessage());
    anna.grant(GrantRequest.treatment(lee.id()));
    MedicalRecord streamed = lee.write(anna.id(), "Observation", new ByteArrayInputStream(obs)).record();
    assertEquals(anna.id(), streamed.patient());
    assertEquals(lee.id(), streamed.author());
    assertEquals("Observation", streamed.resourceType());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(obs.length, lee.read(streamed.id(), out));
    assertArrayEquals(obs, out.toByteArray());
  }

  @Test
  void aReadUnderAGrantToTheInstitutionAloneIsRefusedNamingIt() {
    MedicalRecord rec = anna.upload(SmallFederation.observation("8")).record();
    anna.grant(GrantRequest.treatment(f.institutionId("Hospital A")));
    // the institution's grant shows the record to its clinicians and lets them amend it ...
    assertEquals(List.of(rec.id()), kim.sharedRecords().stream().map(v -> v.record().id()).toList());
    // ... but decrypts only for a grant to the clinician
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> kim.read(rec.id()));
    assertEquals(AccessRight.TREATMENT_GRANT, e.missingRight());
    assertTrue(e.getMessage().contains("is to institution " + f.institutionId("Hospital A")), e.getMessage());
    AccessRefusedException none = assertThrows(AccessRefusedException.class,
        () -> kim.read(rec.id(), new ByteArrayOutputStream()));
    assertTrue(none.getMessage().contains("is to institution"), none.getMessage());
  }

  @Test
  void aColleagueSeesNoRecordItWasNotGrantedAndNoErasedRecordIsAmended() {
    anna.grant(GrantRequest.treatment(lee.id()));
    MedicalRecord byLee = lee.write(anna.id(), SmallFederation.observation("9")).record();
    assertEquals(List.of(byLee.id()), lee.sharedRecords().stream().map(v -> v.record().id()).toList());
    assertEquals(List.of(), kim.sharedRecords(), "a colleague of the same institution sees nothing ungranted");
    IllegalArgumentException typeChange = assertThrows(IllegalArgumentException.class,
        () -> lee.amend(byLee.id(), "{\"resourceType\":\"Condition\",\"id\":\"c\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertTrue(typeChange.getMessage().contains("keeps the resource type Observation"), typeChange.getMessage());
    anna.grant(GrantRequest.treatment(kim.id()).scope(AccessScope.records(byLee.id())));
    anna.erase(byLee.id());
    assertThrows(RecordErasedException.class, () -> kim.amend(byLee.id(), SmallFederation.observation("9")));
    assertThrows(RecordErasedException.class, () -> lee.amend(byLee.id(), SmallFederation.observation("9")));
  }

  @Test
  void anAmendmentPastTheLedgersLineageBoundIsRefusedBeforeAnythingIsStoredOrSubmitted() {
    anna.grant(GrantRequest.treatment(lee.id()));
    MedicalRecord last = lee.write(anna.id(), SmallFederation.observation("0")).record();
    for (int i = 1; i < Limits.MAX_AMENDMENT_DEPTH; i++) {
      last = lee.amend(last.id(), SmallFederation.observation(Integer.toString(i))).record();
    }
    assertEquals(Limits.MAX_AMENDMENT_DEPTH, f.reader().ledger().records(io.medledger.chain.RecordQuery.all()
        .patient(anna.id()), io.medledger.chain.PageRequest.first(1000)).items().size());
    ClinicianClient sealed = ClinicianClient.open(Connections.lying(f.connection(), Map.of(
        "submit", a -> {
          throw new AssertionError("submitted " + a[0]);
        },
        "putBlob", a -> {
          throw new AssertionError("stored a payload");
        })), lee.identity());
    Digest deepest = last.id();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> sealed.amend(deepest, SmallFederation.observation("x")));
    assertTrue(e.getMessage().contains("write a new record instead"), e.getMessage());
    // one level less deep is still amended (the bound of the ledger, AuthorizationRulesTest, is the same)
    MedicalRecord shallower = (MedicalRecord) f.connection().entry(last.amends().orElseThrow()).orElseThrow();
    assertEquals(shallower.id(), lee.amend(shallower.id(), SmallFederation.observation("y")).record().amends().orElseThrow());
  }
}
