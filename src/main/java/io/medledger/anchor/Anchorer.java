package io.medledger.anchor;

import io.medledger.crypto.Digest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The anchoring state machine. Each anchor moves PLANNED -> BROADCAST -> IN_MEMPOOL -> CONFIRMED
 * -> FINAL; a reorganization moves a confirmed anchor back, a transaction that is stuck longer than
 * the policy allows is replaced by fee (BIP 125), and one that the network lost is sent again.
 * Every change is saved to the {@link AnchorJournal} before {@link #tick()} reports it, so a
 * restart resumes each anchor where it was.
 *
 * <p>Memory holds the anchors not finished and at most {@link #RECENT} finished ones; the others
 * stay in the journal, which {@link #get}, {@link #finalCovering} and the idempotence of {@link
 * #plan} and {@link #adopt} consult, so the anchorer runs for years in bounded memory.
 *
 * <p>Time comes from the injected {@link Clock}. Thread-safe: methods are synchronized.
 */
public final class Anchorer {
  /** Most finished anchors (FINAL or SUPERSEDED) held in memory besides those not finished: the most recently finished. */
  public static final int RECENT = 16;

  private final AnchorPolicy policy;
  private final BitcoinPort bitcoin;
  private final AnchorTransactionFactory factory;
  private final AnchorJournal journal;
  private final Clock clock;
  /** The anchors not finished, in the order planned. */
  private final Map<Digest, AnchorRecord> pending = new LinkedHashMap<>();
  /** At most {@link #RECENT} finished anchors, least recently finished first. */
  private final Map<Digest, AnchorRecord> recent = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Digest, AnchorRecord> e) {
      return size() > RECENT;
    }
  };
  /** The anchor of the highest height planned, or null. */
  private AnchorRecord newest;

  /**
   * Creates an anchorer and loads from {@code journal} every anchor not finished and the
   * {@link #RECENT} finished ones of the highest heights; older finished anchors stay in the
   * journal, found by {@link #get} and {@link #finalCovering}.
   */
  public Anchorer(AnchorPolicy policy, BitcoinPort bitcoin, AnchorTransactionFactory factory,
      AnchorJournal journal, Clock clock) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.bitcoin = Objects.requireNonNull(bitcoin, "bitcoin");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.clock = Objects.requireNonNull(clock, "clock");
    List<AnchorRecord> loaded = new ArrayList<>(journal.load(RECENT));
    loaded.sort(Comparator.comparing(AnchorRecord::plannedAt).thenComparingLong(r -> r.commitment().height()));
    for (AnchorRecord r : loaded) {
      hold(r);
    }
  }

  /** The policy in force. */
  public AnchorPolicy policy() {
    return policy;
  }

  /**
   * The anchors held in memory, in the order planned: every one not finished, and at most
   * {@link #RECENT} finished ones (the most recently finished; after a restart, those of the
   * highest heights).
   */
  public synchronized List<AnchorRecord> anchors() {
    List<AnchorRecord> out = new ArrayList<>(pending.size() + recent.size());
    out.addAll(recent.values());
    out.addAll(pending.values());
    out.sort(Comparator.comparing(AnchorRecord::plannedAt).thenComparingLong(r -> r.commitment().height()));
    return List.copyOf(out);
  }

  /** The anchor with this commitment digest, if any: from memory, or else from the journal. */
  public synchronized Optional<AnchorRecord> get(Digest commitment) {
    AnchorRecord r = pending.get(commitment);
    if (r == null) {
      r = recent.get(commitment);
    }
    return r != null ? Optional.of(r) : journal.find(commitment);
  }

  /**
   * The final anchor of the lowest height at or above {@code height}, if the journal has one among
   * the first {@code 1024} anchors from that height: the anchor whose receipt covers an entry of
   * the block at {@code height}.
   */
  public synchronized Optional<AnchorRecord> finalCovering(long height) {
    long from = height;
    for (int seen = 0; seen < 1024; ) {
      List<AnchorRecord> page = journal.from(from, 64);
      for (AnchorRecord r : page) {
        if (r.status() == AnchorStatus.FINAL) {
          return Optional.of(r);
        }
      }
      if (page.size() < 64) {
        return Optional.empty();
      }
      seen += page.size();
      from = page.get(page.size() - 1).commitment().height() + 1;
    }
    return Optional.empty();
  }

  /** The newest planned anchor (of the highest height), if any. */
  public synchronized Optional<AnchorRecord> last() {
    return Optional.ofNullable(newest);
  }

  /**
   * Plans an anchor of {@code commitment} if the policy says one is due at its height; returns it,
   * or empty when none is due.
   */
  public synchronized Optional<AnchorRecord> planIfDue(AnchorCommitment commitment) {
    Optional<AnchorRecord> last = last();
    long lastHeight = last.map(r -> r.commitment().height()).orElse(-1L);
    Instant lastTime = last.map(AnchorRecord::plannedAt).orElse(null);
    if (!policy.isDue(lastHeight, lastTime, commitment.height(), clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(plan(commitment));
  }

  /** Plans an anchor of {@code commitment} now (idempotent for the same commitment). */
  public synchronized AnchorRecord plan(AnchorCommitment commitment) {
    Optional<AnchorRecord> existing = get(commitment.digest());
    if (existing.isPresent()) {
      return existing.get();
    }
    Instant now = clock.instant();
    AnchorRecord r = new AnchorRecord(commitment, AnchorStatus.PLANNED, now, List.of(), null, now, null);
    store(r);
    return r;
  }

  /** The anchors still in flight: planned, sent or confirmed, not yet final nor superseded. */
  public synchronized List<AnchorRecord> inFlight() {
    return List.copyOf(pending.values());
  }

  /**
   * Takes over {@code tx}, a transaction for {@code commitment} that another anchorer signed and
   * sent, without sending anything: the anchor is saved as sent, so that {@link #tick()} follows
   * it, sends it again if the network loses it, and replaces it by fee (spending the same inputs)
   * if it is stuck. An anchor already known with this transaction, or already final, is returned
   * unchanged.
   */
  public synchronized AnchorRecord adopt(AnchorCommitment commitment, SignedTransaction tx) {
    AnchorRecord existing = get(commitment.digest()).orElse(null);
    List<AnchorRecord.Attempt> attempts = new ArrayList<>();
    if (existing != null) {
      if (existing.status() == AnchorStatus.FINAL
          || existing.attempts().stream().anyMatch(a -> a.transaction().txid().equals(tx.txid()))) {
        return existing;
      }
      attempts.addAll(existing.attempts());
    }
    Instant now = clock.instant();
    attempts.add(new AnchorRecord.Attempt(tx, now));
    AnchorRecord r = new AnchorRecord(commitment, AnchorStatus.BROADCAST,
        existing == null ? now : existing.plannedAt(), attempts, null, now, null);
    store(r);
    return r;
  }

  /**
   * Gives up the anchor {@code commitment} if it is not final: it is no longer followed or sent
   * again. Returns it as saved, or empty if unknown.
   */
  public synchronized Optional<AnchorRecord> supersede(Digest commitment, String reason) {
    Optional<AnchorRecord> found = get(commitment);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    AnchorRecord r = found.get();
    if (r.status() == AnchorStatus.FINAL || r.status() == AnchorStatus.SUPERSEDED) {
      return Optional.of(r);
    }
    AnchorRecord s = r.with(AnchorStatus.SUPERSEDED, r.attempts(), null, clock.instant(), reason);
    store(s);
    return Optional.of(s);
  }

  /**
   * Advances every anchor that is not final by asking the network once, and returns what happened.
   * A network failure leaves the anchor where it was and is reported as an event.
   */
  public synchronized List<AnchorEvent> tick() {
    List<AnchorEvent> events = new ArrayList<>();
    for (AnchorRecord r : List.copyOf(pending.values())) {
      try {
        step(r, events);
      } catch (AnchorException e) {
        AnchorRecord current = pending.getOrDefault(r.id(), recent.get(r.id()));
        AnchorRecord failed = current.with(
            current.status(), current.attempts(), current.confirmation(), clock.instant(), e.getMessage());
        store(failed);
        events.add(new AnchorEvent.Failed(failed, e.getMessage()));
      }
    }
    return events;
  }

  private void store(AnchorRecord r) {
    journal.save(r);
    hold(r);
  }

  /** Holds {@code r} in memory: with the anchors not finished, or among the recently finished. */
  private void hold(AnchorRecord r) {
    if (r.status() == AnchorStatus.FINAL || r.status() == AnchorStatus.SUPERSEDED) {
      pending.remove(r.id());
      recent.remove(r.id());
      recent.put(r.id(), r);
    } else {
      recent.remove(r.id());
      pending.put(r.id(), r);
    }
    if (newest == null || r.id().equals(newest.id()) || r.commitment().height() > newest.commitment().height()) {
      newest = r;
    }
  }

  private void step(AnchorRecord r, List<AnchorEvent> events) {
    Instant now = clock.instant();
    if (r.status() == AnchorStatus.PLANNED) {
      long rate = clampRate(bitcoin.feeRate());
      SignedTransaction tx = factory.create(r.commitment().digest(), rate);
      send(r, tx, false, now, events);
      return;
    }
    // Any of the transactions sent may be the one that confirms: replacements race their originals.
    TxObservation.Confirmed best = null;
    SignedTransaction bestTx = null;
    boolean latestInMempool = false;
    SignedTransaction latest = r.latest().orElseThrow();
    for (AnchorRecord.Attempt a : r.attempts()) {
      TxObservation o = bitcoin.observe(a.transaction().txid());
      if (o instanceof TxObservation.Confirmed c) {
        if (best == null || c.confirmations() > best.confirmations()) {
          best = c;
          bestTx = a.transaction();
        }
      } else if (o instanceof TxObservation.InMempool && a.transaction().txid().equals(latest.txid())) {
        latestInMempool = true;
      }
    }
    if (best != null) {
      AnchorRecord.Confirmation conf =
          new AnchorRecord.Confirmation(bestTx.txid(), best.blockHash(), best.height(), best.confirmations());
      boolean isFinal = best.confirmations() >= policy.confirmationsRequired();
      AnchorRecord next = r.with(isFinal ? AnchorStatus.FINAL : AnchorStatus.CONFIRMED, r.attempts(), conf, now, null);
      if (!next.equals(r)) {
        store(next);
        if (r.confirmation() == null || r.confirmation().confirmations() != conf.confirmations()
            || !r.confirmation().blockHash().equals(conf.blockHash())) {
          events.add(new AnchorEvent.Confirmed(next, conf.confirmations()));
        }
        if (isFinal) {
          events.add(new AnchorEvent.Final(next));
        }
      }
      return;
    }
    if (r.status() == AnchorStatus.CONFIRMED) {
      Digest dropped = r.confirmation().blockHash();
      AnchorRecord back = r.with(latestInMempool ? AnchorStatus.IN_MEMPOOL : AnchorStatus.BROADCAST,
          r.attempts(), null, now, null);
      store(back);
      events.add(new AnchorEvent.Reorganized(back, dropped));
      r = back;
    }
    AnchorRecord.Attempt lastAttempt = r.attempts().get(r.attempts().size() - 1);
    boolean stuck = !now.isBefore(lastAttempt.sentAt().plus(policy.bumpAfter()));
    if (stuck && latest.feeRate() < policy.maxFeeRate()) {
      long bumped = (long) Math.ceil(latest.feeRate() * policy.feeBumpFactor());
      long rate = clampRate(Math.max(Math.max(bumped, latest.feeRate() + 1), bitcoin.feeRate()));
      SignedTransaction tx = factory.replace(latest, r.commitment().digest(), rate);
      send(r, tx, true, now, events);
      return;
    }
    if (latestInMempool) {
      if (r.status() != AnchorStatus.IN_MEMPOOL) {
        AnchorRecord seen = r.with(AnchorStatus.IN_MEMPOOL, r.attempts(), null, now, null);
        store(seen);
        events.add(new AnchorEvent.SeenInMempool(seen));
      }
      return;
    }
    if (!now.isBefore(lastAttempt.sentAt().plus(policy.rebroadcastAfter()))) {
      // Lost (evicted, or dropped with a block): send the same bytes again.
      bitcoin.broadcast(latest.raw());
      List<AnchorRecord.Attempt> attempts = new ArrayList<>(r.attempts());
      attempts.set(attempts.size() - 1, new AnchorRecord.Attempt(latest, now));
      AnchorRecord again = r.with(AnchorStatus.BROADCAST, attempts, null, now, null);
      store(again);
      events.add(new AnchorEvent.Sent(again, latest.txid(), false));
    } else if (r.status() == AnchorStatus.IN_MEMPOOL) {
      store(r.with(AnchorStatus.BROADCAST, r.attempts(), null, now, null));
    }
  }

  private void send(AnchorRecord r, SignedTransaction tx, boolean bump, Instant now, List<AnchorEvent> events) {
    // Save the transaction before sending it, so that a crash between the two cannot lose track of it.
    List<AnchorRecord.Attempt> attempts = new ArrayList<>(r.attempts());
    attempts.add(new AnchorRecord.Attempt(tx, now));
    AnchorRecord sent = r.with(AnchorStatus.BROADCAST, attempts, null, now, null);
    store(sent);
    bitcoin.broadcast(tx.raw());
    events.add(new AnchorEvent.Sent(sent, tx.txid(), bump));
  }

  private long clampRate(long rate) {
    return Math.max(1, Math.min(rate, policy.maxFeeRate()));
  }
}
