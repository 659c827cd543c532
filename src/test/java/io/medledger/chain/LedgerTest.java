package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.crypto.Sha256;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerTest {
  @Test
  void genesisRegistersInstitutionsAndServers() {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    assertEquals(0, f.ledger.height());
    Membership m = f.ledger.membership();
    assertEquals(f.federation.stream().map(Actor::id).toList(), m.federationServers().stream().map(Participant::id).toList());
    assertEquals(4, m.auditServers().size());
    Participant a = f.ledger.participant(f.hospitalA.id()).orElseThrow();
    assertEquals(ParticipantKind.INSTITUTION, a.kind());
    assertEquals(InstitutionClass.A, a.institutionClass().orElseThrow());
    assertEquals(3, m.governanceQuorum());
  }

  @Test
  void patientClinicianGrantRecordEventRevocationFlow() {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-house");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.resourceTypes("Observation"));
    f.commit(g);
    assertTrue(f.ledger.isGrantActive(g.id(), f.now()));
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "bp 120/80");
    f.commit(rec);
    AccessEvent ev = f.accessEvent(doc, rec, g);
    f.commit(ev);
    MedicalRecord amended = f.amend(doc, alice, f.hospitalA, "Observation", "bp 125/80", rec);
    f.commit(amended);
    f.commit(f.revoke(alice, g));
    assertFalse(f.ledger.isGrantActive(g.id(), f.now()));
    assertEquals(6, f.ledger.height());
    EntryLocation loc = f.ledger.locate(rec.id()).orElseThrow();
    assertEquals(3, loc.height());
    assertEquals(0, loc.indexInBlock());
    // after revocation the clinician can no longer write
    ValidationResult<Entry> r = f.ledger.checkEntry(f.record(doc, alice, f.hospitalA, "Observation", "late"));
    assertFalse(r.isAccepted());
    assertTrue(r.reason().contains("no active treatment grant"), r.reason());
  }

  @Test
  void isErasedIsTrueOnceARecordErasureIsFinal() {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-e");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord erased = f.record(doc, alice, f.hospitalA, "Observation", "to be erased");
    MedicalRecord kept = f.record(doc, alice, f.hospitalA, "Observation", "kept");
    f.commit(erased, kept);
    assertFalse(f.ledger.isErased(erased.id()));
    RecordErasure x = f.erase(alice, erased);
    // validated but not yet final: not erased
    assertTrue(f.ledger.validate(f.rawBlock(List.of(x))).isAccepted());
    assertFalse(f.ledger.isErased(erased.id()));
    f.commit(x);
    assertTrue(f.ledger.isErased(erased.id()));
    assertFalse(f.ledger.isErased(kept.id()));
    // an unknown id and an entry that is not a record are not erased
    assertFalse(f.ledger.isErased(Sha256.hash(new byte[] {1})));
    assertFalse(f.ledger.isErased(x.id()));
    // the state is rebuilt from the blocks: a fresh ledger over the same store agrees
    try (Ledger replayed = Ledger.builder(f.params).store(f.store).clock(f.clock).open()) {
      assertTrue(replayed.isErased(erased.id()));
      assertFalse(replayed.isErased(kept.id()));
    }
  }

  @Test
  void entriesOfOneBlockSeeEarlierEntries() {
    ChainFixture f = ChainFixture.create();
    Actor bob = f.actor("bob");
    Actor doc = f.actor("dr-b");
    AccessGrant g = f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    CertifiedBlock b = f.commit(List.of(f.registerPatient(bob), f.registerClinician(doc, f.hospitalA), g,
        f.record(doc, bob, f.hospitalA, "Condition", "flu"), f.record(bob, bob, null, "Observation", "self")));
    assertEquals(5, b.block().entries().size());
  }
}
