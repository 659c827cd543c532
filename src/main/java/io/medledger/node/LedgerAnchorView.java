package io.medledger.node;

import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Anchor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a node's ledger says about anchoring: the anchor entries in ledger order with the block that
 * holds each, and the last block holding anything else (blocks of anchor entries alone do not make
 * a new anchor due). Built by reading each block once, as the ledger grows. Thread-safe:
 * synchronized.
 */
final class LedgerAnchorView {
  /** An anchor entry and the block that recorded it. */
  record Recorded(Anchor entry, long blockHeight, long blockMillis) {}

  private final Ledger ledger;
  private final List<Recorded> anchors = new ArrayList<>();
  private final Set<Digest> commitments = new HashSet<>();
  private long scanned = -1;
  private long lastSubstantive = -1;

  LedgerAnchorView(Ledger ledger) {
    this.ledger = ledger;
  }

  /** Reads the blocks appended since the last call. */
  synchronized void refresh() {
    long tip = ledger.height();
    for (long h = scanned + 1; h <= tip; h++) {
      io.medledger.chain.CertifiedBlock b = ledger.block(h);
      for (Entry e : b.block().entries()) {
        if (e instanceof Anchor a) {
          anchors.add(new Recorded(a, h, b.header().timestamp()));
          commitments.add(a.commitment());
        } else {
          lastSubstantive = h;
        }
      }
      scanned = h;
    }
  }

  /** The anchor entries, in ledger order. */
  synchronized List<Recorded> anchors() {
    return List.copyOf(anchors);
  }

  /** Whether an anchor entry with this commitment is on the ledger. */
  synchronized boolean records(Digest commitment) {
    return commitments.contains(commitment);
  }

  /** The highest height an anchor entry covers, or -1. */
  synchronized long anchoredHeight() {
    return anchors.stream().mapToLong(r -> r.entry().toHeight()).max().orElse(-1);
  }

  /** When the block holding the last anchor entry was made, or the genesis block if none. */
  synchronized long sinceMillis() {
    return anchors.isEmpty() ? ledger.header(0).timestamp() : anchors.get(anchors.size() - 1).blockMillis();
  }

  /** The last height whose block holds an entry other than an anchor. */
  synchronized long lastSubstantiveHeight() {
    return lastSubstantive;
  }

  /**
   * The first anchor entry covering {@code height} whose commitment is this ledger's commitment at
   * the anchored height (an entry naming another commitment proves nothing and is skipped).
   */
  synchronized Optional<Recorded> covering(long height) {
    for (Recorded r : anchors) {
      long to = r.entry().toHeight();
      if (to >= height && to <= ledger.height()
          && LedgerAnchors.commitment(ledger.header(to)).digest().equals(r.entry().commitment())) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
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
