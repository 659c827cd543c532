package io.medledger.anchor;

import io.medledger.crypto.Ed25519PublicKey;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Whose turn it is to anchor, from what every node reads on its ledger: the active federation
 * servers, the number of turns the ledger's anchor entries passed, and the time of the block that
 * recorded the entry that passed the last one. The servers take turns in the order of their keys,
 * one turn per recorded anchor; a turn that passes {@code takeoverAfter} without a new turn passes to
 * the next server, and so on. The caller counts the turns: a node counts an anchor entry only if
 * the entry that passed the turn before it is not of the same submitter, so that one server cannot
 * steer the turn to itself by recording entries. Every node with the same ledger and a clock within a few seconds names the same
 * server.
 *
 * <p>The rule keeps one anchorer at a time for efficiency, not for safety: anchorers that overlap
 * (a clock off by more than the poll interval, a turn ending mid-flight) spend the same oldest coin
 * of the shared wallet ({@link WalletTransactionFactory}), so their transactions conflict and at
 * most one confirms. Stateless; thread-safe.
 */
public final class AnchorTurn {
  private AnchorTurn() {}

  /**
   * The server whose turn it is.
   *
   * @param servers the active federation servers' ledger keys (any order; not empty)
   * @param anchorsRecorded how many turns the ledger's anchor entries passed
   * @param sinceMillis the time of the block holding the entry that passed the last of them (or of the genesis block)
   * @param nowMillis the current time
   * @param takeoverAfter how long a turn lasts without a new anchor on the ledger
   */
  public static Ed25519PublicKey holder(List<Ed25519PublicKey> servers, long anchorsRecorded, long sinceMillis,
      long nowMillis, Duration takeoverAfter) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("no federation server to anchor");
    }
    Objects.requireNonNull(takeoverAfter, "takeoverAfter");
    if (takeoverAfter.isNegative() || takeoverAfter.isZero() || anchorsRecorded < 0) {
      throw new IllegalArgumentException("takeoverAfter must be positive and the anchor count non-negative");
    }
    List<Ed25519PublicKey> order = servers.stream().sorted(Comparator.comparing(Ed25519PublicKey::toHex)).toList();
    long elapsed = Math.max(0, nowMillis - sinceMillis);
    long turnsPassed = elapsed / Math.max(1, takeoverAfter.toMillis());
    long turn = Math.floorMod(anchorsRecorded + turnsPassed, (long) order.size());
    return order.get((int) turn);
  }
}
