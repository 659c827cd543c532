package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.AccessGrant;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.LedgerConnection;
import io.medledger.client.PatientClient;
import io.medledger.client.ProxyFailureException;
import io.medledger.client.ResearcherClient;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.node.NodeException;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.RecordEnvelope;
import io.medledger.pre.SecretKey;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A patient whose keys were published before research keys adds one once: the ledger and the key
 * directory take it with the keys in force, new records' copies are sealed to it, research grants
 * made after open them, and the copies of records uploaded before stay under the main key.
 */
class ResearchKeyUpgradeTest {
  private final Federation f = TestFederation.create();
  private final Identity old = Identity.of(ParticipantKind.PATIENT, "Li",
      Ed25519PrivateKey.generate(TestFederation.seeded(21)), SecretKey.random(), SecretKey.random());
  private final PatientClient before = f.registerPatient(old);
  private final byte[] bundle = TestFederation.demoRecord("anna-mueller");

  @AfterEach
  void close() {
    f.close();
  }

  private byte[] copyOf(MedicalRecord r) {
    return f.storage().read(r.deidentified().orElseThrow().payloadDigest(), List.of());
  }

  @Test
  void aResearchKeyAddedLaterSealsNewCopiesAndResearchGrantsOpenThem() {
    MedicalRecord earlier = before.upload(bundle).record();
    Identity upgraded = old.withResearchKey();
    assertEquals(old.id(), upgraded.id());
    PatientClient li = PatientClient.open(f.connection(), upgraded);
    KeyPublication p = li.addResearchKey();
    assertEquals(upgraded.researchPublicKey(), p.researchPublicKey());
    assertEquals(Optional.of(p), f.nodes().get(0).ledger().publishedKeys(li.id()));
    KeyCard card = f.directory().lookup(li.id()).orElseThrow();
    assertEquals(upgraded.researchPublicKey(), card.researchKey());
    assertEquals(p.researchPublicKey(), card.researchKey());

    MedicalRecord later = li.upload(bundle).record();
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(old.secretEncryptionKey(), copyOf(later)),
        "the new copy is still sealed to the main key");
    String own = new String(RecordEnvelope.openAsOwner(upgraded.secretResearchKey().orElseThrow(), copyOf(later)),
        StandardCharsets.UTF_8);
    assertFalse(own.contains("Müller"), own);
    // the copy uploaded before stays under the main key
    RecordEnvelope.openAsOwner(old.secretEncryptionKey(), copyOf(earlier));

