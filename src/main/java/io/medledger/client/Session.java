package io.medledger.client;

import io.medledger.MedLedgerException;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.crypto.Digest;
import io.medledger.internal.PageWalk;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One participant's keys over one connection: signs locally, submits, and reads the ledger
 * through the connection only. Every typed client holds one. Thread-safe.
 */
final class Session {
  private final LedgerConnection connection;
  private final Identity self;

  Session(LedgerConnection connection, Identity self) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.self = Objects.requireNonNull(self, "identity");
  }

  LedgerConnection connection() {
    return connection;
  }

  Identity self() {
    return self;
  }

  ParticipantId id() {
    return self.id();
  }

  long now() {
    return connection.clock().millis();
  }

  /** {@code e} signed by this session's participant. */
  <E extends Entry> E sign(E e) {
    return Entry.sign(e, connection.parameters().chainId(), self.secretSigningKey());
  }

  /** Signs and submits {@code e}; the future completes with {@code e} once final. */
  <E extends Entry> CompletableFuture<E> signAndSubmit(E unsigned) {
    E e = sign(unsigned);
    return connection.submit(e).thenApply(at -> e);
  }

  CompletableFuture<EntryLocation> submit(Entry e) {
    return connection.submit(e);
  }

  /** Waits for {@code f} and rethrows its failure as it was raised (unchecked). */
  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (ExecutionException | CompletionException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new MedLedgerException(String.valueOf(c.getMessage()), c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MedLedgerException("interrupted while waiting for the federation", e);
    }
  }

  /**
   * The published key card of {@code id}.
   *
   * @throws AccessRefusedException if none is published, or it disagrees with the ledger (see {@link #checkedCard})
   */
  KeyCard keyCard(ParticipantId id) {
    return checkedCard(id).orElseThrow(() -> new AccessRefusedException(AccessRight.KEY_CARD,
        "no published keys for " + id));
  }

  /**
   * The published key card of {@code id}, if any, once it agrees with the key publication in force
   * on the ledger, when there is one: a directory or node that missed a later card (a research-key
   * upgrade) serves keys the ledger no longer holds, and nothing is sealed or granted to those.
   *
   * @throws AccessRefusedException ({@link AccessRight#KEY_CARD}) if the card and the ledger disagree
   */
  Optional<KeyCard> checkedCard(ParticipantId id) {
    Optional<KeyCard> card = connection.keyCard(id);
    if (card.isEmpty()) {
      return card;
    }
    Optional<KeyPublication> onLedger = connection.publishedKeys(id).map(QueryHit::entry);
    if (onLedger.isPresent() && !card.get().agreesWith(onLedger.get())) {
      throw new AccessRefusedException(AccessRight.KEY_CARD, "the key card served for " + id + " holds other keys"
          + " than its key publication in force on the ledger (a directory or node missed a later card): not used");
    }
    return card;
  }

  /** The record entry with {@code id}. @throws AccessRefusedException if there is none */
  MedicalRecord record(Digest id) {
    Optional<Entry> e = connection.entry(id);
    if (e.isEmpty() || !(e.get() instanceof MedicalRecord m)) {
      throw new AccessRefusedException(AccessRight.RECORD, "no record " + id + " on the ledger");
    }
    return m;
  }

  boolean isErased(MedicalRecord m) {
    return connection.isErased(m.id());
  }

  /** The record and the records it amends, newest first. */
  List<Digest> lineage(MedicalRecord m) {
    List<Digest> out = new ArrayList<>();
    out.add(m.id());
    Optional<Digest> prev = m.amends();
    while (prev.isPresent() && out.size() < 10_000) {
      out.add(prev.get());
      prev = record(prev.get()).amends();
    }
    return out;
  }

  /** An active grant by the record's patient to one of {@code grantees} for {@code purpose} that covers it. */
  Optional<AccessGrant> coveringGrant(MedicalRecord rec, Set<ParticipantId> grantees, Purpose purpose,
      boolean needsProxies) {
    long t = now();
    List<Digest> lineage = lineage(rec);
    for (QueryHit<AccessGrant> h : allGrants(rec.patient())) {
      AccessGrant g = h.entry();
      if (grantees.contains(g.grantee()) && g.purpose() == purpose && connection.isGrantActive(g.id(), t)
          && g.scope().covers(rec.resourceType(), lineage) && (!needsProxies || g.threshold() > 0)) {
        return Optional.of(g);
      }
    }
    return Optional.empty();
  }

  /** Every grant of {@code patient}. @throws QueryLimitException past the bounds of a walk ({@link PageWalk}) */
  List<QueryHit<AccessGrant>> allGrants(ParticipantId patient) {
    return PageWalk.all("the grants of " + patient, PageRequest.first(PageRequest.MAX_LIMIT), p -> {
      Page<AccessGrant> page = Pages.checked(connection.grantsByPatient(patient, p), p, "the grants of " + patient);
      return new PageWalk.Step<>(page.items(), page.nextCursor());
    }, PageWalk::size);
  }

  /**
   * Refuses unless this session's participant is still an active {@code kind} on the ledger (an
   * institution may have removed it since its client opened).
   *
   * @throws AccessRefusedException naming {@link AccessRight#PARTICIPANT} otherwise
   */
  void requireActive(ParticipantKind kind) {
    if (!isActive(id(), kind)) {
      throw new AccessRefusedException(AccessRight.PARTICIPANT, id() + " is no longer an active " + kind.label()
          + " on the ledger");
    }
  }

  /** Whether {@code id} is an active participant of {@code kind} on the ledger. */
  boolean isActive(ParticipantId id, ParticipantKind kind) {
    Optional<Participant> p = connection.participant(id);
    return p.isPresent() && p.get().active() && p.get().kind() == kind;
  }
}
