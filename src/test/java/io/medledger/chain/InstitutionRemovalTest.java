package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.storage.InMemoryBlockStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Governance removal of an institution ({@link InstitutionRemoval}): who may sign it, what it is
 * refused for, and that from its block on the institution, its affiliates and the grants naming
 * it authorize nothing, while earlier blocks replay to the same state.
 */
class InstitutionRemovalTest {
  ChainFixture f;
  Actor lab;
  Actor labDoc;
  Actor labResearcher;
  Actor labStorage;
  Actor alice;
  AccessGrant toLab;
  MedicalRecord byLabDoc;

  @BeforeEach
  void setUp() {
    f = ChainFixture.builder().federationServers(4).auditServers(1).build();
    lab = f.actor("lab");
    labDoc = f.actor("lab-doc");
    labResearcher = f.actor("lab-researcher");
    labStorage = f.actor("lab-storage");
    alice = f.actor("alice");
    f.commit(f.registerInstitution(lab, "Lab", InstitutionClass.C));
    f.commit(f.registerClinician(labDoc, lab), f.registerAffiliate(labResearcher, lab, ParticipantKind.RESEARCHER),
        f.registerAffiliate(labStorage, lab, ParticipantKind.STORAGE_NODE), f.registerPatient(alice, lab));
    toLab = f.grant(alice, lab, Purpose.TREATMENT, AccessScope.all());
    f.commit(toLab);
    byLabDoc = f.record(labDoc, alice, lab, "Observation", "before the removal");
    f.commit(byLabDoc);
  }

  private void refused(Entry e, String reasonPart) {
    String reason = f.refusal(e);
    assertTrue(reason.contains(reasonPart), () -> "reason '" + reason + "' does not contain '" + reasonPart + "'");
  }

  private void admitted(Entry e) {
    ValidationResult<Entry> r = f.ledger.checkEntry(e);
    assertTrue(r.isAccepted(), () -> "expected admission, got " + r.reason());
  }

  private InstitutionRemoval removal(Actor institution, Actor... signers) {
    return f.sign(new InstitutionRemoval(institution.id(), f.now(), List.of()), signers);
  }

  @Test
  void onlyAGovernanceQuorumRemovesAnInstitution() {
    Actor[] quorum = f.federationQuorum();
    refused(removal(lab, lab), "which is not a federation server");
    refused(removal(lab, List.of(quorum).subList(0, quorum.length - 1).toArray(Actor[]::new)),
        "needs 3 federation server signatures");
    List<Actor> withLab = new ArrayList<>(List.of(quorum));
    withLab.add(lab);
    refused(removal(lab, withLab.toArray(Actor[]::new)), "which is not a federation server");
    admitted(removal(lab, quorum));
  }

  @Test
  void onlyAnActiveInstitutionThatOperatesNoListedServerIsRemoved() {
    // Hospital A operates the federation servers, Hospital B the audit server: governance removes those first
    refused(f.removeInstitution(f.hospitalA), "still operates the listed federation_server");
    refused(f.removeInstitution(f.hospitalB), "still operates the listed audit_server");
    refused(f.removeInstitution(labDoc), "is not a registered institution");
    refused(f.removeInstitution(f.actor("ghost")), "is not a registered institution");
    f.commit(f.removeInstitution(lab));
    f.clock.advance(java.time.Duration.ofMillis(1));
    refused(f.removeInstitution(lab), "is already removed");
  }

