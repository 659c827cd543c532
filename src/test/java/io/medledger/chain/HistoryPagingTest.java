package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.client.UnverifiableAnswerException;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.PageWalk;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.testing.DelegatingStateStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A patient's history read a page at a time: the pages, linked one to the next, make exactly the
 * proof of the whole history; each page reads only its own part of the index and holds to its
 * bounds; a page that leaves something out or starts elsewhere does not link.
 */
class HistoryPagingTest {
  private final AtomicInteger visited = new AtomicInteger();
  private final ChainFixture f = ChainFixture.builder().state(DelegatingStateStore.countingScans(new InMemoryStateStore(), visited))
      .build();
  private final ChainFixture.Actor alice = f.actor("alice");
  private final ChainFixture.Actor doc = f.actor("dr");

  /** Commits {@code n} blocks, each with one record of alice's (one sub-block each). */
  private void history(int n) {
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    for (int i = 0; i < n; i++) {
      f.commit(f.record(doc, alice, f.hospitalA, "Observation", "record " + i));
    }
  }

  /** Every page of alice's history, {@code limit} sub-blocks a page at most, each linked to the one before. */
  private List<PatientHistoryPage> walk(int limit, long maxBytes) {
    List<PatientHistoryPage> pages = new ArrayList<>();
    Optional<SubBlockHeader> last = Optional.empty();
    PageRequest p = PageRequest.first(limit);
    while (true) {
      PatientHistoryPage page = f.ledger.patientHistory(alice.id(), p, maxBytes);
      assertTrue(page.verifyAfter(last).isAccepted(), page.verifyAfter(last).toString());
      pages.add(page);
      if (page.isLast()) {
        return pages;
      }
      last = Optional.of(page.subBlocks().get(page.subBlocks().size() - 1).header());
      p = p.after(page.nextCursor().getAsLong());
    }
  }

  private static PatientHistoryProof assemble(List<PatientHistoryPage> pages) {
    List<PatientHistoryProof.SubBlock> all = new ArrayList<>();
    pages.forEach(p -> all.addAll(p.subBlocks()));
    Collections.reverse(all);
    PatientHistoryPage last = pages.get(pages.size() - 1);
    return new PatientHistoryProof(last.key(), last.height(), last.head().orElseThrow(), all);
  }

  @Test
  void thePagesOfAHistoryMakeItsProofAndEachReadsOnlyItsPartOfTheIndex() {
    history(20);
    PatientHistoryProof whole = f.ledger.patientHistory(alice.id());
    List<PatientHistoryPage> pages = walk(3, Long.MAX_VALUE);
    assertEquals(List.of(3, 3, 3, 3, 3, 3, 3, 1), pages.stream().map(p -> p.subBlocks().size()).toList(),
        "22 sub-blocks (the registration's, the grant's, twenty records'), three a page");
    assertTrue(pages.subList(0, pages.size() - 1).stream().noneMatch(PatientHistoryPage::isLast));
    assertEquals(whole, assemble(pages), "the pages make the proof of the whole history");
    assertEquals(whole.verify(f.ledger.tip().orElseThrow()).value(),
        assemble(pages).verify(f.ledger.tip().orElseThrow()).value());
    // a page reads the cursor's record, its own and one more to know whether it is the last
    visited.set(0);
    f.ledger.patientHistory(alice.id(), PageRequest.first(3).after(pages.get(2).nextCursor().getAsLong()));
    assertTrue(visited.get() <= 5, visited.get() + " index records read for a page of three");
    // an empty history is one last page, which proves there is nothing
    PatientHistoryPage none = f.ledger.patientHistory(f.actor("nobody").id(), PageRequest.first(3));
    assertTrue(none.isLast() && none.subBlocks().isEmpty());
    assertEquals(List.of(), new PatientHistoryProof(none.key(), none.height(), none.head().orElseThrow(), List.of())
        .verify(f.ledger.tip().orElseThrow()).value());
    // the encodings round-trip, and a cut or lengthened one is refused
    for (PatientHistoryPage p : pages) {
      assertEquals(p, PatientHistoryPage.decode(p.encode()));
      assertEquals(p, PatientHistoryPage.fromJson(p.toJson()));
    }
    CodecPropertyTest.truncationsAndTrailing(pages.get(pages.size() - 1).encode(), PatientHistoryPage::decode);
    CodecPropertyTest.truncationsAndTrailing(pages.get(0).encode(), PatientHistoryPage::decode);
    // a cursor that is no sub-block of the patient's is refused
    long notOne = pages.get(0).subBlocks().get(0).header().height() + 1 == pages.get(0).subBlocks().get(1).header().height()
        ? f.ledger.height() + 5 : pages.get(0).subBlocks().get(0).header().height() + 1;
    assertThrows(IllegalArgumentException.class, () -> f.ledger.patientHistory(alice.id(), PageRequest.first(3).after(notOne)));
  }

