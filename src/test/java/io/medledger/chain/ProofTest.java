package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.crypto.Digest;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.InclusionProof;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Inclusion, consistency and completeness proofs, verified with headers only. */
class ProofTest {
  ChainFixture f;
  Actor alice;
  Actor bob;
  Actor doc;
  List<MedicalRecord> aliceRecords = new ArrayList<>();

  @BeforeEach
  void setUp() {
    f = ChainFixture.create();
    alice = f.actor("alice");
    bob = f.actor("bob");
    doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerPatient(bob), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()),
        f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    for (int i = 0; i < 6; i++) {
      MedicalRecord a = f.record(doc, alice, f.hospitalA, "Observation", "alice-" + i);
      MedicalRecord b = f.record(doc, bob, f.hospitalA, "Observation", "bob-" + i);
      aliceRecords.add(a);
      if (i % 2 == 0) {
        f.commit(a, b);
      } else {
        f.commit(a);
      }
    }
  }

  @Test
  void entryInclusionInItsBlock() {
    for (MedicalRecord r : aliceRecords) {
      EntryInclusionProof p = f.ledger.entryInclusionProof(r.id()).orElseThrow();
      BlockHeader h = f.ledger.header(p.height());
      assertTrue(p.verify(h));
      assertFalse(p.verify(f.ledger.header(p.height() - 1)));
      EntryInclusionProof wrongEntry = new EntryInclusionProof(aliceRecords.get(0) == r ? aliceRecords.get(1)
          : aliceRecords.get(0), p.height(), p.proof());
      assertFalse(wrongEntry.verify(h));
      assertTrue(EntryInclusionProof.fromJson(p.toJson()).verify(h));
    }
    assertTrue(f.ledger.entryInclusionProof(ChainFixture.digest("nothing")).isEmpty());
  }

  @Test
  void entryInclusionInTheLedgerLogAtEveryLaterHeader() {
    MedicalRecord first = aliceRecords.get(0);
    long at = f.ledger.locate(first.id()).orElseThrow().height();
    for (long h = at; h <= f.ledger.height(); h++) {
      LedgerInclusionProof p = f.ledger.ledgerInclusionProof(first.id(), h).orElseThrow();
      assertTrue(p.verify(f.ledger.header(h)));
      assertTrue(LedgerInclusionProof.fromJson(p.toJson()).verify(f.ledger.header(h)));
      if (h > at) {
        assertFalse(p.verify(f.ledger.header(h - 1)));
      }
      InclusionProof bent = new InclusionProof(p.proof().leafIndex() + 1, p.proof().treeSize(), p.proof().path());
      assertFalse(new LedgerInclusionProof(first, bent).verify(f.ledger.header(h)));
    }
    assertTrue(f.ledger.ledgerInclusionProof(first.id(), at - 1).isEmpty());
  }

  @Test
  void headersFollowTheirParents() {
    List<BlockHeader> hs = f.ledger.headers(0, f.ledger.height());
    for (int i = 1; i < hs.size(); i++) {
      assertTrue(hs.get(i).follows(hs.get(i - 1)));
      assertFalse(hs.get(i - 1).follows(hs.get(i)));
    }
    assertFalse(hs.get(3).follows(hs.get(1)));
  }

  @Test
  void consistencyBetweenAnyTwoHeaders() {
    long n = f.ledger.height();
    for (long a = 0; a <= n; a++) {
      for (long b = a; b <= n; b++) {
        HeaderConsistencyProof p = f.ledger.consistencyProof(a, b);
        assertTrue(p.verify(f.ledger.header(a), f.ledger.header(b)), a + ".." + b);
        assertTrue(HeaderConsistencyProof.fromJson(p.toJson()).verify(f.ledger.header(a), f.ledger.header(b)));
        if (b > a + 1) {
          assertFalse(p.verify(f.ledger.header(a + 1), f.ledger.header(b)));
        }
      }
    }
    HeaderConsistencyProof p = f.ledger.consistencyProof(1, n);
    List<Digest> path = new ArrayList<>(p.proof().path());
    path.set(0, ChainFixture.digest("x"));
    HeaderConsistencyProof bad = new HeaderConsistencyProof(1, n, new ConsistencyProof(p.proof().size1(),
        p.proof().size2(), path));
    assertFalse(bad.verify(f.ledger.header(1), f.ledger.header(n)));
  }

  @Test
  void patientHistoryIsCompleteAndVerifiableFromTheTipHeader() {
    BlockHeader tip = f.ledger.tip().orElseThrow();
    PatientHistoryProof p = f.ledger.patientHistory(alice.id());
    List<Entry> history = p.verify(tip).value();
    // registration, grant, then six records, in order
    assertEquals(8, history.size());
    assertTrue(history.get(0) instanceof PatientRegistration);
    assertTrue(history.get(1) instanceof AccessGrant);
    assertEquals(aliceRecords, history.subList(2, 8));
    assertEquals(history, PatientHistoryProof.fromJson(p.toJson()).verify(tip).value());
    // bob's history holds only bob's entries
    List<Entry> bobs = f.ledger.patientHistory(bob.id()).verify(tip).value();
    assertEquals(5, bobs.size());
    bobs.forEach(e -> assertEquals(Optional.of(bob.id()), e.subject()));
    // registrations and governance form the no-patient history
    List<Entry> none = f.ledger.nonPatientHistory().verify(tip).value();
    assertTrue(none.stream().allMatch(e -> e.subject().isEmpty()));
    // an unknown patient provably has no history
    assertEquals(List.of(), f.ledger.patientHistory(f.actor("nobody").id()).verify(tip).value());
  }

  @Test
  void subBlocksAreCommittedToByTheirBlock() {
    for (long h = 0; h <= f.ledger.height(); h++) {
      for (Actor p : List.of(alice, bob)) {
        Optional<SubBlockInclusionProof> sp = f.ledger.subBlockInclusionProof(p.id().digest(), h);
        boolean has = f.ledger.block(h).block().entries().stream().anyMatch(e -> e.subject().equals(Optional.of(p.id())));
        assertEquals(has, sp.isPresent());
        if (has) {
          assertTrue(sp.get().verify(f.ledger.header(h)));
          assertTrue(SubBlockInclusionProof.fromJson(sp.get().toJson()).verify(f.ledger.header(h)));
          if (h > 0) {
            assertFalse(sp.get().verify(f.ledger.header(h - 1)));
          }
        }
      }
    }
    SubBlockInclusionProof none = f.ledger.subBlockInclusionProof(SubBlockHeader.NO_PATIENT, 1).orElseThrow();
    assertTrue(none.verify(f.ledger.header(1)));
    assertTrue(none.subBlock().patient().isEmpty());
  }

  @Test
  void omittedRecordsAreDetected() {
    BlockHeader tip = f.ledger.tip().orElseThrow();
    PatientHistoryProof p = f.ledger.patientHistory(alice.id());
    // drop one entry from a sub-block
    for (int i = 0; i < p.subBlocks().size(); i++) {
      List<PatientHistoryProof.SubBlock> sbs = new ArrayList<>(p.subBlocks());
      PatientHistoryProof.SubBlock sb = sbs.get(i);
      sbs.set(i, new PatientHistoryProof.SubBlock(sb.header(), sb.entries().subList(1, sb.entries().size())));
      assertFalse(new PatientHistoryProof(p.key(), p.height(), p.head(), sbs).verify(tip).isAccepted());
      // drop a whole sub-block
      List<PatientHistoryProof.SubBlock> fewer = new ArrayList<>(p.subBlocks());
      fewer.remove(i);
      ValidationResult<List<Entry>> r = new PatientHistoryProof(p.key(), p.height(), p.head(), fewer).verify(tip);
      assertFalse(r.isAccepted());
    }
    // swap in another record with a forged sub-block header: the head no longer matches
    PatientHistoryProof.SubBlock newest = p.subBlocks().get(0);
    SubBlockHeader h = newest.header();
    MedicalRecord fake = f.record(doc, alice, f.hospitalA, "Observation", "forged");
    SubBlockHeader forged = new SubBlockHeader(h.key(), h.height(), h.previous(), h.previousHeight(), 1,
        h.totalEntries(), fake.leafHash());
    List<PatientHistoryProof.SubBlock> sbs = new ArrayList<>(p.subBlocks());
    sbs.set(0, new PatientHistoryProof.SubBlock(forged, List.of(fake)));
    String reason = new PatientHistoryProof(p.key(), p.height(), p.head(), sbs).verify(tip).reason();
    assertTrue(reason.contains("not the one committed to"), reason);
    // truncating the newest sub-blocks: an older head proof does not match the tip header
    PatientHistoryProof older = f.ledger.patientHistory(alice.id());
    f.commit(f.record(doc, alice, f.hospitalA, "Observation", "newest"));
    assertFalse(older.verify(f.ledger.tip().orElseThrow()).isAccepted());
    assertTrue(f.ledger.patientHistory(alice.id()).verify(f.ledger.tip().orElseThrow()).isAccepted());
  }

  @Test
  void batchInsertEqualsOneByOneInsert() {
    java.util.Random r = new java.util.Random(5);
    HeadsTree oneByOne = HeadsTree.EMPTY_TREE;
    HeadsTree batched = HeadsTree.EMPTY_TREE;
    List<Digest> universe = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      universe.add(ChainFixture.digest("key" + i));
    }
    for (int round = 0; round < 40; round++) {
      java.util.TreeMap<Digest, Digest> batch = new java.util.TreeMap<>();
      int n = r.nextInt(30);
      for (int i = 0; i < n; i++) {
        batch.put(universe.get(r.nextInt(universe.size())), ChainFixture.digest("v" + round + "-" + i));
      }
      for (java.util.Map.Entry<Digest, Digest> e : batch.entrySet()) {
        oneByOne = oneByOne.put(e.getKey(), e.getValue());
      }
      batched = batched.putAll(new ArrayList<>(batch.keySet()), new ArrayList<>(batch.values()));
      assertEquals(oneByOne.root(), batched.root());
      assertEquals(oneByOne.size(), batched.size());
    }
  }

  @Test
  void headsTreeProofsCoverMembersAndNonMembers() {
    HeadsTree t = HeadsTree.EMPTY_TREE;
    List<Digest> keys = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Digest k = ChainFixture.digest("k" + i);
      keys.add(k);
      t = t.put(k, ChainFixture.digest("v" + i));
    }
    t = t.put(keys.get(7), ChainFixture.digest("updated"));
    assertEquals(300, t.size());
    Digest root = t.root();
    for (int i = 0; i < 300; i++) {
      PatientHeadProof p = t.prove(keys.get(i));
      Digest want = i == 7 ? ChainFixture.digest("updated") : ChainFixture.digest("v" + i);
      assertEquals(Optional.of(want), p.verify(root));
      assertEquals(p, PatientHeadProof.decode(p.encode()));
      PatientHeadProof lying = new PatientHeadProof(p.key(), p.siblings(), p.leafKey(), ChainFixture.digest("lie"));
      assertNull(lying.verify(root));
    }
    for (int i = 0; i < 100; i++) {
      Digest absent = ChainFixture.digest("absent" + i);
      PatientHeadProof p = t.prove(absent);
      assertEquals(Optional.empty(), p.verify(root));
      assertNull(p.verify(ChainFixture.digest("other root")));
    }
    // a member cannot be shown absent by presenting a different neighbour's path
    PatientHeadProof real = t.prove(keys.get(3));
    PatientHeadProof claimAbsent = new PatientHeadProof(keys.get(3), real.siblings(), null, null);
    assertNull(claimAbsent.verify(root));
  }
}
