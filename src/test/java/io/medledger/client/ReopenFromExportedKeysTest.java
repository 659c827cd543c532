package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.federation.Federation;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Clients of existing participants reopened from keys exported under a passphrase. */
class ReopenFromExportedKeysTest {
  private static final byte[] RECORD = ("{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
      + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]},"
      + "\"subject\":{\"reference\":\"Patient/p1\"},\"valueQuantity\":{\"value\":5.6,\"unit\":\"%\"}}")
      .getBytes(StandardCharsets.UTF_8);
  private final Federation f = Federation.builder("reopen-test")
      .institution("Hospital A", InstitutionClass.A)
      .institution("Hospital B", InstitutionClass.A)
      .institution("Authority", InstitutionClass.B)
      .institution("Clinic", InstitutionClass.C)
      .storage("Clinic", 3, 2)
      .threshold(2)
      .build();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void afterExportAndImportTheReopenedClientsReadGrantAndRevokeAsBefore() {
    PatientClient anna = f.registerPatient("Anna");
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    MedicalRecord rec = anna.upload(RECORD).record();
    char[] pw = "correct horse battery staple".toCharArray();
    byte[] annaKeys = anna.identity().exportEncrypted(pw);
    byte[] leeKeys = lee.identity().exportEncrypted("another".toCharArray());
    anna = null;
    lee = null;

    PatientClient anna2 = PatientClient.open(f.connection(), Identity.importEncrypted(annaKeys, pw));
    ClinicianClient lee2 = ClinicianClient.open(f.connection(), Identity.importEncrypted(leeKeys,
        "another".toCharArray()));
    assertEquals(rec.patient(), anna2.id());
    assertEquals(f.institutionId("Hospital A"), lee2.institutionId());
    assertArrayEquals(RECORD, anna2.read(rec.id()));
    AccessGrant g = anna2.grant(GrantRequest.treatment(lee2.id()));
    assertArrayEquals(RECORD, lee2.read(rec.id()));
    anna2.revoke(g.id());
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> lee2.read(rec.id()));
    assertEquals(AccessRight.TREATMENT_GRANT, e.missingRight());
    assertEquals(2, anna2.accessEvents().size(), "the patient's and the clinician's reads are on the trail");
  }

  @Test
  void registeringTheSameKeysTwiceIsRefusedButOpeningThemWorks() {
    Identity keys = Identity.generate(ParticipantKind.PATIENT, "Bo");
    f.registerPatient(keys);
    assertThrows(EntryRejectedException.class, () -> f.registerPatient(keys));
    assertEquals(keys.id(), PatientClient.open(f.connection(), keys).id());
    Identity stranger = Identity.generate(ParticipantKind.PATIENT, "Never registered");
    assertThrows(AccessRefusedException.class, () -> PatientClient.open(f.connection(), stranger));
    assertThrows(IllegalArgumentException.class, () -> ClinicianClient.open(f.connection(), keys));
  }

  @Test
  void theExportRoundTripsAndRefusesAWrongPassphraseOrAlteredBytes() {
    Identity id = Identity.generate(ParticipantKind.RESEARCHER, "Dr Ö");
    byte[] out = id.exportEncrypted("pw".toCharArray(), new SecureRandom());
    Identity back = Identity.importEncrypted(out, "pw".toCharArray());
    assertEquals(id.id(), back.id());
    assertEquals(id.kind(), back.kind());
    assertEquals(id.name(), back.name());
    assertEquals(id.encryptionPublicKey(), back.encryptionPublicKey());
    assertEquals(id.fragmentVerifyingKey(), back.fragmentVerifyingKey());
    assertEquals(id.card(), back.card());
    assertThrows(KeyImportException.class, () -> Identity.importEncrypted(out, "wrong".toCharArray()));
    byte[] renamed = out.clone();
    renamed[8] ^= 1; // a byte of the display name: authenticated, so the passphrase no longer opens it
    assertThrows(KeyImportException.class, () -> Identity.importEncrypted(renamed, "pw".toCharArray()));
    byte[] version3 = out.clone();
    version3[4] = 3;
    KeyImportException v = assertThrows(KeyImportException.class,
        () -> Identity.importEncrypted(version3, "pw".toCharArray()));
    assertTrue(v.getMessage().contains("version 3"), v.getMessage());
    // version 2 (with a research key) holds 32 more secret bytes: a version 1 export relabelled is refused
    byte[] version2 = out.clone();
    version2[4] = 2;
    assertThrows(KeyImportException.class, () -> Identity.importEncrypted(version2, "pw".toCharArray()));
    assertThrows(KeyImportException.class,
        () -> Identity.importEncrypted(Arrays.copyOf(out, out.length - 1), "pw".toCharArray()));
    assertThrows(KeyImportException.class, () -> Identity.importEncrypted(new byte[3], "pw".toCharArray()));
    // the export holds no secret key in the clear
    byte[] seed = id.secretSigningKey().exportSecretBytes();
    assertFalse(com.google.common.primitives.Bytes.indexOf(out, seed) >= 0, "the signing key appears in the clear");
    assertNotEquals(-1, com.google.common.primitives.Bytes.indexOf(out, "MLID".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void aPatientsResearchKeyTravelsInAVersionTwoExportAndAnOlderExportHasNone() {
    Identity anna = Identity.generate(ParticipantKind.PATIENT, "Anna");
    assertTrue(anna.secretResearchKey().isPresent());
    assertNotEquals(anna.encryptionPublicKey(), anna.researchPublicKey().orElseThrow());
    byte[] out = anna.exportEncrypted("pw".toCharArray(), new SecureRandom());
    assertEquals(2, out[4]);
    Identity back = Identity.importEncrypted(out, "pw".toCharArray());
    assertEquals(anna.researchPublicKey(), back.researchPublicKey());
    assertEquals(anna.card(), back.card());
    assertTrue(back.card().verify());
    byte[] research = anna.secretResearchKey().orElseThrow().exportSecretBytes();
    assertFalse(com.google.common.primitives.Bytes.indexOf(out, research) >= 0, "the research key appears in the clear");
    // a patient's keys exported before research keys: version 1, imported without one
    Identity old = Identity.of(ParticipantKind.PATIENT, "Li", anna.secretSigningKey(), anna.secretEncryptionKey(),
        io.medledger.pre.SecretKey.random());
    byte[] v1 = old.exportEncrypted("pw".toCharArray(), new SecureRandom());
    assertEquals(1, v1[4]);
    Identity oldBack = Identity.importEncrypted(v1, "pw".toCharArray());
    assertTrue(oldBack.researchPublicKey().isEmpty());
    assertTrue(oldBack.card().researchKey().isEmpty());
    assertTrue(oldBack.card().verify());
    // the card's signature covers the research key: another one in its place does not verify
    KeyCard c = back.card();
    KeyCard swapped = new KeyCard(c.kind(), c.signingKey(), c.encryptionKey(), c.verifyingKey(),
        java.util.Optional.of(io.medledger.pre.SecretKey.random().publicKey()), c.signature());
    assertFalse(swapped.verify());
    KeyCard dropped = new KeyCard(c.kind(), c.signingKey(), c.encryptionKey(), c.verifyingKey(), c.signature());
    assertFalse(dropped.verify());
  }
}
