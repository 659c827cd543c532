package io.medledger.federation;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Block;
import io.medledger.chain.DeidentifiedCopy;
import io.medledger.chain.Endorsement;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.ValidationResult;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.PatientClient;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.RecordEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a record names must be its own. A record's capsule is the key to its payload: a clinician
 * allowed to write one kind of record for a patient wrote a record carrying the capsule of another
 * record of the patient (copied from the ledger), had the proxies re-encrypt it under its own
 * grant, and opened the other record's payload, which its grant did not cover. And a record naming
 * another record's payload digest had that payload deleted from every storage node when it was
 * erased.
 */
class RecordReuseTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final MedicalRecord bundle = anna.upload(TestFederation.demoRecord("anna-mueller")).record();
  private final Identity key = Identity.generate(ParticipantKind.CLINICIAN, "Dr Narrow", TestFederation.seeded(21));
  private final ClinicianClient doc = f.registerClinician(key, "Hospital A2");
  private final AccessGrant observations = anna.grant(GrantRequest.treatment(doc.id())
      .scope(AccessScope.resourceTypes("Observation")));

  @AfterEach
  void close() {
    f.close();
  }

  private MedicalRecord observation(ByteString capsule, Optional<DeidentifiedCopy> copy) {
    return observation(Sha256.hash(capsule.toByteArray()), capsule, copy);
  }

  private MedicalRecord observation(Digest payload, ByteString capsule, Optional<DeidentifiedCopy> copy) {
    return f.sign(new MedicalRecord(anna.id(), doc.id(), Optional.of(f.institutionId("Hospital A2")), "Observation",
        payload, bundle.payloadSize(), bundle.storageNodes(), capsule, f.now(), Optional.empty(), copy,
        List.of()), key);
  }

  private static DeidentifiedCopy copy(Digest payload, ByteString capsule) {
    return new DeidentifiedCopy(payload, 10, capsule);
  }

  @Test
  void aRecordCarryingTheCapsuleOfAnotherRecordIsRefusedEverywhere() throws Exception {
    MedicalRecord copycat = observation(bundle.encryptionMetadata(), Optional.empty());
    for (FederationServer n : f.nodes()) {
      ValidationResult<?> v = n.admit(copycat);
      assertFalse(v.isAccepted(), n + " admitted a record reusing another record's capsule");
      assertTrue(v.reason().contains("capsule"), v.reason());
    }
    FederationServer bookkeeper = f.federationNodes().get(0);
    Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(copycat));
    for (FederationServer auditor : f.auditNodes()) {
      ValidationResult<Endorsement> vote = auditor.vote(block);
      assertFalse(vote.isAccepted(), auditor + " countersigned a record reusing another record's capsule");
    }
    try {
      f.submitOrThrow(copycat);
    } catch (EntryRejectedException refused) {
      return;
    }
    // Without the rule: the attack goes through, and the clinician reads the bundle.
    AccessEvent ev = f.sign(new AccessEvent(anna.id(), doc.id(), copycat.id(), Optional.of(observations.id()), f.now(),
        List.of()), key);
    f.submitOrThrow(ev);
    List<ProxyResponse> answers = new ArrayList<>();
    for (FederationServer proxy : f.federationNodes()) {
      answers.add(proxy.reencrypt(ev.id()));
    }
    KeyCard owner = f.directory().lookup(anna.id()).orElseThrow();
    byte[] envelope = f.storage().read(bundle.payloadDigest(), List.of());
    String text = new String(RecordEnvelope.openAsGrantee(key.secretEncryptionKey(), owner.encryptionKey(),
        owner.verifyingKey(), observations.threshold(), answers, envelope), StandardCharsets.UTF_8);
    throw new AssertionError("the clinician read a Bundle its Observation grant does not cover: "
        + text.substring(0, Math.min(80, text.length())));
  }

  @Test
  void aDeidentifiedCopyCarryingAFullPayloadsCapsuleIsRefused() {
    // its own full capsule, or another record's: a research grant would open the full payload
    ByteString fresh = freshCapsule();
    MedicalRecord own = observation(fresh,
        Optional.of(copy(Sha256.hash(new byte[] {1}), fresh)));
    MedicalRecord other = observation(bundle.deidentified().orElseThrow().encryptionMetadata(),
        Optional.of(copy(Sha256.hash(new byte[] {2}), bundle.encryptionMetadata())));
    for (MedicalRecord r : List.of(own, other)) {
      ValidationResult<?> v = f.reader().admit(r);
      assertFalse(v.isAccepted(), "admitted a record whose copy reuses a capsule");
      assertTrue(v.reason().contains("capsule"), v.reason());
      assertThrows(EntryRejectedException.class, () -> f.submitOrThrow(r));
    }
  }

  @Test
  void twoRecordsOfOneBlockCannotShareACapsule() {
    FederationServer bookkeeper = f.federationNodes().get(0);
    // two new records naming one capsule never used before, in the same block
    MedicalRecord first = f.sign(new MedicalRecord(anna.id(), anna.id(), Optional.empty(), "Observation",
        Sha256.hash(new byte[] {3}), bundle.payloadSize(), bundle.storageNodes(), freshCapsule(), f.now(),
        Optional.empty(), List.of()), anna.identity());
    MedicalRecord second = f.sign(new MedicalRecord(anna.id(), anna.id(), Optional.empty(), "Observation",
        Sha256.hash(new byte[] {4}), bundle.payloadSize(), bundle.storageNodes(), first.encryptionMetadata(), f.now(),
        Optional.empty(), List.of()), anna.identity());
    Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(first, second));
    for (FederationServer auditor : f.auditNodes()) {
      ValidationResult<Endorsement> vote = auditor.vote(block);
      assertFalse(vote.isAccepted(), auditor + " countersigned two records sharing a capsule");
      assertTrue(vote.reason().contains("capsule"), vote.reason());
    }
  }

  @Test
  void aRecordNamingAnotherRecordsPayloadIsRefusedSoItsErasureCannotDeleteThatPayload() throws Exception {
    Digest full = bundle.payloadDigest();
    Digest copy = bundle.deidentified().orElseThrow().payloadDigest();
    List<MedicalRecord> probes = List.of(
        observation(full, freshCapsule(), Optional.empty()),
        observation(Sha256.hash(new byte[] {5}), freshCapsule(), Optional.of(copy(copy, freshCapsule()))),
        observation(copy, freshCapsule(), Optional.empty()),
        observation(Sha256.hash(new byte[] {6}), freshCapsule(), Optional.of(copy(Sha256.hash(new byte[] {6}),
            freshCapsule()))));
    for (MedicalRecord probe : probes) {
      ValidationResult<?> v = f.reader().admit(probe);
      if (!v.isAccepted()) {
        assertTrue(v.reason().contains("payload"), v.reason());
        continue;
      }
      // Without the rule: the patient erases the stray record, and her bundle is gone.
      f.submitOrThrow(probe);
      anna.erase(probe.id());
      byte[] read = anna.read(bundle.id());
      throw new AssertionError("a record naming another payload was admitted (the bundle still read "
          + read.length + " bytes after its erasure)");
    }
    FederationServer bookkeeper = f.federationNodes().get(0);
    MedicalRecord a = observation(Sha256.hash(new byte[] {7}), freshCapsule(), Optional.empty());
    MedicalRecord b = observation(Sha256.hash(new byte[] {7}), freshCapsule(), Optional.empty());
    Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(a, b));
    for (FederationServer auditor : f.auditNodes()) {
      ValidationResult<Endorsement> vote = auditor.vote(block);
      assertFalse(vote.isAccepted(), auditor + " countersigned two records naming one payload");
      assertTrue(vote.reason().contains("payload"), vote.reason());
    }
  }

  private ByteString freshCapsule() {
    byte[] envelope = RecordEnvelope.seal(anna.identity().encryptionPublicKey(), new byte[] {42});
    try {
      return ByteString.of(io.medledger.pre.EnvelopeHeader.read(new java.io.ByteArrayInputStream(envelope)).capsule()
          .toBytes());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
