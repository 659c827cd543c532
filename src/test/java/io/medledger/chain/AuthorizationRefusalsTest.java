package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.internal.consensus.StatementBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per refusal of {@code BlockProcessor.authorize} and the methods it calls: each builds
 * the entry the rule exists to refuse, correctly signed, and checks that admission refuses it
 * with that rule's reason (and, where cheap, that the nearest allowed entry is admitted, so the
 * refusal is caused by the rule and not by something else).
 */
class AuthorizationRefusalsTest {
  ChainFixture f;
  Actor alice;
  Actor bob;
  Actor doc;
  Actor docB;
  Actor researcher;

  @BeforeEach
  void setUp() {
    f = ChainFixture.builder().federationServers(4).auditServers(1).build();
    alice = f.actor("alice");
    bob = f.actor("bob");
    doc = f.actor("dr-a");
    docB = f.actor("dr-b");
    researcher = f.actor("researcher");
    f.commit(f.registerPatient(alice), f.registerPatient(bob), f.registerClinician(doc, f.hospitalA),
        f.registerClinician(docB, f.hospitalB), f.registerAffiliate(researcher, f.hospitalB, ParticipantKind.RESEARCHER));
  }

  /** The reason admission refuses {@code e} for (fails if it is admitted). */
  private String refusal(Entry e) {
    ValidationResult<Entry> r = f.ledger.checkEntry(e);
    assertTrue(!r.isAccepted(), () -> "expected a refusal of " + e.kind().label());
    return r.reason();
  }

  private void refused(Entry e, String reasonPart) {
    String reason = refusal(e);
    assertTrue(reason.contains(reasonPart), () -> "reason '" + reason + "' does not contain '" + reasonPart + "'");
  }

  private void admitted(Entry e) {
    ValidationResult<Entry> r = f.ledger.checkEntry(e);
    assertTrue(r.isAccepted(), () -> "expected admission, got " + r.reason());
  }

  private Actor[] quorumPlus(Actor... more) {
    List<Actor> s = new ArrayList<>(List.of(f.federationQuorum()));
    s.addAll(List.of(more));
    return s.toArray(Actor[]::new);
  }

  // ------------------------------------------------------------- common rules

  @Test
  void anEntryAlreadyOnTheChainIsADuplicate() {
    PatientRegistration carol = f.registerPatient(f.actor("carol"));
    admitted(carol);
    f.commit(carol);
    assertEquals("duplicate entry", refusal(carol));
  }

  @Test
  void entriesSignedByNobodyOrByAStrangerAreRefused() {
    PatientRegistration unsigned = new PatientRegistration(f.actor("carol").publicKey(), f.now(), List.of());
    assertEquals("missing or invalid signature", refusal(unsigned));
    PatientRegistration byBob = f.sign(new PatientRegistration(f.actor("carol").publicKey(), f.now(), List.of()), bob);
    refused(byBob, "must be signed by the patient");
  }

  // ------------------------------------------------------------- registrations

  @Test
  void aPatientKeyIsRegisteredOnce() {
    PatientRegistration again = f.sign(new PatientRegistration(alice.publicKey(), f.now() + 1, List.of()), alice);
    refused(again, "key already registered");
    // the key of a clinician cannot become a patient either
    refused(f.sign(new PatientRegistration(doc.publicKey(), f.now(), List.of()), doc), "key already registered");
  }