  @Test
  void aRemovedInstitutionAuthorizesNothingAndItsKeyCannotComeBack() {
    f.commit(f.removeInstitution(lab));
    assertFalse(f.ledger.participant(lab.id()).orElseThrow().active());
    refused(f.registerClinician(f.actor("new-doc"), lab), "is not an active registered institution");
    refused(f.registerPatient(f.actor("bob"), lab), "is no longer an active institution");
    refused(f.registerInstitution(lab, "Lab again", InstitutionClass.C), "key already registered");
    refused(f.grant(alice, lab, Purpose.TREATMENT, AccessScope.all()), "is not an active institution");
    refused(f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, f.actor("lab-audit"), lab),
        "operator is not an active registered institution");
    // the other institutions are untouched
    admitted(f.registerPatient(f.actor("bob"), f.hospitalA));
  }

  @Test
  void theRemovedInstitutionsAffiliatesAuthorizeNothing() {
    f.commit(f.removeInstitution(lab));
    for (Actor a : List.of(labDoc, labResearcher, labStorage)) {
      Participant p = f.ledger.participant(a.id()).orElseThrow();
      assertFalse(p.active(), a.name() + " reads as removed");
      assertEquals(Optional.of(lab.id()), p.affiliation());
    }
    // a clinician as registrar, as author, as reader under the institutional grant
    refused(f.registerPatient(f.actor("bob"), labDoc), "is no longer an active clinician");
    refused(f.record(labDoc, alice, lab, "Observation", "after the removal"), "is not an active clinician");
    refused(f.accessEvent(labDoc, byLabDoc, toLab), "is not an active participant");
    refused(f.grant(alice, labDoc, Purpose.TREATMENT, AccessScope.all()), "is not an active institution, clinician");
    // a storage node named by a new record
    MedicalRecord onLabStorage = f.sign(new MedicalRecord(alice.id(), alice.id(), Optional.empty(), "Observation",
        ChainFixture.digest("x"), 1, List.of(labStorage.id()), io.medledger.codec.ByteString.of(new byte[] {1}),
        f.now(), Optional.empty(), List.of()), alice);
    refused(onLabStorage, "storage node " + labStorage.id() + " is not registered");
    // their own removal is moot: they are no longer active members
    refused(f.removeAffiliate(labDoc, lab), "is not an active member of institution");
  }

  @Test
  void theRemovalTakesEffectWithinItsBlockAndIsNotRetroactive() {
    MedicalRecord before = f.record(labDoc, alice, lab, "Observation", "same block, before");
    InstitutionRemoval removal = f.removeInstitution(lab);
    MedicalRecord after = f.record(labDoc, alice, lab, "Observation", "same block, after");
    BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), 0, io.medledger.codec.ByteString.EMPTY, f.now(),
        List.of(before, removal, after)).value();
    assertEquals(List.of(before.id(), removal.id()), c.block().block().entryIds());
    assertEquals(1, c.rejected().size());
    assertTrue(c.rejected().get(0).reason().contains("is not an active clinician"), c.rejected().get(0).reason());
    // what the lab and its clinician wrote before stays on the chain
    f.ledger.append(c.block(), f.certify(c.block().header())).value();
    assertTrue(f.ledger.entry(byLabDoc.id()).isPresent());
    assertTrue(f.ledger.entry(before.id()).isPresent());
    assertTrue(f.ledger.grant(toLab.id()).isPresent());
  }

  @Test
  void aReplayOfTheChainGivesTheSameState() {
    f.commit(f.removeInstitution(lab));
    f.commit(f.registerPatient(f.actor("bob"), f.hospitalA));
    for (Ledger.ReplayMode m : Ledger.ReplayMode.values()) {
      InMemoryBlockStore copy = new InMemoryBlockStore();
      for (long h = 0; h <= f.ledger.height(); h++) {
        copy.append(f.ledger.block(h).encode());
      }
      try (Ledger again = Ledger.builder(f.params).store(copy).clock(f.clock)
          .certificatePolicy(CertificatePolicy.auditQuorum()).replay(m).open()) {
        assertEquals(f.ledger.tip(), again.tip());
        for (Actor a : List.of(lab, labDoc, labResearcher, labStorage, alice, f.hospitalA)) {
          assertEquals(f.ledger.participant(a.id()), again.participant(a.id()), a.name());
        }
        assertFalse(again.participant(labDoc.id()).orElseThrow().active());
      }
    }
  }
}
