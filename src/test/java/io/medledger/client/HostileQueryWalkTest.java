package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.federation.Federation;
import io.medledger.internal.PageWalk;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node may answer every page of a query validly on its own (items after the cursor, a next
 * cursor that moves on) and still never reach the end: full pages for ever, so a client reading
 * every page fills its memory, or empty pages whose cursor moves on by one, so it asks for ever.
 * A walk over every page is bounded ({@link PageWalk}) and fails with a
 * {@link QueryLimitException}.
 */
@Timeout(120)
class HostileQueryWalkTest {
  private final Federation f = SmallFederation.builder("hostile-query-walk-test", 13).directSequencer().build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final AccessGrant grant = anna.grant(GrantRequest.treatment(f.registerClinician("Dr Lee", "Hospital A").id()));

  @AfterEach
  void close() {
    f.close();
  }

  /**
   * A connection whose node answers grant pages of {@code perPage} copies of the grant, at the
   * ledger indexes following the cursor, with a next cursor past them, and ends (as if the ledger
   * ended there) after {@code pages} pages.
   */
  private LedgerConnection endless(int perPage, int pages, AtomicInteger asked) {
    return Connections.lying(f.connection(), Map.of("grantsByPatient", args -> {
      PageRequest p = (PageRequest) args[1];
      List<QueryHit<AccessGrant>> items = new ArrayList<>();
      for (int i = 1; i <= perPage; i++) {
        items.add(new QueryHit<>(grant, 1, p.after() + i, Optional.empty()));
      }
      boolean last = asked.incrementAndGet() >= pages;
      return new Page<>(items, last ? OptionalLong.empty() : OptionalLong.of(p.after() + perPage + 1), Optional.empty());
    }));
  }

  private AuditorClient auditor(LedgerConnection c) {
    return AuditorClient.open(c, Identity.generate(ParticipantKind.REGULATOR, "Auditor"));
  }

  @Test
  void fullPagesWithoutEndAreCutOffAtTheItemBound() {
    AtomicInteger asked = new AtomicInteger();
    int pages = PageWalk.MAX_ITEMS / 256 + 100;
    QueryLimitException e = assertThrows(QueryLimitException.class,
        () -> auditor(endless(256, pages, asked)).query().grants(anna.id()));
    assertTrue(e.getMessage().contains(String.valueOf(PageWalk.MAX_ITEMS)), e.getMessage());
    assertTrue(asked.get() <= PageWalk.MAX_ITEMS / 256 + 1, asked + " pages asked for");
  }

  @Test
  void emptyPagesWhoseCursorMovesOnByOneAreCutOffAtThePageBound() {
    AtomicInteger asked = new AtomicInteger();
    QueryLimitException e = assertThrows(QueryLimitException.class,
        () -> auditor(endless(0, PageWalk.MAX_PAGES + 1000, asked)).query().grants(anna.id()));
    assertTrue(e.getMessage().contains("pages"), e.getMessage());
    assertEquals(PageWalk.MAX_PAGES, asked.get());
  }

  @Test
  void aClinicianLookingForACoveringGrantIsCutOffToo() {
    AtomicInteger asked = new AtomicInteger();
    LedgerConnection c = endless(0, PageWalk.MAX_PAGES + 1000, asked);
    Session s = new Session(c, Identity.generate(ParticipantKind.CLINICIAN, "Dr Who"));
    assertThrows(QueryLimitException.class, () -> s.allGrants(anna.id()));
    assertEquals(PageWalk.MAX_PAGES, asked.get());
  }

  @Test
  void anHonestWalkEndsWithItsItems() {
    AtomicInteger asked = new AtomicInteger();
    List<QueryHit<AccessGrant>> all = auditor(endless(3, 4, asked)).query().grants(anna.id());
    assertEquals(12, all.size());
    assertEquals(1, auditor(f.connection()).query().grants(anna.id()).size());
  }
}
