package io.medledger.federation;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Block;
import io.medledger.chain.Endorsement;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.ValidationResult;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.RecordEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, findings 1 to 3, each with the probe that reproduced it: a researcher reading under a
 * treatment grant to its hospital, a modified researcher client asking the proxies directly, and
 * a clinician backdating a read to before the revocation of its grant.
 */
class PurposeBindingTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final byte[] annaBundle = TestFederation.demoRecord("anna-mueller");
  private final MedicalRecord annaRecord = anna.upload(annaBundle).record();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aResearcherUnderATreatmentGrantToItsHospitalIsRefusedByAdmissionEveryAuditServerAndEveryProxy() {
    Identity researcher = Identity.generate(ParticipantKind.RESEARCHER, "Curious", TestFederation.seeded(5));
    f.registerResearcher(researcher, "Hospital A2");
    AccessGrant treatment = anna.grant(GrantRequest.treatment(f.institutionId("Hospital A2")));
    AccessEvent probe = f.sign(new AccessEvent(anna.id(), researcher.id(), annaRecord.id(),
        Optional.of(treatment.id()), f.now(), List.of()), researcher);
    String why = "a treatment grant does not let a researcher read";
    // 1. admission (validation) at every node
    for (FederationServer n : f.nodes()) {
      ValidationResult<?> v = n.admit(probe);
      assertFalse(v.isAccepted(), n + " admitted the probe");
      assertTrue(v.reason().contains(why), v.reason());
    }
    assertThrows(EntryRejectedException.class, () -> f.submitOrThrow(probe));
    // 2. a Byzantine bookkeeper puts it in a block anyway: every audit server refuses to countersign
    FederationServer bookkeeper = f.federationNodes().get(0);
    Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(probe));
    assertFalse(f.auditNodes().isEmpty());
    for (FederationServer auditor : f.auditNodes()) {
      ValidationResult<Endorsement> vote = auditor.vote(block);
      assertFalse(vote.isAccepted(), auditor + " countersigned the probe");
      assertTrue(vote.reason().contains(why), vote.reason());
    }
    // 3. every proxy handed the event directly refuses, for the reader's role
    for (FederationServer proxy : f.federationNodes()) {
      AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> proxy.reencrypt(probe));
      assertEquals("reader-role", e.missingRight().label(), e.getMessage());
    }
    assertTrue(f.auditor("a").accessTrail(anna.id()).isEmpty(), "nothing reached the audit trail");
  }

  @Test
  void aModifiedResearcherClientAskingTheProxiesDirectlyGetsOnlyTheDeidentifiedCopy() throws Exception {
    Identity researcher = Identity.generate(ParticipantKind.RESEARCHER, "Modified", TestFederation.seeded(6));
    f.registerResearcher(researcher, "Authority B1");
    AccessGrant research = anna.grant(GrantRequest.research(researcher.id()));
    // the modified client logs a legitimate read, then talks to every proxy itself
    AccessEvent ev = f.sign(new AccessEvent(anna.id(), researcher.id(), annaRecord.id(), Optional.of(research.id()),
        f.now(), List.of()), researcher);
    f.submitOrThrow(ev);
    List<ProxyResponse> answers = new ArrayList<>();
    for (FederationServer proxy : f.federationNodes()) {
      answers.add(proxy.reencrypt(ev.id()));
    }
    KeyCard owner = f.directory().lookup(anna.id()).orElseThrow();
    byte[] full = f.storage().read(annaRecord.payloadDigest(), List.of());
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(researcher.secretEncryptionKey(),
        owner.encryptionKey(), owner.verifyingKey(), research.threshold(), answers, full),
        "the proxies' answers must not open the full payload");
    byte[] copy = f.storage().read(annaRecord.deidentified().orElseThrow().payloadDigest(), List.of());
    String text = new String(RecordEnvelope.openAsGrantee(researcher.secretEncryptionKey(), owner.deidentifiedKey(),
        owner.verifyingKey(), research.threshold(), answers, copy), StandardCharsets.UTF_8);
    assertTrue(text.contains("195967001") || text.contains("sthma"), text);
    for (String identifier : List.of("Müller", "MRN-K-88213", "+49 221", "demo-anna-mueller")) {
      assertFalse(text.contains(identifier), identifier + " reached the researcher: " + text);
    }
    // the full-payload fetch path is never taken for research: the real client returns the same data
    String viaClient = new String(ResearcherClient.open(f.connection(), researcher).read(annaRecord.id()), StandardCharsets.UTF_8);
    assertFalse(viaClient.contains("Müller"));
  }

  @Test
  void aRecordWithoutADeidentifiedCopyIsNeverReEncryptedForResearch() throws Exception {
    // a record in the old entry format (no de-identified copy), written by the patient's own key
    byte[] envelope = RecordEnvelope.seal(anna.identity().encryptionPublicKey(), annaBundle);
    var where = f.storage().putReplicated(envelope);
    MedicalRecord legacy = f.sign(new MedicalRecord(anna.id(), anna.id(), Optional.empty(), "Bundle", where.id(),
        where.size(), where.nodeIds().stream().map(io.medledger.access.ParticipantId::fromHex).toList(),
        io.medledger.codec.ByteString.of(io.medledger.pre.EnvelopeHeader.read(
            new java.io.ByteArrayInputStream(envelope)).capsule().toBytes()), f.now(), Optional.empty(), List.of()),
        anna.identity());
    f.submitOrThrow(legacy);
    Identity researcher = Identity.generate(ParticipantKind.RESEARCHER, "Modified", TestFederation.seeded(7));
    f.registerResearcher(researcher, "Authority B1");
    AccessGrant research = anna.grant(GrantRequest.research(researcher.id()));
    AccessEvent ev = f.sign(new AccessEvent(anna.id(), researcher.id(), legacy.id(), Optional.of(research.id()),
        f.now(), List.of()), researcher);
    f.submitOrThrow(ev);
    for (FederationServer proxy : f.federationNodes()) {
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> proxy.reencrypt(ev.id()));
      assertTrue(e.getMessage().contains("never re-encrypts a full payload"), e.getMessage());
    }
    AccessRefusedException e = assertThrows(AccessRefusedException.class,
        () -> ResearcherClient.open(f.connection(), researcher).read(legacy.id()));
    assertEquals("deidentified-copy", e.missingRight().label());
  }

  @Test
  void aReadBackdatedToBeforeTheRevocationIsRefused() throws Exception {
    Identity key = Identity.generate(ParticipantKind.CLINICIAN, "Dr Revoked", TestFederation.seeded(8));
    ClinicianClient doc = f.registerClinician(key, "Hospital A2");
    AccessGrant g = anna.grant(GrantRequest.treatment(doc.id()));
    doc.read(annaRecord.id());
    long beforeRevocation = f.now();
    anna.revoke(g.id());
    AccessEvent backdated = f.sign(new AccessEvent(anna.id(), doc.id(), annaRecord.id(), Optional.of(g.id()),
        beforeRevocation, List.of()), key);
    ValidationResult<?> v = f.reader().admit(backdated);
    assertFalse(v.isAccepted(), "a backdated read under a revoked grant was admitted");
    assertTrue(v.reason().contains("revoked"), v.reason());
    assertEquals(1, f.auditor("a").accessTrail(anna.id()).size(), "the trail shows only the real read");
  }

  @Test
  void aReadDatedFarBeforeItsBlockOrBeforeTheRecordExistedIsRefused() {
    Identity key = Identity.generate(ParticipantKind.CLINICIAN, "Dr Early", TestFederation.seeded(9));
    ClinicianClient doc = f.registerClinician(key, "Hospital A2");
    AccessGrant g = anna.grant(GrantRequest.treatment(doc.id()));
    long skew = f.reader().ledger().parameters().maxClockSkew().toMillis();
    AccessEvent old = f.sign(new AccessEvent(anna.id(), doc.id(), annaRecord.id(), Optional.of(g.id()),
        f.now() - skew - 60_000, List.of()), key);
    ValidationResult<?> v = f.reader().admit(old);
    assertFalse(v.isAccepted());
    assertTrue(v.reason().contains("more than the clock skew before the block time"), v.reason());
    AccessEvent beforeRecord = f.sign(new AccessEvent(anna.id(), doc.id(), annaRecord.id(), Optional.of(g.id()),
        annaRecord.createdAt() - 1, List.of()), key);
    ValidationResult<?> w = f.reader().admit(beforeRecord);
    assertFalse(w.isAccepted());
    assertTrue(w.reason().contains("before the record existed") || w.reason().contains("clock skew"), w.reason());
  }
}
