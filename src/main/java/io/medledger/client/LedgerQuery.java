package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.internal.PageWalk;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The one query interface every client type uses, over the ledger's unified query, filtered by
 * what the caller may see: a patient its own records and trail; a clinician the records it wrote
 * or that an active treatment grant to it or its institution covers; a researcher the records an
 * active research grant covers; auditors and regulators every record's metadata (pseudonymous;
 * never payloads). Each result carries its inclusion proof when asked ({@link PageRequest#proving()})
 * and its anchor receipt once an anchor covers it. The methods that read every page fail with a
 * {@link QueryLimitException} past 100,000 items, 256 MiB of them, 65,536 pages or 10 minutes,
 * whatever the node answering does; and every page, whatever the connection, must hold at most the
 * asked number of items, at ledger indexes rising past the asked cursor, with a next cursor that
 * moves past both ({@link UnverifiableAnswerException} otherwise), before any of its items is
 * acted on. A clinician or researcher its institution has removed is
 * refused every query ({@link AccessRefusedException} naming {@link AccessRight#PARTICIPANT}), as
 * the nodes refuse it.
 *
 * <p>Thread-safe.
 */
public final class LedgerQuery {
  private final Session session;
  private final Viewer viewer;

  LedgerQuery(Session session, Viewer viewer) {
    this.session = Objects.requireNonNull(session);
    this.viewer = Objects.requireNonNull(viewer);
  }

  /** Records matching {@code query} that the caller may see, one page at a time. */
  public QueryPage records(RecordQuery query, PageRequest page) {
    requireActiveReader();
    LedgerConnection c = session.connection();
    Page<MedicalRecord> p = Pages.checked(c.records(query, page), page, "records matching " + query);
    List<RecordView> out = new ArrayList<>();
    for (QueryHit<MedicalRecord> h : p.items()) {
      if (viewer.maySee(session, h.entry())) {
        out.add(new RecordView(h.entry(), h.height(), h.proof(), c.receipt(h.entry().id(), h.ledgerIndex()),
            c.isErased(h.entry().id())));
      }
    }
    return new QueryPage(out, p.nextCursor(), p.provedAgainst());
  }

  /**
   * Every visible record matching {@code query}, all pages, with proofs.
   *
   * @throws QueryLimitException past the bounds of a walk over every page
   *     ({@link io.medledger.internal.PageWalk}: 100,000 items, 256 MiB, 65,536 pages, 10 minutes)
   */
  public List<RecordView> allRecords(RecordQuery query) {
    return PageWalk.all("records matching " + query, PageRequest.first(1000).proving(), p -> {
      QueryPage page = records(query, p);
      return new PageWalk.Step<>(page.items(), page.nextCursor());
    }, v -> v.record().encode().length + v.proof().map(x -> (long) x.toJson().length()).orElse(0L));
  }

  /**
   * The access events on {@code patient}'s records (its audit trail).
   *
   * @throws AccessRefusedException unless the caller is that patient, an auditor or a regulator
   */
  public List<QueryHit<AccessEvent>> accessEvents(ParticipantId patient) {
    requireActiveReader();
    if (!viewer.oversight() && !viewer.id().equals(patient)) {
      throw new AccessRefusedException(AccessRight.AUDIT_TRAIL, "only the patient, auditors and regulators see "
          + patient + "'s access events");
    }
    return all((id, p) -> session.connection().accessEventsByPatient(id, p), patient);
  }

  /**
   * The grants made by {@code patient}.
   *
   * @throws AccessRefusedException unless the caller is that patient, an auditor or a regulator
   */
  public List<QueryHit<AccessGrant>> grants(ParticipantId patient) {
    requireActiveReader();
    if (!viewer.oversight() && !viewer.id().equals(patient)) {
      throw new AccessRefusedException(AccessRight.GRANT_LIST, "only the patient, auditors and regulators list "
          + patient + "'s grants");
    }
    return all((id, p) -> session.connection().grantsByPatient(id, p), patient);
  }

  /** The grants the caller (or its institution) received. */
  public List<QueryHit<AccessGrant>> grantsReceived() {
    requireActiveReader();
    List<QueryHit<AccessGrant>> out = new ArrayList<>();
    for (ParticipantId g : viewer.grantees()) {
      out.addAll(all((id, p) -> session.connection().grantsByGrantee(id, p), g));
    }
    return out;
  }

  private static <E extends Entry> List<QueryHit<E>> all(BiFunction<ParticipantId, PageRequest, Page<E>> f,
      ParticipantId id) {
    return PageWalk.all("the list of " + id, PageRequest.first(1000).proving(), p -> {
      Page<E> page = Pages.checked(f.apply(id, p), p, "the list of " + id);
      return new PageWalk.Step<>(page.items(), page.nextCursor());
    }, PageWalk::size);
  }

  /**
   * Refuses a clinician or researcher its institution removed since its client opened (the nodes
   * admit no request from it): {@link AccessRefusedException} naming {@link AccessRight#PARTICIPANT}.
   */
  private void requireActiveReader() {
    ParticipantKind k = viewer.kind();
    if (!viewer.oversight() && (k == ParticipantKind.CLINICIAN || k == ParticipantKind.RESEARCHER)) {
      session.requireActive(k);
    }
  }
}
