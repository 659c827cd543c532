package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A query page examines a bounded number of index entries, and paging on still finds every match. */
class QueryScanBoundTest {
  @Test
  void aPageExaminesAtMostTheBoundAndPagingOnFindsEveryMatch() {
    int bound = 7;
    ChainFixture f = ChainFixture.builder().maxScannedPerPage(bound).build();
    ChainFixture.Actor alice = f.actor("alice");
    ChainFixture.Actor doc = f.actor("dr");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    long windowFrom = 0;
    long windowUntil = 0;
    List<MedicalRecord> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      f.clock.advance(Duration.ofSeconds(1));
      if (i == 30) {
        windowFrom = f.clock.millis();
      }
      if (i == 33) {
        windowUntil = f.clock.millis();
      }
      MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "record " + i);
      f.commit(r);
      all.add(r);
    }
    // every record: pages of at most the bound, each full but the last
    List<MedicalRecord> got = readAll(f, RecordQuery.all(), bound);
    assertEquals(all, got);
    // a time window walks every record and matches three of forty: most pages come back empty,
    // each with a cursor past what it examined, and paging on finds exactly the three
    List<Integer> sizes = new ArrayList<>();
    List<MedicalRecord> window = new ArrayList<>();
    PageRequest p = PageRequest.first(100);
    while (true) {
      Page<MedicalRecord> page = f.ledger.records(RecordQuery.all().createdBetween(windowFrom, windowUntil), p);
      sizes.add(page.items().size());
      page.items().forEach(h -> window.add(h.entry()));
      if (page.nextCursor().isEmpty()) {
        break;
      }
      assertTrue(page.nextCursor().getAsLong() > p.after(), "every page moves the cursor on");
      p = p.after(page.nextCursor().getAsLong());
    }
    assertEquals(all.subList(30, 33), window);
    assertEquals((40 + bound - 1) / bound, sizes.size(), "forty records examined, " + bound + " a page: " + sizes);
    assertTrue(sizes.contains(0), "pages that found nothing in their bound still go on: " + sizes);
  }

  private static List<MedicalRecord> readAll(ChainFixture f, RecordQuery q, int bound) {
    List<MedicalRecord> out = new ArrayList<>();
    PageRequest p = PageRequest.first(100);
    while (true) {
      Page<MedicalRecord> page = f.ledger.records(q, p);
      assertTrue(page.items().size() <= bound, "a page holds at most what it examined: " + page.items().size());
      page.items().forEach(h -> out.add(h.entry()));
      if (page.nextCursor().isEmpty()) {
        return out;
      }
      p = p.after(page.nextCursor().getAsLong());
    }
  }
}
