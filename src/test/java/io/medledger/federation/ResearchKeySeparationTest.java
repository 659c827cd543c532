package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.pre.Capsule;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.PublicKey;
import io.medledger.pre.RecordEnvelope;
import io.medledger.pre.SecretKey;
import io.medledger.pre.Umbral;
import io.medledger.pre.VerifiedKeyFrag;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The de-identified copy of a record is sealed to the patient's research key, and research grants
 * delegate from it: even every proxy together, ignoring the rules and re-encrypting the full
 * payload's capsule with their research fragments, gives the researcher nothing that opens the
 * full payload, while the copy opens and treatment grants still open the full payload. A patient
 * whose keys predate research keys keeps the copy under its encryption key, and research reads
 * work as before.
 */
class ResearchKeySeparationTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final byte[] bundle = TestFederation.demoRecord("anna-mueller");
  private final MedicalRecord rec = anna.upload(bundle).record();

  @AfterEach
  void close() {
    f.close();
  }

  /** What the federation's proxies produce for {@code capsule} with their fragments of {@code grant}, rules ignored. */
  private List<ProxyResponse> colluding(AccessGrant grant, Capsule capsule) throws ReflectiveOperationException {
    List<ProxyResponse> out = new ArrayList<>();
    for (FederationServer n : f.federationNodes()) {
      VerifiedKeyFrag k = FederationServerCloseTest.fragmentsOf(n).get(grant.id().toHex());
      assertTrue(k != null, n + " holds no fragment: " + n.proxyProblem(grant.id()));
      out.add(new ProxyResponse(n.id().toHex(), Umbral.reencrypt(capsule, k).unverify()));
    }
    return out;
  }

  @Test
  void everyProxysResearchFragmentsTogetherDoNotOpenTheFullPayloadButOpenTheCopy() throws Exception {
    Identity researcher = Identity.generate(ParticipantKind.RESEARCHER, "Colluding", TestFederation.seeded(11));
    f.registerResearcher(researcher, "Authority B1");
    AccessGrant research = anna.grant(GrantRequest.research(researcher.id()));
    KeyCard owner = f.directory().lookup(anna.id()).orElseThrow();
    PublicKey researchKey = owner.researchKey().orElseThrow();
    assertNotEquals(owner.encryptionKey(), researchKey);

    Capsule full = Capsule.fromBytes(rec.encryptionMetadata().toByteArray());
    List<ProxyResponse> onFull = colluding(research, full);
    byte[] fullEnvelope = f.storage().read(rec.payloadDigest(), List.of());
    for (PublicKey delegating : List.of(owner.encryptionKey(), researchKey)) {
      assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(researcher.secretEncryptionKey(),
          delegating, owner.verifyingKey(), research.threshold(), onFull, fullEnvelope),
          "the research fragments opened the full payload");
    }
    // the owner's own key opens neither the copy (sealed to the research key) nor needs to
    byte[] copyEnvelope = f.storage().read(rec.deidentified().orElseThrow().payloadDigest(), List.of());
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(anna.identity().secretEncryptionKey(),
        copyEnvelope));

    Capsule copy = Capsule.fromBytes(rec.deidentified().orElseThrow().encryptionMetadata().toByteArray());
    String text = new String(RecordEnvelope.openAsGrantee(researcher.secretEncryptionKey(), researchKey,
        owner.verifyingKey(), research.threshold(), colluding(research, copy), copyEnvelope), StandardCharsets.UTF_8);
    assertTrue(text.contains("\"Patient/pseudo-"), text);
    assertFalse(text.contains("Müller"), text);
    String viaClient = new String(ResearcherClient.open(f.connection(), researcher).read(rec.id()),
        StandardCharsets.UTF_8);
    assertTrue(viaClient.contains("Patient/pseudo-"), viaClient);
    assertFalse(viaClient.contains("Müller"), viaClient);
  }

  @Test
  void aTreatmentGrantStillOpensTheFullPayload() {
    ClinicianClient doc = f.registerClinician("Dr Lee", "Hospital A2");
    anna.grant(GrantRequest.treatment(doc.id()));
    assertEquals(new String(bundle, StandardCharsets.UTF_8), new String(doc.read(rec.id()), StandardCharsets.UTF_8));
  }

  @Test
  void aClinicianWritingForThePatientSealsTheCopyToItsResearchKey() {
    ClinicianClient doc = f.registerClinician("Dr Lee", "Hospital A2");
    anna.grant(GrantRequest.treatment(doc.id()));
    byte[] obs = TestFederation.observation("anna", "4548-4", 6.1);
    MedicalRecord written = doc.write(anna.id(), obs).record();
    byte[] copyEnvelope = f.storage().read(written.deidentified().orElseThrow().payloadDigest(), List.of());
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(anna.identity().secretEncryptionKey(),
        copyEnvelope), "the copy is sealed to the main key");
    ResearcherClient rita = f.registerResearcher("Rita", "Authority B1");
    anna.grant(GrantRequest.research(rita.id()));
    String text = new String(rita.read(written.id()), StandardCharsets.UTF_8);
    assertTrue(text.contains("4548-4"), text);
  }

  @Test
  void aPatientWhoseKeysPredateResearchKeysSharesItsCopyUnderItsEncryptionKeyAsBefore() {
    Identity old = Identity.of(ParticipantKind.PATIENT, "Li", Ed25519PrivateKey.generate(TestFederation.seeded(12)),
        SecretKey.random(), SecretKey.random());
    PatientClient li = f.registerPatient(old);
    assertTrue(f.directory().lookup(li.id()).orElseThrow().researchKey().isEmpty());
    MedicalRecord r = li.upload(bundle).record();
    byte[] copyEnvelope = f.storage().read(r.deidentified().orElseThrow().payloadDigest(), List.of());
    String own = new String(RecordEnvelope.openAsOwner(old.secretEncryptionKey(), copyEnvelope), StandardCharsets.UTF_8);
    assertFalse(own.contains("Müller"), own);
    ResearcherClient rita = f.registerResearcher("Rita", "Authority B1");
    li.grant(GrantRequest.research(rita.id()));
    String text = new String(rita.read(r.id()), StandardCharsets.UTF_8);
    assertTrue(text.contains("Patient/pseudo-"), text);
    assertFalse(text.contains("Müller"), text);
  }
}