  @Test
  void aPageHoldsToItsByteBoundAndRefusesASubBlockLargerThanItUnread() {
    history(12);
    PatientHistoryProof whole = f.ledger.patientHistory(alice.id());
    long one = PatientHistoryPage.encodedBytes(new int[] {0, whole.subBlocks().get(0).entries().get(0).encode().length});
    List<PatientHistoryPage> pages = walk(100, 2 * one);
    assertTrue(pages.size() >= 6, pages.size() + " pages");
    for (PatientHistoryPage p : pages) {
      long bound = PatientHistoryPage.HEAD_BYTES + p.subBlocks().stream().mapToLong(s -> PatientHistoryPage.encodedBytes(
          s.entries().stream().flatMapToInt(e -> java.util.stream.IntStream.of(0, e.encode().length)).toArray())).sum();
      assertTrue(p.encode().length <= bound, p.encode().length + " > " + bound);
      assertTrue(p.subBlocks().stream().mapToLong(s -> s.entries().stream().mapToLong(e -> e.encode().length + 4L).sum()
          + 256).sum() <= 2 * one + 256 * 2, "within the bound");
    }
    assertEquals(whole, assemble(pages));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.ledger.patientHistory(alice.id(), PageRequest.first(3), 10));
    assertTrue(e.getMessage().contains("more than the 10 a page may"), e.getMessage());
  }

  @Test
  void aPageThatLeavesSomethingOutOrStartsElsewhereDoesNotLink() {
    history(9);
    List<PatientHistoryPage> pages = walk(4, Long.MAX_VALUE);
    PatientHistoryPage second = pages.get(1);
    Optional<SubBlockHeader> before = Optional.of(pages.get(0).subBlocks().get(3).header());
    assertTrue(second.verifyAfter(before).isAccepted());
    List<PatientHistoryProof.SubBlock> sbs = second.subBlocks();
    // a sub-block left out in the middle of the page
    PatientHistoryPage gap = new PatientHistoryPage(second.key(), second.height(), Optional.empty(),
        List.of(sbs.get(0), sbs.get(2), sbs.get(3)));
    assertTrue(gap.verifyAfter(before).reason().contains("does not follow"), gap.verifyAfter(before).reason());
    // the page's first sub-block left out: it starts after the one the cursor names
    PatientHistoryPage late = new PatientHistoryPage(second.key(), second.height(), Optional.empty(), sbs.subList(1, 4));
    assertTrue(late.verifyAfter(before).reason().contains("does not follow"), late.verifyAfter(before).reason());
    // the first page must start at the patient's first sub-block
    assertFalse(second.verifyAfter(Optional.empty()).isAccepted());
    // an entry left out of a sub-block
    PatientHistoryProof.SubBlock full = sbs.get(0);
    PatientHistoryProof.SubBlock shorter = new PatientHistoryProof.SubBlock(full.header(), List.of());
    PatientHistoryPage thin = new PatientHistoryPage(second.key(), second.height(), Optional.empty(),
        List.of(shorter, sbs.get(1), sbs.get(2), sbs.get(3)));
    assertTrue(thin.verifyAfter(before).reason().contains("shows 0 of 1 entries"), thin.verifyAfter(before).reason());
    // a page before the last with nothing in it does not even decode
    String empty = new PatientHistoryPage(second.key(), second.height(), pages.get(pages.size() - 1).head(), List.of())
        .toJson().replaceFirst("\"head\":\\[[^\\]]*\\]", "\"head\":[]");
    assertThrows(MalformedEncodingException.class, () -> PatientHistoryPage.fromJson(empty));
  }

  /**
   * Walking the pages as a client does (over a connection, {@code PageWalk.history}): a node that
   * answers a page leaving out a sub-block, or one of another patient, or pages that never end, is
   * caught at that page, not taken for part of the history.
   */
  @Test
  void aWalkRefusesAPageThatDoesNotContinueTheOneBefore() {
    history(9);
    PatientHistoryProof whole = f.ledger.patientHistory(alice.id());
    assertEquals(whole, PageWalk.history(alice.id(), p -> f.ledger.patientHistory(alice.id(), p.after() < 0
        ? PageRequest.first(4) : PageRequest.first(4).after(p.after()))), "an honest walk makes the proof");
    AtomicInteger pages = new AtomicInteger();
    UnverifiableAnswerException gap = assertThrows(UnverifiableAnswerException.class, () -> PageWalk.history(alice.id(),
        p -> {
          PatientHistoryPage real = f.ledger.patientHistory(alice.id(), p.after() < 0 ? PageRequest.first(4)
              : PageRequest.first(4).after(p.after()));
          if (pages.incrementAndGet() < 2) {
            return real;
          }
          List<PatientHistoryProof.SubBlock> sbs = new ArrayList<>(real.subBlocks());
          sbs.remove(0);
          return new PatientHistoryPage(real.key(), real.height(), real.head(), sbs);
        }));
    assertTrue(gap.getMessage().contains("does not continue it"), gap.getMessage());
    assertEquals(2, pages.get(), "caught at the second page");
    ChainFixture.Actor bob = f.actor("bob");
    f.commit(f.registerPatient(bob));
    UnverifiableAnswerException other = assertThrows(UnverifiableAnswerException.class, () -> PageWalk.history(alice.id(),
        p -> f.ledger.patientHistory(bob.id(), p)));
    assertTrue(other.getMessage().contains("of key " + bob.id().digest()), other.getMessage());
    PatientHistoryPage first = f.ledger.patientHistory(alice.id(), PageRequest.first(2));
    UnverifiableAnswerException again = assertThrows(UnverifiableAnswerException.class, () -> PageWalk.history(alice.id(),
        p -> first));
    assertTrue(again.getMessage().contains("does not continue it"), again.getMessage());
  }
}
