package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.RecordErasedException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.ProxyResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Each refusal of a re-encryption proxy ({@code internal.ProxyRules}, run by
 * {@link FederationServer#reencrypt}), with the request the rule exists to refuse: every proxy
 * refuses it and names the missing right. Events handed to a proxy directly (a modified client)
 * are checked before they are required to be final, so each rule is reached on its own.
 */
class ProxyRefusalsTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final PatientClient li = f.registerPatient("Li");
  private final Identity leeKey = Identity.generate(ParticipantKind.CLINICIAN, "Dr Lee", TestFederation.seeded(31));
  private final ClinicianClient lee = f.registerClinician(leeKey, "Hospital A2");
  private final Identity okaforKey = Identity.generate(ParticipantKind.CLINICIAN, "Dr Okafor", TestFederation.seeded(32));
  private final ClinicianClient okafor = f.registerClinician(okaforKey, "Hospital A3");
  private final byte[] data = TestFederation.observation("anna", "4548-4", 6.1);
  private final MedicalRecord record = anna.upload(data).record();
  private final AccessGrant toLee = anna.grant(GrantRequest.treatment(lee.id()));

  @AfterEach
  void close() {
    f.close();
  }

  private AccessEvent event(Optional<Digest> grant, Identity reader) {
    return event(anna, record.id(), grant, reader);
  }

  private AccessEvent event(PatientClient patient, Digest rec, Optional<Digest> grant, Identity reader) {
    return f.sign(new AccessEvent(patient.id(), reader.id(), rec, grant, f.now(), List.of()), reader);
  }

  private void everyProxyRefuses(AccessRight right, String reason, ProxyCall call) {
    for (FederationServer proxy : f.federationNodes()) {
      AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> call.on(proxy), proxy.toString());
      assertEquals(right, e.missingRight(), e.getMessage());
      assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
  }

  private interface ProxyCall {
    ProxyResponse on(FederationServer proxy) throws EnvelopeException;
  }

  @Test
  void anEventNotUnderAGrantIsRefused() {
    AccessEvent own = event(Optional.empty(), anna.identity());
    everyProxyRefuses(AccessRight.ACCESS_EVENT, "is not an access event under a grant", p -> p.reencrypt(own));
    // the patient's own read is final on the ledger, and still names no grant
    anna.read(record.id());
    Digest finalOwnRead = anna.accessEvents().get(0).id();
    everyProxyRefuses(AccessRight.ACCESS_EVENT, "is not an access event under a grant", p -> p.reencrypt(finalOwnRead));
    // a final entry that is not an access event at all
    everyProxyRefuses(AccessRight.ACCESS_EVENT, "is not an access event under a grant", p -> p.reencrypt(record.id()));
    // an id with no final entry
    Digest unknown = Sha256.hash(new byte[] {7});
    everyProxyRefuses(AccessRight.ACCESS_EVENT, "no final access event " + unknown, p -> p.reencrypt(unknown));
  }

  @Test
  void aGrantThatIsUnknownOrByAnotherPatientIsRefused() {
    Digest unknown = Sha256.hash(new byte[] {8});
    everyProxyRefuses(AccessRight.ACTIVE_GRANT, "no grant " + unknown, p -> p.reencrypt(event(Optional.of(unknown), leeKey)));
    // Li's record read under Anna's grant to Dr Lee
    MedicalRecord lis = li.upload(TestFederation.observation("li", "4548-4", 5.0)).record();
    AccessEvent crossed = event(li, lis.id(), Optional.of(toLee.id()), leeKey);
    everyProxyRefuses(AccessRight.ACTIVE_GRANT, "no grant " + toLee.id() + " by " + li.id(), p -> p.reencrypt(crossed));
  }

  @Test
  void aReaderThatIsNotAnActiveParticipantIsRefused() {
    Identity stranger = Identity.generate(ParticipantKind.CLINICIAN, "Unregistered", TestFederation.seeded(33));
    everyProxyRefuses(AccessRight.READER_ROLE, stranger.id() + " is not an active participant",
        p -> p.reencrypt(event(Optional.of(toLee.id()), stranger)));
  }

  @Test
  void aReaderThatIsNeitherTheGranteeNorOfTheGranteeInstitutionIsRefused() {
    everyProxyRefuses(AccessRight.GRANTEE, "grant " + toLee.id() + " is not for " + okafor.id(),
        p -> p.reencrypt(event(Optional.of(toLee.id()), okaforKey)));
    // a clinician of the grantee institution passes that rule, and is then refused only because
    // its read is not final
    AccessGrant toHospital = anna.grant(GrantRequest.treatment(f.institutionId("Hospital A3")));
    AccessEvent colleague = event(Optional.of(toHospital.id()), okaforKey);
    everyProxyRefuses(AccessRight.ACCESS_EVENT, "no final access event " + colleague.id(), p -> p.reencrypt(colleague));
    // and so is the grantee itself
    AccessEvent grantee = event(Optional.of(toLee.id()), leeKey);
    everyProxyRefuses(AccessRight.ACCESS_EVENT, "no final access event " + grantee.id(), p -> p.reencrypt(grantee));
    f.submitOrThrow(grantee);
    for (FederationServer proxy : f.federationNodes()) {
      try {
        assertEquals(proxy.proxyKey().orElseThrow().proxyId(), proxy.reencrypt(grantee).proxyId());
      } catch (EnvelopeException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void aFinalReadIsRefusedOnceItsGrantIsRevokedOrItsRecordErased() {
    AccessEvent read = event(Optional.of(toLee.id()), leeKey);
    f.submitOrThrow(read);
    anna.revoke(toLee.id());
    everyProxyRefuses(AccessRight.ACTIVE_GRANT, "grant " + toLee.id() + " is revoked or expired", p -> p.reencrypt(read.id()));
    AccessGrant again = anna.grant(GrantRequest.treatment(lee.id()));
    AccessEvent second = event(Optional.of(again.id()), leeKey);
    f.submitOrThrow(second);
    anna.erase(record.id());
    for (FederationServer proxy : f.federationNodes()) {
      assertThrows(RecordErasedException.class, () -> proxy.reencrypt(second.id()), proxy.toString());
    }
  }

  /**
   * A clinician whose read was final, then removed by its institution, asks again for the same
   * event (its fragments would still open the record for its key): every proxy refuses it as no
   * longer an active participant; an event under another patient's grant is refused as well.
   */
  @Test
  void aFinalReadIsRefusedOnceItsReaderIsRemovedAndAnotherPatientsGrantCoversNothing() {
    AccessEvent read = event(Optional.of(toLee.id()), leeKey);
    f.submitOrThrow(read);
    assertReencrypts(() -> f.federationNodes().get(0).reencrypt(read.id()));
    AccessGrant lisGrant = li.grant(GrantRequest.treatment(okafor.id()));
    everyProxyRefuses(AccessRight.ACTIVE_GRANT, "no grant " + lisGrant.id() + " by " + anna.id(),
        p -> p.reencrypt(event(Optional.of(lisGrant.id()), okaforKey)));
    Removals.affiliate(f, lee.id(), "Hospital A2");
    everyProxyRefuses(AccessRight.READER_ROLE, lee.id() + " is not an active participant", p -> p.reencrypt(read.id()));
  }

  @Test
  void aGrantScopedToARecordCoversItsAmendments() {
    AccessGrant onlyThis = anna.grant(GrantRequest.treatment(okafor.id()).scope(AccessScope.records(record.id())));
    MedicalRecord amended = okafor.amend(record.id(), TestFederation.observation("anna", "4548-4", 6.4)).record();
    MedicalRecord again = okafor.amend(amended.id(), TestFederation.observation("anna", "4548-4", 6.7)).record();
    AccessEvent read = event(anna, again.id(), Optional.of(onlyThis.id()), okaforKey);
    f.submitOrThrow(read);
    for (FederationServer proxy : f.federationNodes()) {
      assertReencrypts(() -> proxy.reencrypt(read.id()));
    }
    assertArrayEquals(TestFederation.observation("anna", "4548-4", 6.7), okafor.read(again.id()));
  }

  private static void assertReencrypts(Executable call) {
    try {
      call.execute();
    } catch (Throwable t) {
      throw new AssertionError("refused: " + t, t);
    }
  }

  @Test
  void aRecordWhoseCapsuleIsMalformedIsNeverReEncrypted() {
    var where = f.storage().putReplicated(new byte[] {1, 2, 3});
    MedicalRecord odd = f.sign(new MedicalRecord(anna.id(), anna.id(), Optional.empty(), "Observation", where.id(),
        where.size(), where.nodeIds().stream().map(io.medledger.access.ParticipantId::fromHex).toList(),
        io.medledger.codec.ByteString.of(new byte[] {9, 9, 9}), f.now(), Optional.empty(), List.of()), anna.identity());
    f.submitOrThrow(odd);
    AccessEvent read = event(anna, odd.id(), Optional.of(toLee.id()), leeKey);
    f.submitOrThrow(read);
    for (FederationServer proxy : f.federationNodes()) {
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> proxy.reencrypt(read.id()));
      assertEquals("record " + odd.id() + " carries no re-encryption capsule", e.getMessage());
    }
  }

  @Test
  void onlyAFederationServerThatIsOnlineActsAsProxy() {
    AccessEvent read = event(Optional.of(toLee.id()), leeKey);
    f.submitOrThrow(read);
    for (FederationServer audit : f.auditNodes()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> audit.reencrypt(read.id()));
      assertEquals("only federation servers run re-encryption proxies", e.getMessage());
      assertThrows(IllegalStateException.class, () -> audit.reencrypt(read));
    }
    FederationServer proxy = f.federationNodes().get(0);
    assertTrue(proxy.toString().startsWith("FederationServer[federation ") && proxy.toString().endsWith(proxy.id() + "]"),
        proxy.toString());
    assertEquals(Optional.of(read), proxy.entry(read.id()));
    proxy.setOnline(false);
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> proxy.reencrypt(read.id()));
      assertEquals("proxy " + proxy.id() + " is offline", e.getMessage());
      assertThrows(IllegalStateException.class, () -> proxy.reencrypt(read));
    } finally {
      proxy.setOnline(true);
    }
    assertReencrypts(() -> proxy.reencrypt(read));
  }
}
