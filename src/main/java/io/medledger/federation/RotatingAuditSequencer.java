package io.medledger.federation;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.Membership;
import io.medledger.chain.ValidationResult;
import io.medledger.client.EntryRejectedException;
import io.medledger.codec.ByteString;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model's consensus over in-process nodes, step by step: the federation servers take turns
 * as bookkeeper in a fixed rotation over heights and rounds (turn = (height + round) mod n, in
 * admission order); the bookkeeper of the turn proposes a block from the pending entries; every
 * audit server validates it against its own ledger with the full chain rules and countersigns;
 * with signatures from more than two thirds of the audit servers the block is final and every
 * node appends it (checking the certificate, and validating the block itself unless it already
 * did). A silent (offline) bookkeeper, or a proposal that fails to gather the quorum, moves the
 * turn to the next federation server (a round change).
 *
 * <p>This is a synchronous driver for one process (demos, tests, a single-site deployment): it
 * calls the nodes directly instead of exchanging messages, so it needs no timers. Lagging nodes
 * catch up by fetching and validating the blocks they miss before each block.
 *
 * <p>Thread-safe: submissions are serialized.
 */
public final class RotatingAuditSequencer implements Sequencer {
  private final Map<ParticipantId, FederationServer> nodes = new LinkedHashMap<>();
  private final Clock clock;

  /** A sequencer over {@code nodes} (every node of the federation), with block times from {@code clock}. */
  public RotatingAuditSequencer(List<FederationServer> nodes, Clock clock) {
    for (FederationServer n : nodes) {
      if (this.nodes.put(n.id(), n) != null) {
        throw new IllegalArgumentException("node " + n.id() + " given twice");
      }
    }
    if (this.nodes.isEmpty()) {
      throw new IllegalArgumentException("no nodes");
    }
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized Outcome submit(List<Entry> entries) {
    List<Entry> pending = new ArrayList<>(entries);
    List<CertifiedBlock> blocks = new ArrayList<>();
    List<Rejection> rejected = new ArrayList<>();
    int roundChanges = 0;
    while (!pending.isEmpty()) {
      FederationServer reference = syncOnline();
      Membership m = reference.ledger().membership();
      List<Participant> fed = m.federationServers();
      long height = reference.ledger().height() + 1;
      long time = Math.max(clock.millis(), reference.ledger().tip().map(BlockHeader::timestamp).orElse(0L));
      CertifiedBlock made = null;
      List<String> reasons = new ArrayList<>();
      for (int round = 0; round < fed.size() && made == null; round++) {
        FederationServer bk = nodes.get(fed.get((int) ((height + round) % fed.size())).id());
        if (bk == null || !bk.isOnline()) {
          reasons.add("round " + round + ": bookkeeper " + (bk == null ? "unknown" : bk.id()) + " is silent");
          roundChanges++;
          continue;
        }
        ValidationResult<BlockCandidate> c = bk.propose(round, time, pending);
        if (!c.isAccepted()) {
          reasons.add("round " + round + ": " + c.reason());
          roundChanges++;
          continue;
        }
        BlockCandidate cand = c.value();
        if (cand.block().block().entries().isEmpty()) {
          cand.rejected().forEach(r -> rejected.add(new Rejection(r.entry(), r.reason())));
          return new Outcome(blocks, rejected, roundChanges);
        }
        List<Endorsement> votes = new ArrayList<>();
        for (FederationServer a : nodes.values()) {
          if (a.role() == NodeRole.AUDIT && a.isOnline() && m.isAuditServer(a.id())) {
            ValidationResult<Endorsement> v = a.vote(cand.block().block());
            if (v.isAccepted()) {
              votes.add(v.value());
            } else {
              reasons.add("round " + round + ": audit server " + a.id() + " refused: " + v.reason());
            }
          }
        }
        if (votes.size() < m.auditQuorum()) {
          reasons.add("round " + round + ": " + votes.size() + " of " + m.auditQuorum() + " audit votes");
          roundChanges++;
          continue;
        }
        made = new CertifiedBlock(cand.block().block(), new Certificate(votes.stream().sorted().toList(), ByteString.EMPTY));
        for (FederationServer n : nodes.values()) {
          if (n.isOnline()) {
            ValidationResult<CertifiedBlock> r = n.commit(made);
            if (!r.isAccepted()) {
              throw new IllegalStateException("node " + n.id() + " refused a certified block: " + r.reason());
            }
          }
        }
        blocks.add(made);
        cand.rejected().forEach(r -> rejected.add(new Rejection(r.entry(), r.reason())));
        pending = new ArrayList<>(cand.deferred());
      }
      if (made == null) {
        throw new EntryRejectedException("no block became final at height " + height + ": " + String.join("; ", reasons));
      }
    }
    return new Outcome(blocks, rejected, roundChanges);
  }

  /** Brings every online node up to the highest online node; returns that node. */
  private FederationServer syncOnline() {
    FederationServer best = null;
    for (FederationServer n : nodes.values()) {
      if (n.isOnline() && (best == null || n.ledger().height() > best.ledger().height())) {
        best = n;
      }
    }
    if (best == null) {
      throw new EntryRejectedException("every node is offline");
    }
    for (FederationServer n : nodes.values()) {
      if (n.isOnline() && n != best) {
        n.catchUp(best);
      }
    }
    return best;
  }
}
