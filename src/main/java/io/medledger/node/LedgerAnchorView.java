package io.medledger.node;

import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Anchor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * What a node's ledger says about anchoring: the anchor entries in ledger order with the block that
 * holds each (only those naming this ledger's commitment at the height they cover, at most {@link
 * #PER_SUBMITTER} transactions of each submitter per commitment), the anchoring turns they pass,
 * and the last block holding anything else (blocks of anchor entries alone do not make a new anchor
 * due). Built from each block once, as the ledger grows: from the committed blocks the node hands
 * it, or by reading those it missed. Thread-safe: synchronized, except {@link #observe}, which only
 * enqueues.
 */
final class LedgerAnchorView {
  /** An anchor entry and the block that recorded it. */
  record Recorded(Anchor entry, long blockHeight, long blockMillis) {}

  /** Blocks observed but not yet taken, at most (about 80 bytes each without anchors). */
  private static final int OBSERVED = 4096;
  /**
   * Most transactions kept per commitment and submitter: a server whose first entry for a
   * commitment named a transaction that does not exist can still record the genuine one, and no
   * server can make a node keep more than this many entries per anchored height.
   */
  static final int PER_SUBMITTER = 3;

  private final Ledger ledger;
  private final List<Recorded> anchors = new ArrayList<>();
  /** How many entries are kept per commitment and submitter. */
  private final Map<List<Digest>, Integer> bySubmitter = new HashMap<>();
  /** The commitment, submitter and transaction of each kept entry. */
  private final Set<List<Digest>> claims = new HashSet<>();
  /** The commitment and transaction of each kept entry. */
  private final Set<List<Digest>> byTransaction = new HashSet<>();
  /** Anchoring turns passed so far, the submitter of the entry that passed the last one, and its block's time. */
  private long turns;
  private Digest turnSubmitter;
  private long turnMillis = -1;
  private long scanned = -1;
  private long lastSubstantive = -1;

  LedgerAnchorView(Ledger ledger) {
    this.ledger = ledger;
  }

  /** What a committed block holds for this view. */
  private record Seen(long height, long millis, List<Anchor> anchors, boolean substantive) {
    static Seen of(io.medledger.chain.CertifiedBlock b) {
      List<Anchor> as = new ArrayList<>(0);
      boolean substantive = false;
      for (Entry e : b.block().entries()) {
        if (e instanceof Anchor a) {
          as.add(a);
        } else {
          substantive = true;
        }
      }
      return new Seen(b.header().height(), b.header().timestamp(), as, substantive);
    }
  }

  /** Committed blocks handed over by {@link #observe}, oldest first; bounded, extra ones dropped. */
  private final ArrayBlockingQueue<Seen> observed = new ArrayBlockingQueue<>(OBSERVED);

  /**
   * Takes the blocks appended since the last call: those {@link #observe}d meanwhile as they were
   * handed over, the others read from the ledger.
   */
  synchronized void refresh() {
    for (Seen s; (s = observed.poll()) != null; ) {
      if (s.height() <= scanned) {
        continue;
      }
      for (long h = scanned + 1; h < s.height(); h++) {
        take(Seen.of(ledger.block(h)));
      }
      take(s);
    }
    long tip = ledger.height();
    for (long h = scanned + 1; h <= tip; h++) {
      take(Seen.of(ledger.block(h)));
    }
  }

  /**
   * Hands over {@code block}, just committed and already decoded, so that {@link #refresh} need not
   * read and decode it again. Never waits: the committing thread must not stall behind a refresh.
   */
  void observe(io.medledger.chain.CertifiedBlock block) {
    observed.offer(Seen.of(block));
  }

  /**
   * Keeps an anchor entry only if it names this ledger's commitment at the height it covers with a
   * transaction its submitter did not name for it before, and the submitter named fewer than {@link
   * #PER_SUBMITTER} transactions for that commitment: any active federation server may fill blocks
   * with anchor entries, and each one kept costs memory for good and a step of every walk below.
   * Entries of other submitters for the same commitment are kept too: the ledger cannot check a
   * transaction against Bitcoin, so a server may name one that does not exist, and the genuine
   * anchor recorded after it (by another server or the same one) must still count.
   *
   * <p>A kept entry passes the anchoring turn unless the entry that passed the last turn has the
   * same submitter: a server can pass the turn on once per turn another server passed, so it cannot
   * steer the turn to itself and hold it by recording entries.
   */
  private void take(Seen s) {
    for (Anchor a : s.anchors()) {
      Digest submitter = a.submitter().digest();
      List<Digest> key = List.of(a.commitment(), submitter);
      int kept = bySubmitter.getOrDefault(key, 0);
      if (kept < PER_SUBMITTER && !claims.contains(List.of(a.commitment(), submitter, a.txid()))
          && LedgerAnchors.commitment(ledger.header(a.toHeight())).digest().equals(a.commitment())) {
        anchors.add(new Recorded(a, s.height(), s.millis()));
        bySubmitter.put(key, kept + 1);
        claims.add(List.of(a.commitment(), submitter, a.txid()));
        byTransaction.add(List.of(a.commitment(), a.txid()));
        if (!submitter.equals(turnSubmitter)) {
          turns++;
          turnSubmitter = submitter;
          turnMillis = s.millis();
        }
      }
    }
    if (s.substantive()) {
      lastSubstantive = s.height();
    }
    scanned = s.height();
  }

  /** The anchor entries, in ledger order. */
  synchronized List<Recorded> anchors() {
    return List.copyOf(anchors);
  }

  /** Whether an anchor entry naming this commitment and this transaction is on the ledger. */
  synchronized boolean records(Digest commitment, Digest txid) {
    return byTransaction.contains(List.of(commitment, txid));
  }

  /** The anchor entries that cover heights above {@code height}, in ledger order. */
  synchronized List<Recorded> above(long height) {
    List<Recorded> out = new ArrayList<>();
    for (Recorded r : anchors) {
      if (r.entry().toHeight() > height) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * The anchoring turns the recorded anchor entries passed ({@link io.medledger.anchor.AnchorTurn}):
   * one per kept entry, except an entry whose submitter also recorded the entry that passed the
   * turn before it.
   */
  synchronized long turns() {
    return turns;
  }

  /** When the block holding the entry that passed the last turn was made, or the genesis block if none. */
  synchronized long sinceMillis() {
    return turnMillis < 0 ? ledger.header(0).timestamp() : turnMillis;
  }

  /** The last height whose block holds an entry other than an anchor. */
  synchronized long lastSubstantiveHeight() {
    return lastSubstantive;
  }

  /**
   * At most {@code max} anchor entries covering {@code height} whose commitment is this ledger's
   * commitment at the anchored height (an entry naming another commitment proves nothing and is
   * skipped), in {@link #inTurns turns} of their submitters: the entries of a server that recorded
   * many made-up anchors before the genuine ones cannot fill the list.
   */
  synchronized List<Recorded> covering(long height, int max) {
    List<Recorded> found = new ArrayList<>();
    Map<Digest, Integer> perSubmitter = new HashMap<>();
    for (Recorded r : anchors) {
      long to = r.entry().toHeight();
      if (to >= height && to <= ledger.height()
          && LedgerAnchors.commitment(ledger.header(to)).digest().equals(r.entry().commitment())
          && perSubmitter.merge(r.entry().submitter().digest(), 1, Integer::sum) <= max) {
        found.add(r);
      }
    }
    List<Recorded> out = inTurns(found);
    return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
  }

  /**
   * {@code recorded} in turns of their submitters: the first entry of each submitter (in the order
   * of their first entries), then the second of each, and so on; each submitter's in the given order.
   */
  static List<Recorded> inTurns(List<Recorded> recorded) {
    Map<Digest, java.util.ArrayDeque<Recorded>> bySubmitter = new java.util.LinkedHashMap<>();
    for (Recorded r : recorded) {
      bySubmitter.computeIfAbsent(r.entry().submitter().digest(), k -> new java.util.ArrayDeque<>()).add(r);
    }
    List<Recorded> out = new ArrayList<>(recorded.size());
    while (!bySubmitter.isEmpty()) {
      for (var it = bySubmitter.values().iterator(); it.hasNext(); ) {
        java.util.ArrayDeque<Recorded> q = it.next();
        out.add(q.poll());
        if (q.isEmpty()) {
          it.remove();
        }
      }
    }
    return out;
  }

  /** The height in {@code (after, tip]} whose header's commitment is {@code commitment}, searching at most {@code limit} heights. */
  synchronized Optional<Long> heightOf(Digest commitment, long after, int limit) {
    long tip = ledger.height();
    for (long h = tip; h > after && h > tip - limit; h--) {
      if (LedgerAnchors.commitment(ledger.header(h)).digest().equals(commitment)) {
        return Optional.of(h);
      }
    }
    return Optional.empty();
  }
}
