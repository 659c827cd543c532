package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.storage.InMemoryBlockStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random histories: a proposer mixes valid and invalid entries, a replica validates and
 * appends every certified block independently, and afterwards the replica, a full replay of the
 * store, every proof and every query agree with the entries actually committed.
 */
class RandomChainTest {
  static final int RUNS = Math.max(4, Integer.getInteger("medledger.test.seeds", 200) / 25);

  @Test
  void randomHistoriesStayConsistent() {
    for (int seed = 0; seed < RUNS; seed++) {
      run(seed);
    }
  }

  private void run(long seed) {
    Random r = new Random(seed);
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    Ledger replica = Ledger.builder(f.params).clock(f.clock).open();
    assertTrue(replica.append(f.ledger.block(0)).isAccepted());
    List<Actor> patients = new ArrayList<>();
    List<Actor> doctors = new ArrayList<>();
    Actor[] insts = {f.hospitalA, f.hospitalB, f.clinic};
    Map<ParticipantId, Actor> doctorInst = new HashMap<>();
    List<AccessGrant> grants = new ArrayList<>();
    List<MedicalRecord> records = new ArrayList<>();
    List<Entry> committed = new ArrayList<>(f.ledger.block(0).block().entries());
    int rejectedSeen = 0;
    for (int step = 0; step < 12; step++) {
      List<Entry> pending = new ArrayList<>();
      int n = 1 + r.nextInt(8);
      for (int i = 0; i < n; i++) {
        int op = r.nextInt(7);
        if (op == 0 || patients.isEmpty()) {
          Actor p = f.actor("s" + seed + "-p" + patients.size());
          patients.add(p);
          pending.add(f.registerPatient(p));
        } else if (op == 1 || doctors.isEmpty()) {
          Actor d = f.actor("s" + seed + "-d" + doctors.size());
          Actor inst = insts[r.nextInt(insts.length)];
          doctors.add(d);
          doctorInst.put(d.id(), inst);
          pending.add(f.registerClinician(d, inst));
        } else if (op == 2) {
          Actor p = patients.get(r.nextInt(patients.size()));
          AccessGrant g = f.grant(p, insts[r.nextInt(insts.length)],
              r.nextBoolean() ? Purpose.TREATMENT : Purpose.RESEARCH,
              r.nextBoolean() ? AccessScope.all() : AccessScope.resourceTypes("Observation"),
              Duration.ofSeconds(5 + r.nextInt(60)));
          grants.add(g);
          pending.add(g);
        } else if (op == 3 && !grants.isEmpty()) {
          AccessGrant g = grants.get(r.nextInt(grants.size()));
          pending.add(f.sign(new AccessRevocation(g.patient(), g.id(), f.now(), List.of()),
              patients.stream().filter(p -> p.id().equals(g.patient())).findFirst().orElseThrow()));
        } else if (op == 4 && !records.isEmpty() && !doctors.isEmpty()) {
          MedicalRecord rec = records.get(r.nextInt(records.size()));
          Actor d = doctors.get(r.nextInt(doctors.size()));
          Optional<AccessGrant> g = grants.stream().filter(x -> x.patient().equals(rec.patient())).findAny();
          if (g.isPresent()) {
            pending.add(f.accessEvent(d, rec, g.get()));
          }
        } else {
          Actor p = patients.get(r.nextInt(patients.size()));
          Actor d = doctors.get(r.nextInt(doctors.size()));
          boolean self = r.nextInt(4) == 0;
          MedicalRecord rec = self ? f.record(p, p, null, "Observation", "s" + seed + "/" + step + "/" + i)
              : f.record(d, p, doctorInst.get(d.id()), r.nextBoolean() ? "Observation" : "Condition",
                  "s" + seed + "/" + step + "/" + i);
          pending.add(rec);
        }
      }
      BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), step, ByteString.EMPTY, f.now(), pending).value();
      rejectedSeen += c.rejected().size();
      CertifiedBlock cb = f.ledger.append(c.block(), f.certify(c.block().header())).value();
      ValidationResult<CertifiedBlock> onReplica = replica.append(CertifiedBlock.decode(cb.encode()));
      assertTrue(onReplica.isAccepted(), onReplica.reason());
      for (Entry e : cb.block().entries()) {
        committed.add(e);
        if (e instanceof MedicalRecord m) {
          records.add(m);
        }
      }
      f.clock.advance(Duration.ofSeconds(r.nextInt(20)));
    }
    assertTrue(rejectedSeen > 0, "the random mix should include invalid entries");
    BlockHeader tip = f.ledger.tip().orElseThrow();
    assertEquals(tip, replica.tip().orElseThrow());
    InMemoryBlockStore copy = new InMemoryBlockStore();
    for (long h = 0; h <= f.ledger.height(); h++) {
      copy.append(f.ledger.block(h).encode());
    }
    try (Ledger replayed = Ledger.builder(f.params).store(copy).clock(f.clock).replay(Ledger.ReplayMode.FULL).open()) {
      assertEquals(tip, replayed.tip().orElseThrow());
      assertEquals(f.ledger.membership(), replayed.membership());
    }
    for (Actor p : patients) {
      List<Entry> want = committed.stream().filter(e -> e.subject().equals(Optional.of(p.id()))).toList();
      assertEquals(want, f.ledger.patientHistory(p.id()).verify(tip).value());
      List<MedicalRecord> recs = want.stream().filter(e -> e instanceof MedicalRecord).map(e -> (MedicalRecord) e)
          .toList();
      assertEquals(recs, f.ledger.records(RecordQuery.all().patient(p.id()), PageRequest.first(1000)).items().stream()
          .map(QueryHit::entry).toList());
    }
    assertEquals(committed.stream().filter(e -> e.subject().isEmpty()).toList(),
        f.ledger.nonPatientHistory().verify(tip).value());
    for (int i = 0; i < committed.size(); i += 1 + r.nextInt(3)) {
      Entry e = committed.get(i);
      EntryLocation loc = f.ledger.locate(e.id()).orElseThrow();
      assertEquals(i, loc.ledgerIndex());
      assertTrue(f.ledger.entryInclusionProof(e.id()).orElseThrow().verify(f.ledger.header(loc.height())));
      long at = loc.height() + r.nextInt((int) (tip.height() - loc.height() + 1));
      assertTrue(f.ledger.ledgerInclusionProof(e.id(), at).orElseThrow().verify(f.ledger.header(at)));
    }
    long a = r.nextInt((int) tip.height() + 1);
    assertTrue(f.ledger.consistencyProof(a, tip.height()).verify(f.ledger.header(a), tip));
  }
}
