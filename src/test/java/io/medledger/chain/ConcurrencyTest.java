package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Queries, proofs and validations running while blocks are appended see consistent snapshots. */
class ConcurrencyTest {
  @Test
  void readersDuringAppendsSeeConsistentState() throws Exception {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<Integer>> readers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      readers.add(pool.submit(() -> {
        int checks = 0;
        while (!done.get() || checks == 0) {
          Page<MedicalRecord> page = f.ledger.records(RecordQuery.all().patient(alice.id()),
              PageRequest.first(1000).proving());
          for (QueryHit<MedicalRecord> h : page.items()) {
            assertTrue(h.proof().orElseThrow().verify(page.provedAgainst().orElseThrow()));
          }
          PatientHistoryProof p = f.ledger.patientHistory(alice.id());
          BlockHeader at = f.ledger.header(p.height());
          assertTrue(p.verify(at).isAccepted());
          long h = f.ledger.height();
          assertTrue(f.ledger.consistencyProof(0, h).verify(f.ledger.header(0), f.ledger.header(h)));
          checks++;
        }
        return checks;
      }));
    }
    for (int i = 0; i < 30; i++) {
      f.commit(f.record(doc, alice, f.hospitalA, "Observation", "obs " + i));
    }
    done.set(true);
    for (Future<Integer> r : readers) {
      assertTrue(r.get() > 0);
    }
    pool.shutdown();
    assertEquals(30, f.ledger.records(RecordQuery.all(), PageRequest.first(100)).items().size());
  }
}
