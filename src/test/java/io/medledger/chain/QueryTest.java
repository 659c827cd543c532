package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The unified query against a brute-force scan of every record, with pagination and proofs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryTest {
  ChainFixture f;
  List<Actor> patients = new ArrayList<>();
  List<Actor> doctors = new ArrayList<>();
  List<MedicalRecord> all = new ArrayList<>();
  List<AccessGrant> grants = new ArrayList<>();
  List<AccessEvent> events = new ArrayList<>();
  String[] types = {"Observation", "Condition", "Immunization"};

  @BeforeAll
  void build() {
    f = ChainFixture.create();
    List<Entry> reg = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      patients.add(f.actor("patient-" + i));
      reg.add(f.registerPatient(patients.get(i)));
    }
    Actor[] insts = {f.hospitalA, f.hospitalB};
    for (int i = 0; i < 4; i++) {
      doctors.add(f.actor("doctor-" + i));
      reg.add(f.registerAffiliate(doctors.get(i), insts[i % 2], ParticipantKind.CLINICIAN));
    }
    f.commit(reg);
    List<Entry> gs = new ArrayList<>();
    for (Actor p : patients) {
      for (Actor inst : insts) {
        AccessGrant g = f.grant(p, inst, Purpose.TREATMENT, AccessScope.all());
        grants.add(g);
        gs.add(g);
      }
    }
    f.commit(gs);
    for (int round = 0; round < 5; round++) {
      List<Entry> block = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Actor p = patients.get((round + i) % 4);
        Actor d = doctors.get(i % 4);
        MedicalRecord r = f.record(d, p, insts[i % 2 == 0 ? 0 : 1], types[(round * 3 + i) % 3], "r" + round + "-" + i);
        all.add(r);
        block.add(r);
      }
      f.commit(block);
      f.clock.advance(Duration.ofMinutes(10));
    }
    List<Entry> evs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      MedicalRecord r = all.get(i * 5);
      Actor reader = doctors.get((i + 1) % 4);
      AccessGrant g = grants.stream().filter(x -> x.patient().equals(r.patient())
          && f.ledger.participant(reader.id()).orElseThrow().affiliation().orElseThrow().equals(x.grantee()))
          .findFirst().orElseThrow();
      AccessEvent e = f.accessEvent(reader, r, g);
      events.add(e);
      evs.add(e);
    }
    f.commit(evs);
  }

  private List<MedicalRecord> collect(RecordQuery q, int pageSize, boolean proofs) {
    List<MedicalRecord> out = new ArrayList<>();
    PageRequest req = PageRequest.first(pageSize);
    if (proofs) {
      req = req.proving();
    }
    while (true) {
      Page<MedicalRecord> page = f.ledger.records(q, req);
      assertTrue(page.items().size() <= pageSize);
      for (QueryHit<MedicalRecord> h : page.items()) {
        out.add(h.entry());
        if (proofs) {
          assertTrue(h.proof().orElseThrow().verify(page.provedAgainst().orElseThrow()));
        } else {
          assertTrue(h.proof().isEmpty());
        }
      }
      if (page.nextCursor().isEmpty()) {
        return out;
      }
      assertEquals(pageSize, page.items().size());
      req = req.after(page.nextCursor().getAsLong());
    }
  }

  private void check(RecordQuery q, Predicate<MedicalRecord> p) {
    List<MedicalRecord> want = all.stream().filter(p).toList();
    for (int size : new int[] {1, 3, 7, 100}) {
      assertEquals(want, collect(q, size, size == 3), "page size " + size);
    }
  }

  @Test
  void recordsBySingleFilters() {
    check(RecordQuery.all(), r -> true);
    for (Actor p : patients) {
      check(RecordQuery.all().patient(p.id()), r -> r.patient().equals(p.id()));
    }
    for (Actor d : doctors) {
      check(RecordQuery.all().author(d.id()), r -> r.author().equals(d.id()));
    }
    check(RecordQuery.all().institution(f.hospitalB.id()), r -> r.institution().orElseThrow().equals(f.hospitalB.id()));
    for (String t : types) {
      check(RecordQuery.all().resourceType(t), r -> r.resourceType().equals(t));
    }
    long from = all.get(10).createdAt();
    long until = all.get(30).createdAt();
    check(RecordQuery.all().createdBetween(from, until), r -> r.createdAt() >= from && r.createdAt() < until);
  }

  @Test
  void recordsByCombinations() {
    Actor p = patients.get(1);
    check(RecordQuery.all().patient(p.id()).resourceType("Condition"),
        r -> r.patient().equals(p.id()) && r.resourceType().equals("Condition"));
    check(RecordQuery.all().patient(p.id()).institution(f.hospitalA.id()).createdBetween(0, all.get(20).createdAt()),
        r -> r.patient().equals(p.id()) && r.institution().orElseThrow().equals(f.hospitalA.id())
            && r.createdAt() < all.get(20).createdAt());
    check(RecordQuery.all().author(doctors.get(0).id()).resourceType("Immunization"),
        r -> r.author().equals(doctors.get(0).id()) && r.resourceType().equals("Immunization"));
    check(RecordQuery.all().patient(f.actor("nobody").id()), r -> false);
    check(RecordQuery.all().resourceType("Procedure"), r -> false);
  }

  @Test
  void grantsAndEventsByPatientAndGrantee() {
    for (Actor p : patients) {
      List<AccessGrant> got = f.ledger.grantsByPatient(p.id(), PageRequest.first(100)).items().stream()
          .map(QueryHit::entry).toList();
      assertEquals(grants.stream().filter(g -> g.patient().equals(p.id())).toList(), got);
      List<AccessEvent> ev = f.ledger.accessEventsByPatient(p.id(), PageRequest.first(100)).items().stream()
          .map(QueryHit::entry).toList();
      assertEquals(events.stream().filter(e -> e.patient().equals(p.id())).toList(), ev);
    }
    Page<AccessGrant> byB = f.ledger.grantsByGrantee(f.hospitalB.id(), PageRequest.first(3).proving());
    assertEquals(3, byB.items().size());
    assertTrue(byB.nextCursor().isPresent());
    byB.items().forEach(h -> assertTrue(h.proof().orElseThrow().verify(byB.provedAgainst().orElseThrow())));
    Page<AccessGrant> rest = f.ledger.grantsByGrantee(f.hospitalB.id(),
        PageRequest.first(3).after(byB.nextCursor().getAsLong()));
    assertEquals(1, rest.items().size());
    assertTrue(rest.nextCursor().isEmpty());
    for (Actor d : doctors) {
      List<AccessEvent> ev = f.ledger.accessEventsByAccessor(d.id(), PageRequest.first(100)).items().stream()
          .map(QueryHit::entry).toList();
      assertEquals(events.stream().filter(e -> e.accessor().equals(d.id())).toList(), ev);
    }
  }
}
