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
 * A record's capsule is the key to its payload: a clinician allowed to write one kind of record
 * for a patient wrote a record carrying the capsule of another record of the patient (copied from
 * the ledger), had the proxies re-encrypt it under its own grant, and opened the other record's
 * payload, which its grant did not cover.
 */
class CapsuleReuseTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final MedicalRecord bundle = anna.upload(TestFederation.demoRecord("anna-mueller"));
  private final Identity key = Identity.generate(ParticipantKind.CLINICIAN, "Dr Narrow", TestFederation.seeded(21));
  private final ClinicianClient doc = f.registerClinician(key, "Hospital A2");
  private final AccessGrant observations = anna.grant(GrantRequest.treatment(doc.id())
      .scope(AccessScope.resourceTypes("Observation")));

  @AfterEach
  void close() {
    f.close();
  }

  private MedicalRecord observation(ByteString capsule, Optional<DeidentifiedCopy> copy) {
    return f.sign(new MedicalRecord(anna.id(), doc.id(), Optional.of(f.institutionId("Hospital A2")), "Observation",
        bundle.payloadDigest(), bundle.payloadSize(), bundle.storageNodes(), capsule, f.now(), Optional.empty(), copy,
        List.of()), key);
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
        Optional.of(new DeidentifiedCopy(bundle.payloadDigest(), bundle.payloadSize(), fresh)));
    MedicalRecord other = observation(bundle.deidentified().orElseThrow().encryptionMetadata(),
        Optional.of(new DeidentifiedCopy(bundle.payloadDigest(), bundle.payloadSize(), bundle.encryptionMetadata())));
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
        bundle.payloadDigest(), bundle.payloadSize(), bundle.storageNodes(), freshCapsule(), f.now(), Optional.empty(),
        List.of()), anna.identity());
    MedicalRecord second = f.sign(new MedicalRecord(anna.id(), anna.id(), Optional.empty(), "Observation",
        bundle.payloadDigest(), bundle.payloadSize() + 1, bundle.storageNodes(), first.encryptionMetadata(), f.now(),
        Optional.empty(), List.of()), anna.identity());
    Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(first, second));
    for (FederationServer auditor : f.auditNodes()) {
      ValidationResult<Endorsement> vote = auditor.vote(block);
      assertFalse(vote.isAccepted(), auditor + " countersigned two records sharing a capsule");
      assertTrue(vote.reason().contains("capsule"), vote.reason());
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
