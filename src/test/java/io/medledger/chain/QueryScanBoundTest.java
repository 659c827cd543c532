package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.codec.ByteString;
import io.medledger.storage.InMemoryBlockStore;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.testing.DelegatingStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A query page examines a bounded number of index entries, and paging on still finds every match;
 * sizing a patient's history reads its index only as far as the limit asked.
 */
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

  /**
   * Sizing a history against a limit reads the patient's sub-block records only until their
   * entries pass it: however long the history grows (a patient's own records and reads, without
   * bound), a node refusing it as too large to answer reads a few records of the index, not all.
   */
  @Test
  void sizingAHistoryAgainstALimitReadsTheIndexOnlyThatFar() {
    AtomicInteger visited = new AtomicInteger();
    ChainFixture f = ChainFixture.builder().state(DelegatingStateStore.countingScans(new InMemoryStateStore(), visited))
        .build();
    ChainFixture.Actor alice = f.actor("alice");
    ChainFixture.Actor doc = f.actor("dr");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    for (int i = 0; i < 60; i++) {
      f.commit(f.record(doc, alice, f.hospitalA, "Observation", "record " + i)); // a sub-block of alice's in each block
    }
    long all = f.ledger.patientHistoryBytes(alice.id());
    PatientHistoryProof history = f.ledger.patientHistory(alice.id());
    long proven = history.subBlocks().stream().flatMap(s -> s.entries().stream()).mapToLong(e -> e.encode().length).sum();
    assertEquals(proven, all, "the whole sum is the history's entry bytes");
    assertEquals(all, f.ledger.patientHistoryBytes(alice.id(), all), "exact up to the limit");
    long limit = history.subBlocks().stream().sorted(java.util.Comparator.comparingLong(b -> b.header().height()))
        .limit(3).flatMap(b -> b.entries().stream()).mapToLong(e -> e.encode().length).sum();
    visited.set(0);
    long over = f.ledger.patientHistoryBytes(alice.id(), limit - 1);
    assertTrue(over > limit - 1, "over the limit: " + over);
    assertTrue(visited.get() <= 4, "the first sub-blocks past the limit, not the whole history of "
        + history.subBlocks().size() + ": " + visited.get() + " records read");
    assertTrue(f.ledger.patientHistoryBytes(alice.id(), limit) > limit, "a history longer than the limit is over it");
  }

  /**
   * Records with large capsules (64 KiB each, as any clinician may write): a page of a hundred
   * read every one of them, and a remote page of 256 grants with many key fragments tens of
   * megabytes, only for the node to cut the answer at 4 MiB. A page now reads about
   * {@link Ledger#MAX_BYTES_PER_PAGE} of entries and goes on with a cursor; paging finds them all.
   */
  @Test
  void aPageReadsAtMostItsByteBoundAndPagingOnFindsEveryItem() {
    StateStoreReopenTest.CountingStore blocks = new StateStoreReopenTest.CountingStore(new InMemoryBlockStore());
    ChainFixture f = aliceUnderTreatment(blocks);
    ChainFixture.Actor alice = f.actor("alice");
    ChainFixture.Actor doc = f.actor("dr");
    List<MedicalRecord> all = new ArrayList<>();
    for (int b = 0; b < 10; b++) {
      List<Entry> block = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        byte[] capsule = new byte[Limits.MAX_ENCRYPTION_METADATA];
        capsule[0] = (byte) b;
        capsule[1] = (byte) i;
        MedicalRecord r = f.sign(new MedicalRecord(alice.id(), doc.id(), Optional.of(f.hospitalA.id()), "Observation",
            ChainFixture.digest(b + "/" + i), 1, List.of(f.storageNode.id()), ByteString.of(capsule), f.now(),
            Optional.empty(), List.of()), doc);
        block.add(r);
        all.add(r);
      }
      f.commit(block);
    }
    for (int i = 0; i < 4; i++) {
      f.commit(f.registerPatient(f.actor("later-" + i))); // the records' blocks leave the block cache
    }
    long recordBytes = all.get(0).encode().length;
    blocks.rangeLengths.clear();
    int reads = blocks.reads.get();
    Page<MedicalRecord> first = f.ledger.records(RecordQuery.all().patient(alice.id()), PageRequest.first(100));
    long read = blocks.rangeLengths.stream().mapToLong(Integer::longValue).sum();
    assertEquals(reads, blocks.reads.get(), "no whole block read");
    assertTrue(read < Ledger.MAX_BYTES_PER_PAGE + recordBytes, "bytes read for one page: " + read);
    assertTrue(first.items().size() < all.size() && first.nextCursor().isPresent(), "the page goes on");
    List<MedicalRecord> got = new ArrayList<>();
    PageRequest p = PageRequest.first(100);
    for (Page<MedicalRecord> page = first; ; page = f.ledger.records(RecordQuery.all().patient(alice.id()), p)) {
      page.items().forEach(h -> got.add(h.entry()));
      if (page.nextCursor().isEmpty()) {
        break;
      }
      p = p.after(page.nextCursor().getAsLong());
    }
    assertEquals(all, got);
  }

  /**
   * A block served to a client within a cap is the block store's bytes as they are, and one larger
   * than the cap is refused, from the state's record of where its entries lie without reading it
   * when its entries alone pass the cap.
   */
  @Test
  void aBlockLargerThanTheCapIsRefusedWithoutReadingIt() {
    StateStoreReopenTest.CountingStore blocks = new StateStoreReopenTest.CountingStore(new InMemoryBlockStore());
    ChainFixture f = aliceUnderTreatment(blocks);
    f.commit(java.util.stream.IntStream.range(0, 20).mapToObj(i -> (Entry) f.record(f.actor("dr"), f.actor("alice"),
        f.hospitalA, "Observation", "record " + i)).toList());
    long h = f.ledger.height();
    for (int i = 0; i < 4; i++) {
      f.commit(f.registerPatient(f.actor("later-" + i))); // the block leaves the block cache
    }
    byte[] stored = blocks.inner.read(h);
    blocks.reads.set(0);
    assertTrue(f.ledger.encodedCertifiedBlock(h, stored.length / 2).isEmpty());
    assertEquals(0, blocks.reads.get(), "its entries alone pass the cap: refused unread");
    assertTrue(f.ledger.encodedCertifiedBlock(h, stored.length - 1).isEmpty(), "the certificate passes it: refused");
    assertTrue(java.util.Arrays.equals(stored, f.ledger.encodedCertifiedBlock(h, stored.length).orElseThrow()));
    assertEquals(f.ledger.block(h), CertifiedBlock.decode(stored));
  }

  /** A chain over {@code blocks} where patient "alice" granted hospital A treatment, whose clinician "dr" is registered. */
  private static ChainFixture aliceUnderTreatment(StateStoreReopenTest.CountingStore blocks) {
    ChainFixture f = ChainFixture.builder().store(blocks).build();
    f.commit(f.registerPatient(f.actor("alice")), f.registerClinician(f.actor("dr"), f.hospitalA));
    f.commit(f.grant(f.actor("alice"), f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    return f;
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
