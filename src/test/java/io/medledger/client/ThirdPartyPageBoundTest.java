package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.federation.Federation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A third-party {@link LedgerConnection} (not {@code RemoteConnection}, which checks the nodes'
 * pages itself) may hand the typed clients a page of more items than asked, items that repeat or
 * go back before the cursor, or a next cursor that does not move on: a records page of a million
 * items made a million receipt and erasure look-ups, a repeated grant counted twice, and a cursor
 * that stays put had the same page read 65,536 times. The clients check every page first.
 */
@Timeout(120)
class ThirdPartyPageBoundTest {
  private final Federation f = SmallFederation.builder("third-party-page-bound-test", 29).directSequencer().build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final MedicalRecord rec = anna.upload(SmallFederation.observation("1")).record();
  private final AccessGrant grant = anna.grant(GrantRequest.treatment(f.registerClinician("Dr Lee", "Hospital A").id()));

  @AfterEach
  void close() {
    f.close();
  }

  private AuditorClient auditor(LedgerConnection c) {
    return AuditorClient.open(c, Identity.generate(ParticipantKind.REGULATOR, "Auditor"));
  }

  /** A connection answering grant pages as {@code answer} makes them of the asked request; {@code asked} counts them. */
  private LedgerConnection grants(Function<PageRequest, Page<AccessGrant>> answer, AtomicInteger asked) {
    return Connections.lying(f.connection(), Map.of("grantsByPatient", args -> {
      asked.incrementAndGet();
      return answer.apply((PageRequest) args[1]);
    }));
  }

  private QueryHit<AccessGrant> hit(long index) {
    return new QueryHit<>(grant, 1, index, Optional.empty());
  }

  @Test
  void aPageOfMoreItemsThanAskedIsRefusedBeforeAnyIsUsed() {
    AtomicInteger erasures = new AtomicInteger();
    AtomicInteger asked = new AtomicInteger();
    LedgerConnection c = Connections.lying(f.connection(), Map.of(
        "records", args -> {
          asked.incrementAndGet();
          PageRequest p = (PageRequest) args[1];
          List<QueryHit<MedicalRecord>> items = new ArrayList<>();
          for (int i = 1; i <= p.limit() + 1; i++) {
            items.add(new QueryHit<>(rec, 1, p.after() + i, Optional.empty()));
          }
          return new Page<>(items, OptionalLong.empty(), Optional.empty());
        },
        "isErased", args -> {
          erasures.incrementAndGet();
          return false;
        }));
    RecordQuery q = RecordQuery.all();
    UnverifiableAnswerException e = assertThrows(UnverifiableAnswerException.class,
        () -> auditor(c).query().records(q, PageRequest.first(50)));
    assertTrue(e.getMessage().contains("51 items"), e.getMessage());
    assertEquals(0, erasures.get(), "no item was looked up");
    assertEquals(1, auditor(f.connection()).query().records(q, PageRequest.first(50)).items().size(),
        "control: the honest page");
  }

  @Test
  void aRepeatedOrEarlierItemIsRefused() {
    AtomicInteger asked = new AtomicInteger();
    LedgerConnection twice = grants(p -> new Page<>(List.of(hit(p.after() + 1), hit(p.after() + 1)),
        OptionalLong.empty(), Optional.empty()), asked);
    assertThrows(UnverifiableAnswerException.class, () -> auditor(twice).query().grants(anna.id()));
    Session s = new Session(twice, Identity.generate(ParticipantKind.CLINICIAN, "Dr Who"));
    assertThrows(UnverifiableAnswerException.class, () -> s.allGrants(anna.id()), "the grant is not counted twice");
    LedgerConnection before = grants(p -> new Page<>(List.of(hit(p.after())), OptionalLong.empty(), Optional.empty()),
        asked);
    assertThrows(UnverifiableAnswerException.class, () -> auditor(before).query().grants(anna.id()));
    LedgerConnection fine = grants(p -> new Page<>(List.of(hit(p.after() + 1), hit(p.after() + 5)),
        OptionalLong.empty(), Optional.empty()), asked);
    assertEquals(2, auditor(fine).query().grants(anna.id()).size(), "control: rising indexes are taken");
  }

  @Test
  void aNextCursorThatDoesNotMoveOnEndsTheWalkAtOnce() {
    AtomicInteger asked = new AtomicInteger();
    LedgerConnection stuck = grants(p -> new Page<>(List.of(), OptionalLong.of(p.after()), Optional.empty()), asked);
    assertThrows(UnverifiableAnswerException.class, () -> auditor(stuck).query().grants(anna.id()));
    assertEquals(1, asked.get(), "one page asked, not 65,536");
    asked.set(0);
    LedgerConnection behind = grants(p -> new Page<>(List.of(hit(p.after() + 3)), OptionalLong.of(p.after() + 2),
        Optional.empty()), asked);
    assertThrows(UnverifiableAnswerException.class, () -> auditor(behind).query().grants(anna.id()),
        "a cursor behind its own last item");
    asked.set(0);
    LedgerConnection moving = grants(p -> new Page<>(List.of(hit(p.after() + 1)),
        p.after() > 5 ? OptionalLong.empty() : OptionalLong.of(p.after() + 2), Optional.empty()), asked);
    assertEquals(5, auditor(moving).query().grants(anna.id()).size(), "control: a cursor moving on is followed");
  }
}
