package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.crypto.Digest;
import io.medledger.federation.Federation;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A patient's client opens only for an active patient on the ledger, acts only on the patient's
 * own records (another patient's record is refused before anything is logged or deleted), and
 * lists the patient's own grants and access events.
 */
class PatientClientTest {
  private final Federation f = SmallFederation.builder("patient-client-test", 21).build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final PatientClient li = f.registerPatient("Li");
  private final byte[] annasData = SmallFederation.observation("1");
  private final Identity desk = f.registerClinician("Dr Desk", "Hospital A").identity(); // a registrar
  private final MedicalRecord annas = anna.upload(annasData).record();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aClientOpensOnlyForAnActivePatientIdentity() {
    Identity doctor = Identity.generate(ParticipantKind.CLINICIAN, "Dr X", SmallFederation.seeded(1));
    assertThrows(IllegalArgumentException.class, () -> PatientClient.open(f.connection(), doctor));
    assertThrows(IllegalArgumentException.class, () -> PatientClient.register(f.connection(), doctor, desk));
    Identity stranger = Identity.generate(ParticipantKind.PATIENT, "Unregistered", SmallFederation.seeded(2));
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> PatientClient.open(f.connection(), stranger));
    assertEquals(AccessRight.RECORD_OWNER, e.missingRight());
    assertTrue(e.getMessage().contains("is not an active patient"), e.getMessage());
    PatientClient again = PatientClient.open(f.connection(), anna.identity());
    assertEquals(anna.id(), again.id());
    assertEquals(anna.identity(), again.identity());
    assertArrayEquals(annasData, again.read(annas.id()));
    assertEquals("PatientClient[" + anna.id() + "]", again.toString());
  }

  @Test
  void anotherPatientsRecordIsRefusedBeforeAnythingIsLoggedOrDeleted() {
    for (Runnable call : List.<Runnable>of(() -> li.read(annas.id()), () -> li.read(annas.id(), new ByteArrayOutputStream()),
        () -> li.erase(annas.id()))) {
      AccessRefusedException e = assertThrows(AccessRefusedException.class, call::run);
      assertEquals(AccessRight.RECORD_OWNER, e.missingRight());
      assertTrue(e.getMessage().contains("belongs to another patient"), e.getMessage());
    }
    assertEquals(List.of(), anna.accessEvents(), "no read was logged");
    assertFalse(f.connection().isErased(annas.id()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(annasData.length, anna.read(annas.id(), out));
    assertArrayEquals(annasData, out.toByteArray());
    assertEquals(1, anna.accessEvents().size(), "the patient's own read is logged");
    assertEquals(List.of(), li.accessEvents());
  }

  @Test
  void aStreamedUploadIsAnOwnRecordOfTheTypeGiven() {
    byte[] big = new byte[300_000];
    big[7] = 7;
    MedicalRecord m = anna.upload("ImagingStudy", new java.io.ByteArrayInputStream(big)).record();
    assertEquals(anna.id(), m.patient());
    assertEquals("ImagingStudy", m.resourceType());
    MedicalRecord second = anna.uploadAsync("ImagingStudy", new java.io.ByteArrayInputStream(big)).join().record();
    assertEquals(anna.id(), second.patient());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(big.length, anna.read(m.id(), out));
    assertArrayEquals(big, out.toByteArray());
  }

  @Test
  void grantsAreListedAndActiveUntilRevoked() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    AccessGrant g = anna.grant(GrantRequest.treatment(lee.id()));
    assertEquals(List.of(g), anna.grants());
    assertEquals(List.of(), li.grants());
    assertTrue(anna.isGrantActive(g.id()));
    io.medledger.chain.AccessRevocation r = anna.revoke(g.id());
    assertEquals(g.id(), r.grant());
    assertEquals(anna.id(), r.patient());
    assertFalse(anna.isGrantActive(g.id()));
    assertEquals(List.of(annas.id()), anna.records().stream().map(v -> v.record().id()).toList());
    assertEquals(List.of(), li.records());
  }

  /** Anna's client over a connection that fails the test if anything is submitted. */
  private PatientClient annaSubmittingNothing() {
    return PatientClient.open(Connections.lying(f.connection(), Map.of("submit", a -> {
      throw new AssertionError("submitted " + a[0]);
    })), anna.identity());
  }

  private static void refusedWith(AccessRight right, Runnable call) {
    AccessRefusedException e = assertThrows(AccessRefusedException.class, call::run);
    assertEquals(right, e.missingRight(), e.getMessage());
  }

  @Test
  void aRevocationOfAnotherPatientsGrantOrOfNoOpenGrantIsRefusedBeforeItIsSubmitted() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    AccessGrant lis = li.grant(GrantRequest.treatment(lee.id()));
    AccessGrant annas = anna.grant(GrantRequest.treatment(lee.id()));
    anna.revoke(annas.id());
    PatientClient sealed = annaSubmittingNothing();
    refusedWith(AccessRight.RECORD_OWNER, () -> sealed.revoke(lis.id()));
    refusedWith(AccessRight.ACTIVE_GRANT, () -> sealed.revoke(annas.id()));
    refusedWith(AccessRight.ACTIVE_GRANT, () -> sealed.revoke(this.annas.id()));
    refusedWith(AccessRight.ACTIVE_GRANT, () -> sealed.revokeAsync(Digest.of(new byte[32])));
    assertTrue(li.isGrantActive(lis.id()));
    // a modified client that skips the check is still refused by the ledger
    AccessRevocation forged = Entry.sign(new AccessRevocation(anna.id(), lis.id(), f.clock().millis(), List.of()),
        f.parameters().chainId(), anna.identity().secretSigningKey());
    assertThrows(EntryRejectedException.class, () -> Session.await(f.connection().submit(forged)));
    assertTrue(li.isGrantActive(lis.id()));
  }

  @Test
  void aGrantToAKindItsPurposeForbidsOrOverAnotherPatientsRecordIsRefusedBeforeItIsSubmitted() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    ResearcherClient rae = f.registerResearcher("Rae", "Authority");
    MedicalRecord lis = li.upload(SmallFederation.observation("2")).record();
    PatientClient sealed = annaSubmittingNothing();
    refusedWith(AccessRight.READER_ROLE, () -> sealed.grant(GrantRequest.treatment(rae.id())));
    refusedWith(AccessRight.READER_ROLE, () -> sealed.grant(GrantRequest.research(lee.id())));
    refusedWith(AccessRight.READER_ROLE, () -> sealed.grantAsync(GrantRequest.treatment(li.id())));
    refusedWith(AccessRight.RECORD_OWNER,
        () -> sealed.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.records(annas.id(), lis.id()))));
    refusedWith(AccessRight.RECORD,
        () -> sealed.grant(GrantRequest.research(rae.id()).scope(AccessScope.records(Digest.of(new byte[32])))));
    assertEquals(List.of(), anna.grants());
    // a modified client that skips the checks is still refused by the ledger
    long now = f.clock().millis();
    for (AccessGrant forged : List.of(
        new AccessGrant(anna.id(), rae.id(), AccessScope.all(), Purpose.TREATMENT, now, now + 60_000, List.of(), 0,
            List.of(), now, List.of()),
        new AccessGrant(anna.id(), lee.id(), AccessScope.records(lis.id()), Purpose.TREATMENT, now, now + 60_000,
            List.of(), 0, List.of(), now, List.of()))) {
      AccessGrant signed = Entry.sign(forged, f.parameters().chainId(), anna.identity().secretSigningKey());
      assertThrows(EntryRejectedException.class, () -> Session.await(f.connection().submit(signed)));
    }
    assertEquals(List.of(), anna.grants());
    // the grants the purposes allow still go through
    assertTrue(anna.isGrantActive(grantedId(GrantRequest.treatment(lee.id()).scope(AccessScope.records(annas.id())))));
    assertTrue(anna.isGrantActive(grantedId(GrantRequest.research(rae.id()))));
  }

  private Digest grantedId(GrantRequest r) {
    return anna.grant(r).id();
  }

  @Test
  void aGrantPastTheBoundOfOpenGrantsIsRefusedBeforeItIsSubmitted() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    AccessGrant first = anna.grant(GrantRequest.treatment(lee.id()));
    for (int i = 1; i < io.medledger.chain.Limits.MAX_OPEN_GRANTS; i++) {
      anna.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.resourceTypes("Observation")));
    }
    PatientClient sealed = annaSubmittingNothing();
    EntryRejectedException e = assertThrows(EntryRejectedException.class,
        () -> sealed.grant(GrantRequest.treatment(lee.id())));
    assertTrue(e.getMessage().contains("revoke one first"), e.getMessage());
    // a modified client that skips the check is still refused by the ledger
    long now = f.clock().millis();
    AccessGrant forged = Entry.sign(new AccessGrant(anna.id(), lee.id(), AccessScope.all(), Purpose.TREATMENT, now,
        now + 60_000, List.of(), 0, List.of(), now, List.of()), f.parameters().chainId(),
        anna.identity().secretSigningKey());
    EntryRejectedException ledger = assertThrows(EntryRejectedException.class,
        () -> Session.await(f.connection().submit(forged)));
    assertTrue(ledger.getMessage().contains("revoke one first"), ledger.getMessage());
    // once one is revoked, the next grant goes through
    anna.revoke(first.id());
    assertTrue(anna.isGrantActive(grantedId(GrantRequest.treatment(lee.id()))));
  }

  @Test
  void aGrantPastTheBoundOfOpenScopeItemsIsRefusedBeforeItIsSubmitted() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    int per = io.medledger.chain.Limits.MAX_SCOPE_ITEMS;
    for (int g = 0; g < io.medledger.chain.Limits.MAX_OPEN_GRANT_SCOPE_ITEMS / per; g++) {
      String[] types = new String[per];
      for (int i = 0; i < per; i++) {
        types[i] = "T" + (char) ('a' + g) + (char) ('a' + i / 26 / 26) + (char) ('a' + i / 26 % 26) + (char) ('a' + i % 26);
      }
      anna.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.resourceTypes(types)));
    }
    PatientClient sealed = annaSubmittingNothing();
    EntryRejectedException e = assertThrows(EntryRejectedException.class,
        () -> sealed.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.resourceTypes("Observation"))));
    assertTrue(e.getMessage().contains("revoke one first"), e.getMessage());
    // a grant of every record lists no item and still fits
    assertTrue(anna.isGrantActive(grantedId(GrantRequest.treatment(lee.id()))));
  }

  @Test
  void aRegistrarMustBeAnActiveInstitutionOrClinicianBeforeAnythingIsSent() {
    Identity bo = Identity.generate(ParticipantKind.PATIENT, "Bo", SmallFederation.seeded(3));
    LedgerConnection sealed = Connections.lying(f.connection(), Map.of(
        "submit", a -> {
          throw new AssertionError("submitted " + a[0]);
        },
        "publish", a -> {
          throw new AssertionError("published " + a[0]);
        }));
    Identity unlisted = Identity.generate(ParticipantKind.INSTITUTION, "Unlisted", SmallFederation.seeded(4));
    EntryRejectedException e = assertThrows(EntryRejectedException.class,
        () -> PatientClient.register(sealed, bo, unlisted));
    assertTrue(e.getMessage().contains("registrar " + unlisted.id() + " is not an active institution"), e.getMessage());
    Identity researcher = Identity.generate(ParticipantKind.RESEARCHER, "Dr R", SmallFederation.seeded(5));
    assertThrows(IllegalArgumentException.class, () -> PatientClient.register(sealed, bo, researcher));
    // a modified client that sends the registration with that registrar anyway is refused by the ledger
    io.medledger.chain.PatientRegistration forged = Entry.sign(new io.medledger.chain.PatientRegistration(
        bo.publicKey(), f.clock().millis(), List.of()), f.parameters().chainId(), bo.secretSigningKey(),
        unlisted.secretSigningKey());
    EntryRejectedException ledger = assertThrows(EntryRejectedException.class,
        () -> Session.await(f.connection().submit(forged)));
    assertTrue(ledger.getMessage().contains("is not a registered participant"), ledger.getMessage());
    // with an active clinician as registrar it is registered
    assertEquals(bo.id(), PatientClient.register(f.connection(), bo, desk).id());
  }

  @Test
  void registeringAKeyTheLedgerAlreadyListsIsRefusedBeforeAnythingIsSent() {
    LedgerConnection sealed = Connections.lying(f.connection(), Map.of(
        "submit", a -> {
          throw new AssertionError("submitted " + a[0]);
        },
        "publish", a -> {
          throw new AssertionError("published " + a[0]);
        }));
    EntryRejectedException e = assertThrows(EntryRejectedException.class,
        () -> PatientClient.register(sealed, anna.identity(), desk));
    assertTrue(e.getMessage().contains("already registered"), e.getMessage());
    // a modified client that sends it anyway is refused by the ledger
    io.medledger.chain.PatientRegistration again = Entry.sign(new io.medledger.chain.PatientRegistration(
        anna.identity().publicKey(), f.clock().millis(), List.of()), f.parameters().chainId(),
        anna.identity().secretSigningKey());
    assertThrows(EntryRejectedException.class, () -> Session.await(f.connection().submit(again)));
  }
}
