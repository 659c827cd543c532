package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Sha256;
import io.medledger.internal.consensus.StatementBytes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One test per authorization rule not covered by the tampering tests: allowed and refused. */
class AuthorizationRulesTest {
  ChainFixture f;
  Actor alice;
  Actor bob;
  Actor doc;
  Actor researcher;

  @BeforeEach
  void setUp() {
    f = ChainFixture.builder().federationServers(4).auditServers(1).build();
    alice = f.actor("alice");
    bob = f.actor("bob");
    doc = f.actor("dr-a");
    researcher = f.actor("researcher");
    f.commit(f.registerPatient(alice), f.registerPatient(bob), f.registerClinician(doc, f.hospitalA),
        f.registerAffiliate(researcher, f.hospitalB, ParticipantKind.RESEARCHER));
  }

  private String rejection(Entry... entries) {
    ValidationResult<VerifiedBlock> r = f.ledger.validate(f.rawBlock(List.of(entries)));
    assertFalse(r.isAccepted(), "expected a rejection");
    return r.reason();
  }

  @Test
  void patientsWriteAndReadTheirOwnRecordsWithoutGrants() {
    MedicalRecord own = f.record(alice, alice, null, "Observation", "self-measured");
    f.commit(own);
    f.commit(f.accessEvent(alice, own, null));
    // but not someone else's
    MedicalRecord forBob = f.sign(new MedicalRecord(bob.id(), alice.id(), Optional.of(f.hospitalA.id()),
        "Observation", Sha256.hash(new byte[1]), 1, List.of(), ByteString.EMPTY, f.now(), Optional.empty(), List.of()),
        alice);
    assertTrue(rejection(forBob).contains("not an active clinician"));
  }