    ResearcherClient rita = f.registerResearcher("Rita", "Authority B1");
    li.grant(GrantRequest.research(rita.id()));
    String text = new String(rita.read(later.id()), StandardCharsets.UTF_8);
    assertTrue(text.contains("Patient/pseudo-"), text);
    assertFalse(text.contains("Müller"), text);
  }

  /**
   * {@code real}, whose {@code publish} fails on its first call, as when every node is down then;
   * {@code submits} counts the entries submitted.
   */
  private static LedgerConnection publishFailsOnce(LedgerConnection real, AtomicInteger submits) {
    AtomicBoolean failed = new AtomicBoolean();
    return (LedgerConnection) Proxy.newProxyInstance(LedgerConnection.class.getClassLoader(),
        new Class<?>[] {LedgerConnection.class}, (proxy, method, args) -> {
          if (method.getName().equals("submit")) {
            submits.incrementAndGet();
          }
          if (method.getName().equals("publish") && failed.compareAndSet(false, true)) {
            throw new NodeException(NodeException.Reason.UNREACHABLE, "no node took the card");
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aRetryAfterTheCardFailedToPublishPublishesTheCardOnly() {
    Identity upgraded = old.withResearchKey();
    AtomicInteger submits = new AtomicInteger();
    PatientClient li = PatientClient.open(publishFailsOnce(f.connection(), submits), upgraded);
    assertThrows(NodeException.class, li::addResearchKey);
    KeyPublication onLedger = f.nodes().get(0).ledger().publishedKeys(li.id()).orElseThrow();
    assertEquals(upgraded.researchPublicKey(), onLedger.researchPublicKey());
    assertEquals(Optional.empty(), f.directory().lookup(li.id()).orElseThrow().researchKey());
    assertEquals(1, submits.get());

    assertEquals(onLedger, li.addResearchKey());
    assertEquals(1, submits.get(), "nothing was submitted again");
    assertEquals(upgraded.researchPublicKey(), f.directory().lookup(li.id()).orElseThrow().researchKey());
    assertEquals(onLedger, li.addResearchKey(), "once done, a call changes nothing");

    MedicalRecord later = li.upload(bundle).record();
    RecordEnvelope.openAsOwner(upgraded.secretResearchKey().orElseThrow(), copyOf(later));
  }

  @Test
  void aCardTheLedgerNoLongerHoldsSealsNothingUntilTheUpgradeCardIsPublished() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A2");
    before.grant(GrantRequest.treatment(lee.id()));
    Identity upgraded = old.withResearchKey();
    PatientClient li = PatientClient.open(publishFailsOnce(f.connection(), new AtomicInteger()), upgraded);
    li.upload(bundle); // its card (without a research key) is now kept by the client
    assertThrows(NodeException.class, li::addResearchKey);
    // the directory still serves the card without the research key, the ledger's publication has one
    assertEquals(Optional.empty(), f.directory().lookup(li.id()).orElseThrow().researchKey());
    for (org.junit.jupiter.api.function.Executable sealing : List.<org.junit.jupiter.api.function.Executable>of(
        () -> li.upload(bundle), () -> before.upload(bundle), () -> lee.write(li.id(), bundle))) {
      AccessRefusedException e = assertThrows(AccessRefusedException.class, sealing);
      assertEquals(AccessRight.KEY_CARD, e.missingRight(), e.getMessage());
    }
    li.addResearchKey();
    MedicalRecord written = lee.write(li.id(), bundle).record();
    RecordEnvelope.openAsOwner(upgraded.secretResearchKey().orElseThrow(), copyOf(written));
  }

  @Test
  void researchGrantsMadeBeforeTheUpgradeStopWithAClearReasonAndAreListedToRenew() {
    ResearcherClient rita = f.registerResearcher("Rita", "Authority B1");
    MedicalRecord earlier = before.upload(bundle).record();
    AccessGrant made = before.grant(GrantRequest.research(rita.id()));
    rita.read(earlier.id());
    assertEquals(List.of(), before.researchGrantsToRenew(), "no research key yet");
    PatientClient li = PatientClient.open(f.connection(), old.withResearchKey());
    li.addResearchKey();
    MedicalRecord later = li.upload(bundle).record();
    assertEquals(List.of(made), li.researchGrantsToRenew());
    for (MedicalRecord r : List.of(earlier, later)) {
      ProxyFailureException e = assertThrows(ProxyFailureException.class, () -> rita.read(r.id()));
      assertTrue(e.getMessage().contains("the patient must grant again"), e.getMessage());
    }
    li.revoke(made.id());
    li.grant(GrantRequest.research(rita.id()));
    assertEquals(List.of(), li.researchGrantsToRenew());
    String text = new String(rita.read(later.id()), StandardCharsets.UTF_8);
    assertFalse(text.contains("Müller"), text);
  }

  @Test
  void aSecondResearchKeyIsRefused() {
    Identity upgraded = old.withResearchKey();
    PatientClient.open(f.connection(), upgraded).addResearchKey();
    Identity other = old.withResearchKey();
    PatientClient again = PatientClient.open(f.connection(), other);
    assertThrows(EntryRejectedException.class, again::addResearchKey);
    assertThrows(IllegalArgumentException.class, () -> f.directory().publish(other.card()));
    assertEquals(upgraded.researchPublicKey(), f.directory().lookup(old.id()).orElseThrow().researchKey());
  }

  @Test
  void anIdentityWithoutAResearchKeyCannotAddOne() {
    assertThrows(IllegalStateException.class, before::addResearchKey);
  }
}