  @Test
  void anInstitutionIsRegisteredOnceAndByGovernance() {
    Actor newInst = f.actor("hospital-d");
    admitted(f.registerInstitution(newInst, "Hospital D", InstitutionClass.B));
    InstitutionRegistration again = f.sign(new InstitutionRegistration(f.hospitalA.publicKey(), "Hospital A again",
        InstitutionClass.A, f.now(), List.of()), quorumPlus(f.hospitalA));
    refused(again, "key already registered");
    // a key already used by a patient cannot register as an institution
    refused(f.sign(new InstitutionRegistration(alice.publicKey(), "Alice Inc", InstitutionClass.C, f.now(), List.of()),
        quorumPlus(alice)), "key already registered");
    InstitutionRegistration r = new InstitutionRegistration(newInst.publicKey(), "Hospital D", InstitutionClass.B, f.now(),
        List.of());
    refused(f.sign(r, f.federationQuorum()), "missing the signature of");
    refused(f.sign(r, newInst, f.federation.get(0)), "needs 3 federation server signatures, has 1");
    refused(f.sign(r, newInst, f.federation.get(0), f.federation.get(1)), "needs 3 federation server signatures, has 2");
    refused(f.sign(r, quorumPlus(newInst, bob)), "which is not a federation server");
  }

  @Test
  void anAffiliateIsRegisteredOnceUnderAnActiveInstitution() {
    Actor nurse = f.actor("nurse");
    admitted(f.registerClinician(nurse, f.hospitalA));
    refused(f.registerClinician(doc, f.hospitalB), "key already registered");
    refused(f.registerClinician(nurse, f.actor("no-such-hospital")), "not an active registered institution");
    // a registered participant that is not an institution cannot take affiliates
    refused(f.registerClinician(nurse, alice), "not an active registered institution");
    AffiliateRegistration onlyMember = f.sign(new AffiliateRegistration(nurse.publicKey(), ParticipantKind.CLINICIAN,
        f.hospitalA.id(), f.now(), List.of()), nurse);
    refused(onlyMember, "must be signed by exactly");
  }

  @Test
  void anAffiliateIsRemovedOnlyByItsOwnInstitution() {
    admitted(f.removeAffiliate(doc, f.hospitalA));
    refused(f.removeAffiliate(doc, f.hospitalB), "is not an active member of institution");
    refused(f.removeAffiliate(alice, f.hospitalA), "is not an active member of institution");
    refused(f.removeAffiliate(f.actor("ghost"), f.hospitalA), "is not an active member of institution");
    AffiliateRemoval byDoc = f.sign(new AffiliateRemoval(doc.id(), f.hospitalA.id(), f.now(), List.of()), doc);
    refused(byDoc, "must be signed by exactly");
    f.commit(f.removeAffiliate(doc, f.hospitalA));
    AffiliateRemoval twice = f.sign(new AffiliateRemoval(doc.id(), f.hospitalA.id(), f.now() + 1, List.of()), f.hospitalA);
    refused(twice, "is not an active member of institution");
  }

  // ------------------------------------------------------------- membership