  @Test
  void recordsNeedARegisteredPatientAndStorageNodes() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    Actor ghost = f.actor("ghost");
    assertTrue(rejection(f.record(doc, ghost, f.hospitalA, "Observation", "x")).contains("not registered"));
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    MedicalRecord badNode = f.sign(new MedicalRecord(r.patient(), r.author(), r.institution(), r.resourceType(),
        r.payloadDigest(), r.payloadSize(), List.of(f.actor("not-a-node").id()), r.encryptionMetadata(), r.createdAt(),
        r.amends(), List.of()), doc);
    assertTrue(rejection(badNode).contains("storage node"));
  }

  @Test
  void amendmentsStayWithTheirPatientAndType() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()),
        f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(r);
    assertTrue(rejection(f.amend(doc, bob, f.hospitalA, "Observation", "y", r)).contains("amends no record"));
    assertTrue(rejection(f.amend(doc, alice, f.hospitalA, "Condition", "y", r)).contains("keeps the resource type"));
    MedicalRecord a1 = f.amend(doc, alice, f.hospitalA, "Observation", "y", r);
    f.commit(a1);
    f.commit(f.amend(doc, alice, f.hospitalA, "Observation", "z", a1));
  }

  @Test
  void anAmendmentLineageHoldsAtMostItsBound() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord last = f.record(doc, alice, f.hospitalA, "Observation", "v0");
    f.commit(last);
    for (int i = 1; i < Limits.MAX_AMENDMENT_DEPTH; i++) {
      last = f.amend(doc, alice, f.hospitalA, "Observation", "v" + i, last);
      f.commit(last);
    }
    String refused = rejection(f.amend(doc, alice, f.hospitalA, "Observation", "one too many", last));
    assertTrue(refused.contains("lineage already holds " + Limits.MAX_AMENDMENT_DEPTH), refused);
    f.commit(f.record(doc, alice, f.hospitalA, "Observation", "a new record instead"));
  }

  @Test
  void aPatientHoldsAtMostItsBoundOfUnrevokedGrantsAndAClinicianRecordWalksOnlyThose() {
    // research grants to a researcher: none of them lets the clinician write, so each record the
    // clinician writes for alice is checked against every one of them
    List<Entry> grants = new java.util.ArrayList<>();
    for (int i = 0; i < Limits.MAX_OPEN_GRANTS - 1; i++) {
      grants.add(f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.all(), Duration.ofDays(30).plusMillis(i)));
    }
    f.commit(grants);
    AccessGrant treatment = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(treatment);
    String refused = rejection(f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.all()));
    assertTrue(refused.contains(Limits.MAX_OPEN_GRANTS + " grants it has not revoked"), refused);
    // an expired grant still counts until it is revoked
    f.clock.advance(Duration.ofDays(31));
    refused = rejection(f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.all()));
    assertTrue(refused.contains(Limits.MAX_OPEN_GRANTS + " grants it has not revoked"), refused);
    // revoking frees a place, also in the same block as the new grant, and the revoked grant
    // leaves the list a clinician's record is checked against
    f.commit(f.revoke(alice, (AccessGrant) grants.get(0)), f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.all()));
    f.commit(f.revoke(alice, (AccessGrant) grants.get(1)));
    assertEquals(Limits.MAX_OPEN_GRANTS - 1, LedgerStateTest.stateOf(f.ledger).grantsOf(alice.id()).size());
    f.commit(f.record(doc, alice, f.hospitalA, "Observation", "still under the treatment grant"));
    // bob's grants are his own
    f.commit(f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
  }

  @Test
  void theScopesOfAPatientsUnrevokedGrantsListAtMostItsBoundOfItemsTogether() {
    int perGrant = Limits.MAX_SCOPE_ITEMS;
    int full = Limits.MAX_OPEN_GRANT_SCOPE_ITEMS / perGrant;
    List<Entry> grants = new java.util.ArrayList<>();
    for (int g = 0; g < full; g++) {
      List<String> types = new java.util.ArrayList<>();
      for (int i = 0; i < perGrant; i++) {
        types.add("Type" + (char) ('a' + g) + (char) ('a' + i / 26 / 26 % 26) + (char) ('a' + i / 26 % 26)
            + (char) ('a' + i % 26));
      }
      types.sort(null);
      grants.add(f.grant(alice, f.hospitalA, Purpose.TREATMENT,
          new AccessScope(AccessScope.Kind.RESOURCE_TYPES, types, List.of()), Duration.ofDays(30).plusMillis(g)));
    }
    f.commit(grants);
    MedicalRecord own = f.record(alice, alice, null, "Observation", "own");
    f.commit(own);
    String refused = rejection(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.records(own.id())));
    assertTrue(refused.contains(Limits.MAX_OPEN_GRANT_SCOPE_ITEMS + " resource types and records"), refused);
    refused = rejection(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.resourceTypes("Observation")));
    assertTrue(refused.contains(Limits.MAX_OPEN_GRANT_SCOPE_ITEMS + " resource types and records"), refused);
    // a scope of all records lists nothing; another patient's grants are not counted
    AccessGrant all = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(all, f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.resourceTypes("Observation")));
    // a revoked grant's items no longer count, also in the block that revokes it
    f.commit(f.revoke(alice, (AccessGrant) grants.get(0)),
        f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.records(own.id())));
    f.commit(f.record(doc, alice, f.hospitalA, "Observation", "under the grants"));
    // (bob's grant above covers Observations only) a grant of bob's record lets the clinician amend it, and its amendments, and nothing else
    MedicalRecord bobs = f.record(bob, bob, null, "Condition", "bob's own");
    f.commit(bobs);
    f.commit(f.grant(bob, doc, Purpose.TREATMENT, AccessScope.records(bobs.id())));
    MedicalRecord amended = f.amend(doc, bob, f.hospitalA, "Condition", "amended", bobs);
    f.commit(amended);
    f.commit(f.amend(doc, bob, f.hospitalA, "Condition", "amended again", amended));
    assertTrue(rejection(f.record(doc, bob, f.hospitalA, "Condition", "another")).contains("no active treatment grant"));
  }

  @Test
  void recordScopedGrantsCoverTheRecordAndItsAmendments() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord r1 = f.record(doc, alice, f.hospitalA, "Observation", "one");
    MedicalRecord r2 = f.record(doc, alice, f.hospitalA, "Observation", "two");
    f.commit(r1, r2);
    MedicalRecord a1 = f.amend(doc, alice, f.hospitalA, "Observation", "one-b", r1);
    f.commit(a1);
    AccessGrant research = f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.records(r1.id()));
    f.commit(research);
    f.commit(f.accessEvent(researcher, r1, research), f.accessEvent(researcher, a1, research));
    assertTrue(rejection(f.accessEvent(researcher, r2, research)).contains("does not cover"));
    // a grant to someone else does not let the researcher read
    AccessGrant toHospital = f.grant(alice, f.hospitalB, Purpose.RESEARCH, AccessScope.all());
    f.commit(toHospital);
    Actor outsider = f.actor("outsider");
    f.commit(f.registerAffiliate(outsider, f.hospitalA, ParticipantKind.RESEARCHER));
    assertTrue(rejection(f.accessEvent(outsider, r2, toHospital)).contains("not for"));
    // a member of the grantee institution may read under the institution's grant
    f.commit(f.accessEvent(researcher, r2, toHospital));
    // scope naming another patient's record is refused
    MedicalRecord own = f.record(bob, bob, null, "Observation", "bob");
    f.commit(own);
    assertTrue(rejection(f.grant(alice, researcher, Purpose.RESEARCH, AccessScope.records(own.id())))
        .contains("not a record of this patient"));
  }

  @Test
  void eachPurposeAdmitsOnlyItsReaderKindsAndNeverStorageNodes() {
    // issue 13, finding 1: any active affiliate of the grantee institution used to count as reader
    MedicalRecord rec = f.record(alice, alice, null, "Observation", "x");
    AccessGrant treatment = f.grant(alice, f.hospitalB, Purpose.TREATMENT, AccessScope.all());
    Actor node = f.actor("storage-b");
    Actor clinicianB = f.actor("dr-b");
    f.commit(rec, treatment, f.registerAffiliate(node, f.hospitalB, ParticipantKind.STORAGE_NODE),
        f.registerClinician(clinicianB, f.hospitalB));
    assertTrue(rejection(f.accessEvent(researcher, rec, treatment))
        .contains("a treatment grant does not let a researcher read"));
    assertTrue(rejection(f.accessEvent(node, rec, treatment))
        .contains("a treatment grant does not let a storage_node read"));
    f.commit(f.accessEvent(clinicianB, rec, treatment));
    AccessGrant research = f.grant(alice, f.hospitalB, Purpose.RESEARCH, AccessScope.all());
    f.commit(research);
    assertTrue(rejection(f.accessEvent(clinicianB, rec, research))
        .contains("a research grant does not let a clinician read"));
    assertTrue(rejection(f.accessEvent(node, rec, research)).contains("does not let a storage_node read"));
    f.commit(f.accessEvent(researcher, rec, research));
    // grants name only grantees whose kind the purpose allows (or an institution)
    assertTrue(rejection(f.grant(alice, researcher, Purpose.TREATMENT, AccessScope.all()))
        .contains("cannot name a researcher"));
    assertTrue(rejection(f.grant(alice, doc, Purpose.RESEARCH, AccessScope.all())).contains("cannot name a clinician"));
  }

  @Test
  void grantsNeedRegisteredGranteesAndFederationProxies() {
    assertTrue(rejection(f.grant(alice, f.actor("nobody"), Purpose.TREATMENT, AccessScope.all()))
        .contains("grantee"));
    assertTrue(rejection(f.grantWithProxies(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all(),
        List.of(f.federation.get(0), f.auditors.get(0)), 2)).contains("proxy"));
    AccessGrant withProxies = f.grantWithProxies(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all(),
        f.federation.subList(0, 3), 2);
    f.commit(withProxies);
    assertEquals(withProxies, f.ledger.grant(withProxies.id()).orElseThrow());
    assertEquals(3, f.ledger.grant(withProxies.id()).orElseThrow().keyFragments().size());
    assertTrue(f.ledger.grant(ChainFixture.digest("no such grant")).isEmpty());
  }

  @Test
  void entryTimesMayNotRunAheadOfTheBlock() {
    PatientRegistration future = f.sign(new PatientRegistration(f.actor("carol").publicKey(),
        f.now() + Duration.ofMinutes(5).toMillis(), List.of()), f.actor("carol"));
    assertTrue(rejection(future).contains("after the block time"));
  }

  @Test
  void anchorsAndEvidence() {
    Actor fed = f.federation.get(1);
    Anchor early = f.sign(new Anchor(fed.id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0, 5, f.now(),
        List.of()), fed);
    assertTrue(rejection(early).contains("earlier blocks"));
    Actor accused = f.federation.get(2);
    long h = f.ledger.height();
    byte[] m1 = f.statement(StatementBytes.PROPOSAL, h, 0, "A", -1).toByteArray();
    byte[] m2 = f.statement(StatementBytes.PROPOSAL, h, 0, "B", -1).toByteArray();
    Evidence ev = f.sign(new Evidence(fed.id(), accused.id(), ByteString.of(m1), ByteString.of(accused.key().sign(m1)),
        ByteString.of(m2), ByteString.of(accused.key().sign(m2)), f.now(), List.of()), fed);
    f.commit(ev);
    Evidence forged = f.sign(new Evidence(fed.id(), accused.id(), ByteString.of(m1), ByteString.of(accused.key().sign(m1)),
        ByteString.of(m2), ByteString.of(fed.key().sign(m2)), f.now(), List.of()), fed);
    assertTrue(rejection(forged).contains("not both signed"));
    Evidence byPatient = f.sign(new Evidence(alice.id(), accused.id(), ByteString.of(m1),
        ByteString.of(accused.key().sign(m1)), ByteString.of(m2), ByteString.of(accused.key().sign(m2)), f.now(),
        List.of()), alice);
    assertTrue(rejection(byPatient).contains("reported by"));
  }

  @Test
  void erasedRecordsCanNoLongerBeReadOrAmended() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord r1 = f.record(doc, alice, f.hospitalA, "Observation", "one");
    MedicalRecord r2 = f.record(doc, alice, f.hospitalA, "Observation", "two");
    f.commit(r1, r2);
    f.commit(f.accessEvent(doc, r1, g));
    assertTrue(rejection(f.erase(doc, r1)).contains("patient or an active regulator"));
    assertTrue(rejection(f.erase(bob, r1)).contains("patient or an active regulator"));
    f.commit(f.erase(alice, r1));
    assertTrue(rejection(f.accessEvent(doc, r1, g)).contains("erased"));
    assertTrue(rejection(f.accessEvent(alice, r1, null)).contains("erased"));
    assertTrue(rejection(f.amend(doc, alice, f.hospitalA, "Observation", "again", r1)).contains("erased"));
    assertTrue(rejection(f.erase(alice, r1)).contains("already erased"));
    // a regulator may erase by law
    Actor reg = f.actor("regulator");
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, reg, null));
    f.commit(f.erase(reg, r2));
    // the chain still validates from scratch, and the history records the erasures
    assertTrue(f.ledger.patientHistory(alice.id()).verify(f.ledger.tip().orElseThrow()).value().stream()
        .filter(e -> e instanceof RecordErasure).count() == 2);
  }

  @Test
  void regulatorsAreAdmittedByGovernance() {
    Actor reg = f.actor("regulator");
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, reg, null));
    assertEquals(1, f.ledger.membership().regulators().size());
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.REGULATOR, reg, null));
    assertEquals(0, f.ledger.membership().regulators().size());
    // re-admission of the same key
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, reg, null));
    assertEquals(1, f.ledger.membership().regulators().size());
  }

  @Test
  void anEntryAlreadyOnTheChainIsRefusedByProposalAndByValidation() {
    Actor carol = f.actor("carol");
    Actor dave = f.actor("dave");
    Entry committed = f.registerPatient(carol);
    f.commit(committed);
    Entry fresh = f.registerPatient(dave);
    // proposing reads whether each entry is on the chain in one batch: the old one is dropped
    BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(),
        List.of(fresh, committed)).value();
    assertEquals(List.of(fresh), c.block().block().entries());
    assertEquals(1, c.rejected().size());
    assertEquals("duplicate entry", c.rejected().get(0).reason());
    // a block that carries it anyway is refused by validation, on the same batched read
    ValidationResult<VerifiedBlock> v = f.ledger.validate(f.rawBlock(List.of(fresh, committed)));
    assertFalse(v.isAccepted());
    assertTrue(v.reason().contains("entry 1 ") && v.reason().endsWith("duplicate entry"), v.reason());
    assertTrue(f.ledger.validate(f.rawBlock(List.of(fresh))).isAccepted());
  }

  @Test
  void proposerDropsInvalidEntriesAndDefersOverflow() {
    Actor carol = f.actor("carol");
    Entry good = f.registerPatient(carol);
    Entry bad = f.record(doc, alice, f.hospitalA, "Observation", "no grant");
    BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), 3, ByteString.of(new byte[] {9}), f.now(),
        List.of(bad, good, good)).value();
    assertEquals(List.of(good), c.block().block().entries());
    assertEquals(2, c.rejected().size());
    assertTrue(c.rejected().get(0).reason().contains("no active treatment grant"));
    assertTrue(c.rejected().get(1).reason().contains("duplicate"));
    assertEquals(3, c.block().header().round());
    assertTrue(f.ledger.validate(c.block().block()).isAccepted());
    // a proposal before the parent's time, or by a non-member, is refused
    assertFalse(f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, 0, List.of()).isAccepted());
    assertFalse(f.ledger.propose(alice.id(), 0, ByteString.EMPTY, f.now(), List.of()).isAccepted());
    // mempool admission
    assertTrue(f.ledger.checkEntry(good).isAccepted());
    assertFalse(f.ledger.checkEntry(bad).isAccepted());
  }

  @Test
  void blocksBeyondTheByteLimitDeferTheRestAndAreRejected() {
    ChainFixture small = ChainFixture.builder().build();
    List<Entry> regs = new java.util.ArrayList<>();
    for (int i = 0; i < 60; i++) {
      regs.add(small.registerPatient(small.actor("p" + i)));
    }
    Ledger limited = Ledger.builder(small.params.withMaxBlockBytes(4096 + 5000)).clock(small.clock)
        .certificatePolicy(CertificatePolicy.acceptAny()).open();
    limited.append(small.ledger.block(0)).value();
    BlockCandidate c = limited.propose(small.bookkeeper().id(), 0, ByteString.EMPTY, small.now(), regs).value();
    int n = c.block().block().entries().size();
    assertTrue(n > 0 && n < 60, "included " + n);
    assertEquals(regs.subList(n, 60), c.deferred());
    assertTrue(c.block().block().encodedSize() <= 9096);
    assertEquals(c.block().block().encode().length, c.block().block().encodedSize());
    Block tooBig = small.rawBlock(regs);
    assertTrue(limited.validate(tooBig).reason().contains("bytes, above the limit"));
  }

  @Test
  void blocksBeyondTheEntryLimitDeferTheRest() {
    ChainFixture small = ChainFixture.builder().maxBlockEntries(8).build();
    List<Entry> regs = new java.util.ArrayList<>();
    for (int i = 0; i < 11; i++) {
      regs.add(small.registerPatient(small.actor("p" + i)));
    }
    BlockCandidate c = small.ledger.propose(small.bookkeeper().id(), 0, ByteString.EMPTY, small.now(), regs).value();
    assertEquals(8, c.block().block().entries().size());
    assertEquals(regs.subList(8, 11), c.deferred());
  }
}