  @Test
  void membershipAdditionsNeedAFreshKeyAnEligibleOperatorAndAQuorum() {
    Actor fed = f.actor("federation-new");
    admitted(f.membership(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER, fed, f.hospitalA));
    refused(f.membership(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER, f.federation.get(1), f.hospitalA),
        "key already registered");
    // a patient key cannot be admitted as a server
    refused(f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, alice, f.hospitalB),
        "key already registered");
    refused(f.membership(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER, fed, alice),
        "operator is not an active registered institution");
    refused(f.membership(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER, fed, f.clinic),
        "may not operate");
    MembershipChange m = new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
        fed.publicKey(), Optional.of(f.hospitalA.id()), f.now(), List.of());
    refused(f.sign(m, f.federationQuorum()), "missing the signature of");
    refused(f.sign(m, fed, f.federation.get(0)), "needs 3 federation server signatures");
    refused(f.sign(m, quorumPlus(fed, alice)), "which is not a federation server");
  }

  @Test
  void membershipRemovalsNeedAnActiveMemberOfThatRoleAndAQuorum() {
    Actor aud = f.auditors.get(0);
    admitted(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, f.federation.get(3), null));
    refused(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, aud, null),
        "is not an active federation_server");
    refused(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.REGULATOR, f.actor("nobody"), null),
        "is not an active regulator");
    MembershipChange rm = new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
        f.federation.get(3).publicKey(), Optional.empty(), f.now(), List.of());
    refused(f.sign(rm, f.federation.get(3)), "needs 3 federation server signatures, has 1");
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, f.federation.get(3), null));
    // a removed server is not active any more
    MembershipChange again = new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
        f.federation.get(3).publicKey(), Optional.empty(), f.now() + 1, List.of());
    refused(f.sign(again, f.federationQuorum()), "is not an active federation_server");
  }

  @Test
  void theLastFederationServerStays() {
    ChainFixture one = ChainFixture.builder().federationServers(1).build();
    Actor only = one.federation.get(0);
    ValidationResult<Entry> r = one.ledger.checkEntry(one.membership(MembershipChange.Operation.REMOVE,
        ParticipantKind.FEDERATION_SERVER, only, null));
    assertTrue(r.reason().contains("the last federation server cannot be removed"), r.reason());
    // removing a server other than the last is a governance matter, not refused by this rule
    Actor aud = one.auditors.get(0);
    assertTrue(one.ledger.checkEntry(one.membership(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, aud,
        null)).isAccepted());
  }

  @Test
  void removalsInTheGenesisBlockHaveNoQuorumToSignThem() {
    ChainFixture g = ChainFixture.builder().federationServers(2).genesis(false).build();
    List<Entry> entries = new ArrayList<>(g.genesisEntries());
    Actor second = g.federation.get(1);
    entries.add(g.sign(new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
        second.publicKey(), Optional.empty(), g.now(), List.of()), second));
    ValidationResult<VerifiedBlock> r = g.ledger.validate(g.rawBlock(entries));
    assertTrue(r.reason().contains("removal needs a federation quorum"), r.reason());
    assertTrue(g.ledger.validate(g.rawBlock(g.genesisEntries())).isAccepted());
  }

  // ------------------------------------------------------------- records

  @Test
  void recordsAreSignedByTheirAuthorOnly() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    admitted(r);
    refused(f.sign(r.withEndorsements(List.of()), doc, alice), "must be signed by exactly");
    refused(f.sign(r.withEndorsements(List.of()), alice), "must be signed by exactly");
  }

  @Test
  void aRecordAuthorBelongsToTheNamedInstitution() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()),
        f.grant(alice, f.hospitalB, Purpose.TREATMENT, AccessScope.all()));
    admitted(f.record(doc, alice, f.hospitalA, "Observation", "x"));
    refused(f.record(doc, alice, f.hospitalB, "Observation", "x"), "does not belong to institution");
    refused(f.record(researcher, alice, f.hospitalB, "Observation", "x"), "is not an active clinician");
    f.commit(f.removeAffiliate(doc, f.hospitalA));
    refused(f.record(doc, alice, f.hospitalA, "Observation", "y"), "is not an active clinician");
  }

  @Test
  void onlyAnInForceTreatmentGrantThatCoversTheRecordAuthorizesIt() {
    refused(f.record(doc, alice, f.hospitalA, "Observation", "x"), "no active treatment grant");
    // a research grant to the institution does not let its clinicians write
    f.commit(f.grant(alice, f.hospitalA, Purpose.RESEARCH, AccessScope.all()));
    refused(f.record(doc, alice, f.hospitalA, "Observation", "x"), "no active treatment grant");
    // a treatment grant to another institution does not either
    f.commit(f.grant(alice, f.hospitalB, Purpose.TREATMENT, AccessScope.all()));
    refused(f.record(doc, alice, f.hospitalA, "Observation", "x"), "no active treatment grant");
    // a grant for other resource types does not cover this one
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.resourceTypes("Condition")));
    refused(f.record(doc, alice, f.hospitalA, "Observation", "x"), "no active treatment grant");
    admitted(f.record(doc, alice, f.hospitalA, "Condition", "x"));
    // a grant to the clinician personally does cover
    f.commit(f.grant(alice, doc, Purpose.TREATMENT, AccessScope.resourceTypes("Observation")));
    admitted(f.record(doc, alice, f.hospitalA, "Observation", "x"));
  }

  @Test
  void aGrantThatHasExpiredOrIsNotYetValidAuthorizesNothing() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all(), Duration.ofSeconds(2)));
    admitted(f.record(doc, alice, f.hospitalA, "Observation", "x"));
    f.clock.advance(Duration.ofMinutes(1));
    refused(f.record(doc, alice, f.hospitalA, "Observation", "x"), "no active treatment grant");
    AccessGrant later = f.sign(new AccessGrant(alice.id(), f.hospitalA.id(), AccessScope.all(), Purpose.TREATMENT,
        f.now() + Duration.ofDays(1).toMillis(), f.now() + Duration.ofDays(2).toMillis(), List.of(), 0, List.of(),
        f.now(), List.of()), alice);
    f.commit(later);
    refused(f.record(doc, alice, f.hospitalA, "Observation", "y"), "no active treatment grant");
  }

  @Test
  void aRevokedGrantAuthorizesNoNewRecord() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    admitted(f.record(doc, alice, f.hospitalA, "Observation", "x"));
    f.commit(f.revoke(alice, g));
    refused(f.record(doc, alice, f.hospitalA, "Observation", "x"), "no active treatment grant");
  }

  @Test
  void amendmentsNeedAnExistingRecord() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord ghost = f.record(doc, alice, f.hospitalA, "Observation", "never committed");
    refused(f.amend(doc, alice, f.hospitalA, "Observation", "y", ghost), "amends no record of this patient");
  }

  // ------------------------------------------------------------- grants and revocations

  @Test
  void grantsAreSignedByARegisteredPatient() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    admitted(g);
    refused(f.sign(g.withEndorsements(List.of()), bob), "must be signed by exactly");
    Actor ghost = f.actor("ghost");
    refused(f.grant(ghost, f.hospitalA, Purpose.TREATMENT, AccessScope.all()), "is not registered");
    // patients, storage nodes and servers are not grantees
    refused(f.grant(alice, bob, Purpose.TREATMENT, AccessScope.all()), "is not an active institution, clinician");
    refused(f.grant(alice, f.storageNode, Purpose.TREATMENT, AccessScope.all()), "is not an active institution, clinician");
    admitted(f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.all()));
    admitted(f.grant(alice, doc, Purpose.TREATMENT, AccessScope.all()));
  }

  @Test
  void aGrantIsRevokedOnceAndOnlyByItsPatient() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    admitted(f.revoke(alice, g));
    // bob revoking alice's grant, signed by bob
    refused(f.revoke(bob, g), "no grant " + g.id() + " by this patient");
    // a revocation naming alice but signed by bob
    AccessRevocation forged = f.sign(new AccessRevocation(alice.id(), g.id(), f.now(), List.of()), bob);
    refused(forged, "must be signed by exactly");
    refused(f.sign(new AccessRevocation(alice.id(), ChainFixture.digest("no grant"), f.now(), List.of()), alice),
        "by this patient");
    f.commit(f.revoke(alice, g));
    AccessRevocation twice = f.sign(new AccessRevocation(alice.id(), g.id(), f.now() + 1, List.of()), alice);
    refused(twice, "grant already revoked");
  }

  // ------------------------------------------------------------- erasure

  @Test
  void anErasureIsSignedByItsRequesterForARecordOfThatPatient() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    MedicalRecord bobs = f.record(bob, bob, null, "Observation", "bob's own");
    f.commit(r, bobs);
    admitted(f.erase(alice, r));
    // names alice as requester, but bob signs
    RecordErasure forged = f.sign(new RecordErasure(alice.id(), r.id(), alice.id(), f.now(), List.of()), bob);
    refused(forged, "must be signed by exactly");
    // bob names himself as the patient of alice's record
    RecordErasure wrongPatient = f.sign(new RecordErasure(bob.id(), r.id(), bob.id(), f.now(), List.of()), bob);
    refused(wrongPatient, "no record " + r.id() + " of this patient");
    // alice erasing bob's record while naming herself the patient
    RecordErasure notHers = f.sign(new RecordErasure(alice.id(), bobs.id(), alice.id(), f.now(), List.of()), alice);
    refused(notHers, "of this patient");
    RecordErasure noRecord = f.sign(new RecordErasure(alice.id(), ChainFixture.digest("nothing"), alice.id(), f.now(),
        List.of()), alice);
    refused(noRecord, "of this patient");
  }

  // ------------------------------------------------------------- access events

  @Test
  void accessEventsNeedTheAccessorsSignatureAndARecordOfThatPatient() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(r);
    admitted(f.accessEvent(doc, r, g));
    AccessEvent forged = f.sign(new AccessEvent(alice.id(), doc.id(), r.id(), Optional.of(g.id()), f.now(), List.of()),
        alice);
    refused(forged, "must be signed by exactly");
    AccessEvent wrongPatient = f.sign(new AccessEvent(bob.id(), doc.id(), r.id(), Optional.of(g.id()), f.now(),
        List.of()), doc);
    refused(wrongPatient, "of this patient");
    AccessEvent noRecord = f.sign(new AccessEvent(alice.id(), doc.id(), ChainFixture.digest("none"), Optional.of(g.id()),
        f.now(), List.of()), doc);
    refused(noRecord, "of this patient");
  }

  @Test
  void accessEventsNeedAnActiveAccessor() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(r);
    refused(f.accessEvent(f.actor("stranger"), r, g), "is not an active participant");
    f.commit(f.removeAffiliate(doc, f.hospitalA));
    refused(f.accessEvent(doc, r, g), "is not an active participant");
    admitted(f.accessEvent(alice, r, null));
  }

  @Test
  void accessEventsUnderAGrantNeedTheGrantToBeThePatientsAndValidThen() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all(), Duration.ofMinutes(1));
    AccessGrant bobs = f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g, bobs);
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(r);
    admitted(f.accessEvent(doc, r, g));
    refused(f.accessEvent(doc, r, bobs), "no grant " + bobs.id() + " by this patient");
    AccessEvent unknownGrant = f.sign(new AccessEvent(alice.id(), doc.id(), r.id(),
        Optional.of(ChainFixture.digest("none")), f.now(), List.of()), doc);
    refused(unknownGrant, "by this patient");
    AccessEvent beforeGrant = f.sign(new AccessEvent(alice.id(), doc.id(), r.id(), Optional.of(g.id()),
        g.notBefore() - 1, List.of()), doc);
    // the record is younger than the grant, so an event before the grant is before the record too (issue 13)
    refused(beforeGrant, "before the record existed");
    f.clock.advance(Duration.ofMinutes(2));
    refused(f.accessEvent(doc, r, g), "the grant was not valid at");
  }

  @Test
  void accessEventsAfterARevocationAreRefusedWhateverTheirDate() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(r);
    f.clock.advance(Duration.ofSeconds(5));
    f.commit(f.revoke(alice, g));
    long revokedAt = f.now() - 1000;
    refused(f.accessEvent(doc, r, g), "the grant was revoked before");
    AccessEvent atRevocation = f.sign(new AccessEvent(alice.id(), doc.id(), r.id(), Optional.of(g.id()), revokedAt,
        List.of()), doc);
    refused(atRevocation, "the grant was revoked before");
    // dated before the revocation but submitted after it: refused (issue 13, finding 3: backdating)
    AccessEvent justBefore = f.sign(new AccessEvent(alice.id(), doc.id(), r.id(), Optional.of(g.id()), revokedAt - 1,
        List.of()), doc);
    refused(justBefore, "the grant was revoked before");
  }

  @Test
  void accessTimesStayWithinTheSkewAndAfterTheRecordAndTheGrant() {
    MedicalRecord r = f.record(alice, alice, null, "Observation", "own");
    f.commit(r);
    f.clock.advance(Duration.ofSeconds(5));
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    long skew = f.params.maxClockSkew().toMillis();
    java.util.function.BiFunction<Actor, Long, AccessEvent> at = (who, t) -> f.sign(new AccessEvent(alice.id(), who.id(),
        r.id(), who == alice ? Optional.empty() : Optional.of(g.id()), t, List.of()), who);
    // not before the record existed (boundary included)
    admitted(at.apply(alice, r.createdAt()));
    refused(at.apply(alice, r.createdAt() - 1), "is before the record existed");
    // not before the grant existed (boundary included)
    admitted(at.apply(doc, g.createdAt()));
    refused(at.apply(doc, g.createdAt() - 1), "is before the grant existed");
    // not more than the clock skew before the block time (boundary included)
    f.clock.advance(Duration.ofMinutes(2));
    admitted(at.apply(alice, f.now() - skew));
    refused(at.apply(alice, f.now() - skew - 1), "more than the clock skew before the block time");
  }

  @Test
  void anEntryMayBeStampedUpToTheClockSkewAfterTheBlockTime() {
    long skew = f.params.maxClockSkew().toMillis();
    Actor carol = f.actor("carol");
    admitted(f.sign(new PatientRegistration(carol.publicKey(), f.now() + skew, List.of()), carol, f.hospitalA));
    refused(f.sign(new PatientRegistration(carol.publicKey(), f.now() + skew + 1, List.of()), carol, f.hospitalA),
        "is after the block time");
  }

  @Test
  void aRemovedMemberIsNotReAddedUnderAnotherRole() {
    Actor reg = f.actor("regulator");
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, reg, null));
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.REGULATOR, reg, null));
    // inactive, but registered as a regulator: it may come back as one, not as a server
    refused(f.membership(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER, reg, f.hospitalA),
        "key already registered");
    admitted(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, reg, null));
  }

  // ------------------------------------------------------------- key publication

  private KeyPublication publication(Actor who, Actor signer) {
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
    return f.sign(new KeyPublication(who.id(), ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()),
        ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()), f.now(), List.of()), signer);
  }

  @Test
  void keysArePublishedOnceBySelfForAnActiveParticipant() {
    refused(publication(alice, bob), "must be signed by exactly");
    Actor carol = f.actor("carol");
    refused(publication(carol, carol), "is not an active registered participant");
    KeyPublication ok = publication(alice, alice);
    admitted(ok);
    f.commit(ok);
    refused(publication(alice, alice), "are already published");
    admitted(publication(bob, bob));
    f.commit(f.removeAffiliate(doc, f.hospitalA));
    refused(publication(doc, doc), "is not an active registered participant");
  }

  private static ByteString freshKey() {
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
    return ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes());
  }

  /** {@code base} with a research key added, signed by {@code signer}. */
  private KeyPublication withResearchKey(KeyPublication base, ByteString enc, Actor signer) {
    return f.sign(new KeyPublication(base.participant(), enc, base.verifyingKey(), Optional.of(freshKey()), f.now(),
        List.of()), signer);
  }

  @Test
  void aPatientWhoseKeysPredateResearchKeysAddsOneOnceWithTheSameKeys() {
    KeyPublication old = publication(alice, alice);
    KeyPublication docs = publication(doc, doc);
    f.commit(old, docs);
    refused(withResearchKey(old, freshKey(), alice), "must carry the encryption and verifying keys in force");
    refused(withResearchKey(old, old.encryptionKey(), bob), "must be signed by exactly");
    refused(f.sign(new KeyPublication(alice.id(), old.encryptionKey(), old.verifyingKey(), f.now(), List.of()), alice),
        "are already published");
    refused(withResearchKey(docs, docs.encryptionKey(), doc), "are already published"); // patients only
    KeyPublication upgrade = withResearchKey(old, old.encryptionKey(), alice);
    admitted(upgrade);
    f.commit(upgrade);
    assertEquals(Optional.of(upgrade), f.ledger.publishedKeys(alice.id()));
    refused(withResearchKey(old, old.encryptionKey(), alice), "already published, with a research key");
    // a publication with a research key from the start takes no upgrade either
    KeyPublication withKey = withResearchKey(publication(bob, bob), freshKey(), bob);
    f.commit(withKey);
    refused(withResearchKey(withKey, withKey.encryptionKey(), bob), "already published, with a research key");
  }

  @Test
  void aResearchKeyEqualToTheEncryptionOrVerifyingKeyIsRefusedFirstOrAsAnUpgrade() {
    KeyPublication fresh = publication(bob, bob);
    String reason = "a research key must differ from the encryption and verifying keys";
    refused(f.sign(new KeyPublication(bob.id(), fresh.encryptionKey(), fresh.verifyingKey(),
        Optional.of(fresh.encryptionKey()), f.now(), List.of()), bob), reason);
    refused(f.sign(new KeyPublication(bob.id(), fresh.encryptionKey(), fresh.verifyingKey(),
        Optional.of(fresh.verifyingKey()), f.now(), List.of()), bob), reason);
    KeyPublication old = publication(alice, alice);
    f.commit(old);
    KeyPublication same = f.sign(new KeyPublication(alice.id(), old.encryptionKey(), old.verifyingKey(),
        Optional.of(old.encryptionKey()), f.now(), List.of()), alice);
    refused(same, reason);
    // a block proposed with it (as a Byzantine proposer would) leaves it out too
    ValidationResult<BlockCandidate> c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(),
        List.of(same));
    assertTrue(c.isAccepted(), () -> String.valueOf(c.reason()));
    assertEquals(List.of(), c.value().block().block().entries());
    assertTrue(c.value().rejected().get(0).reason().contains(reason), c.value().rejected().get(0).reason());
    assertEquals(Optional.of(old), f.ledger.publishedKeys(alice.id()));
  }

  @Test
  void twoResearchKeyUpgradesInOneBlockAreRefusedAfterTheFirst() {
    KeyPublication old = publication(alice, alice);
    f.commit(old);
    KeyPublication one = withResearchKey(old, old.encryptionKey(), alice);
    KeyPublication two = withResearchKey(old, old.encryptionKey(), alice);
    ValidationResult<BlockCandidate> c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(),
        List.of(one, two));
    assertTrue(c.isAccepted(), () -> String.valueOf(c.reason()));
    assertEquals(List.of(one), c.value().block().block().entries());
    assertEquals(1, c.value().rejected().size());
    assertTrue(c.value().rejected().get(0).reason().contains("with a research key"), c.value().rejected().get(0).reason());
  }

  // ------------------------------------------------------------- anchors and evidence

  @Test
  void anchorsAreSubmittedByActiveFederationServersOnly() {
    Actor fed = f.federation.get(1);
    long h = f.ledger.height();
    Anchor ok = f.sign(new Anchor(fed.id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0, h, f.now(),
        List.of()), fed);
    admitted(ok);
    Anchor byAuditor = f.sign(new Anchor(f.auditors.get(0).id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0,
        h, f.now(), List.of()), f.auditors.get(0));
    refused(byAuditor, "anchors are submitted by active federation servers");
    Anchor byPatient = f.sign(new Anchor(alice.id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0, h, f.now(),
        List.of()), alice);
    refused(byPatient, "anchors are submitted by active federation servers");
    Anchor forged = f.sign(new Anchor(fed.id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0, h, f.now(),
        List.of()), f.federation.get(2));
    refused(forged, "must be signed by exactly");
    Anchor current = f.sign(new Anchor(fed.id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0, h + 1, f.now(),
        List.of()), fed);
    refused(current, "an anchor covers only earlier blocks");
  }

  private Evidence evidence(Actor reporter, Actor signer, Actor accused, Actor secondSigner, String m1, String m2) {
    byte[] a = vote(m1).toByteArray();
    byte[] b = vote(m2).toByteArray();
    return f.sign(new Evidence(reporter.id(), accused.id(), ByteString.of(a), ByteString.of(accused.key().sign(a)),
        ByteString.of(b), ByteString.of(secondSigner.key().sign(b)), f.now(), List.of()), signer);
  }

  /** A prevote at the next height, round 0, for the block named {@code block}. */
  private ByteString vote(String block) {
    return f.statement(StatementBytes.PREVOTE, f.ledger.height() + 1, 0, block, -1);
  }

  @Test
  void evidenceNeedsAServerReporterAServerAccusedAndTwoConflictingSignedMessages() {
    Actor fed = f.federation.get(1);
    Actor accused = f.federation.get(2);
    admitted(evidence(fed, fed, accused, accused, "A", "B"));
    admitted(evidence(f.auditors.get(0), f.auditors.get(0), accused, accused, "A", "B"));
    refused(evidence(fed, f.federation.get(3), accused, accused, "A", "B"), "must be signed by exactly");
    refused(evidence(alice, alice, accused, accused, "A", "B"),
        "evidence is reported by active federation or audit servers");
    refused(evidence(fed, fed, doc, doc, "A", "B"), "the accused is not a server");
    refused(evidence(fed, fed, f.actor("ghost"), f.actor("ghost"), "A", "B"),
        "the accused is not a server");
    admitted(evidence(fed, fed, f.auditors.get(0), f.auditors.get(0), "A", "B"));
    // the first signature forged, then the second
    ByteString a = vote("A");
    ByteString b = vote("B");
    Evidence firstForged = f.sign(new Evidence(fed.id(), accused.id(), a,
        ByteString.of(fed.key().sign(a.toByteArray())), b,
        ByteString.of(accused.key().sign(b.toByteArray())), f.now(), List.of()), fed);
    refused(firstForged, "not both signed by the accused");
    refused(evidence(fed, fed, accused, fed, "A", "B"), "not both signed by the accused");
  }

  @Test
  void evidenceThatThePolicyDoesNotCallConflictingIsRefused() {
    // A chain configured with a rule stricter than the default: only proposals count.
    EvidencePolicy proposalsOnly = (id, x, y) -> EvidencePolicy.strict().offence(id, x, y)
        .filter(EvidencePolicy.Offence::asProposer);
    Ledger strict = Ledger.builder(f.params.withEvidencePolicy(proposalsOnly)).clock(f.clock)
        .certificatePolicy(CertificatePolicy.acceptAny()).open();
    for (long h = 0; h <= f.ledger.height(); h++) {
      assertTrue(strict.append(f.ledger.block(h)).isAccepted());
    }
    Actor fed = f.federation.get(1);
    Actor accused = f.federation.get(2);
    Evidence votes = evidence(fed, fed, accused, accused, "A", "B");
    ValidationResult<Entry> r = strict.checkEntry(votes);
    assertEquals("the quoted messages do not conflict: they prove no offence", r.reason());
    long h = f.ledger.height() + 1;
    assertTrue(strict.checkEntry(f.evidence(fed, accused, f.statement(StatementBytes.PROPOSAL, h, 0, "A", -1),
        f.statement(StatementBytes.PROPOSAL, h, 0, "B", -1))).isAccepted());
    admitted(votes);
  }

  @Test
  void everyRefusalLeavesTheStateUnchanged() {
    long height = f.ledger.height();
    Membership before = f.ledger.membership();
    assertNotNull(refusal(f.registerClinician(doc, f.hospitalB)));
    assertEquals(height, f.ledger.height());
    assertEquals(before, f.ledger.membership());
  }
}
