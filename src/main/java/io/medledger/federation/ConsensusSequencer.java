package io.medledger.federation;

import io.medledger.access.ParticipantId;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.chain.ValidationResult;
import io.medledger.client.EntryRejectedException;
import io.medledger.consensus.Action;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.ConsensusContext;
import io.medledger.consensus.ConsensusProtocol;
import io.medledger.consensus.Event;
import io.medledger.consensus.InMemorySafetyStore;
import io.medledger.consensus.LedgerApp;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.SafetyStore;
import io.medledger.consensus.TimerId;
import io.medledger.crypto.Ed25519PublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Runs a real consensus protocol of {@code io.medledger.consensus} ({@code rotating-audit} by
 * default, or {@code bft}, {@code solo}) on every node of an in-process federation, over each
 * node's ledger through {@link LedgerApp}, and drives it deterministically: messages are
 * delivered in the order they were sent, and when no message is in flight the earliest timer
 * fires after the {@link VirtualClock} is moved to its due time (no sleeping). The protocols do
 * the rest: the bookkeeper of the turn proposes, audit servers validate with the full chain rules
 * and vote, certificates make blocks final, round changes replace a silent bookkeeper, and a
 * node that was offline is restarted with its safety store and catches up.
 *
 * <p>Thread-safe: submissions are serialized.
 */
public final class ConsensusSequencer implements Sequencer {
  /** How long (virtual time) a submission may take before it is declared stuck. */
  private static final Duration LIMIT = Duration.ofMinutes(3);

  private final String protocol;
  private final VirtualClock clock;
  private final ConsensusConfig config;
  private final long seed;
  private final Map<ParticipantId, Peer> peers = new LinkedHashMap<>();
  private final Map<Ed25519PublicKey, Peer> byKey = new LinkedHashMap<>();
  private final Deque<Message> inFlight = new ArrayDeque<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final List<String> rejections = new ArrayList<>();
  private long sequence;

  private final class Peer {
    final FederationServer node;
    final int index;
    final SafetyStore safety;
    ConsensusProtocol proto;
    int incarnation;
    boolean running;

    Peer(FederationServer node, int index, SafetyStore safety) {
      this.node = node;
      this.index = index;
      this.safety = safety;
    }

    void start() {
      incarnation++;
      ConsensusContext ctx = new ConsensusContext(node.serverKey(), clock,
          new SplittableRandom(seed * 31 + index * 7919L + incarnation), safety);
      proto = Protocols.create(protocol, new LedgerApp(node.ledger()), ctx, config);
      running = true;
      handle(this, new Event.Start());
    }
  }

  private record Message(Peer from, Peer to, byte[] bytes) {}

  private record Timer(long due, long seq, Peer peer, int incarnation, TimerId id) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
    }
  }

  /**
   * A sequencer running {@code protocol} on {@code nodes}, whose ledgers must have been opened
   * with {@link LedgerApp#certificatePolicy(String)} of that protocol and {@code clock}; each
   * node's protocol safety state is kept in memory.
   */
  public ConsensusSequencer(String protocol, List<FederationServer> nodes, VirtualClock clock, ConsensusConfig config, long seed) {
    this(protocol, nodes, clock, config, seed, n -> new InMemorySafetyStore());
  }

  /**
   * As {@link #ConsensusSequencer(String, List, VirtualClock, ConsensusConfig, long)}, with each
   * node's safety state (what it voted for) in the store {@code safetyStores} gives for it, for
   * example a {@link io.medledger.consensus.FileSafetyStore}, so that a restart never votes twice.
   */
  public ConsensusSequencer(String protocol, List<FederationServer> nodes, VirtualClock clock, ConsensusConfig config, long seed,
      java.util.function.Function<FederationServer, SafetyStore> safetyStores) {
    if (!Protocols.names().contains(protocol)) {
      throw new IllegalArgumentException("unknown consensus protocol '" + protocol + "'; known: " + Protocols.names());
    }
    this.protocol = protocol;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.config = Objects.requireNonNull(config, "config");
    this.seed = seed;
    for (FederationServer n : nodes) {
      Peer p = new Peer(n, peers.size(), Objects.requireNonNull(safetyStores.apply(n), "safety store"));
      if (peers.put(n.id(), p) != null) {
        throw new IllegalArgumentException("node " + n.id() + " given twice");
      }
      byKey.put(n.serverKey().publicKey(), p);
    }
  }

  /** The protocol's name. */
  public String protocol() {
    return protocol;
  }

  @Override
  public synchronized Outcome submit(List<Entry> entries) {
    restartReturningNodes();
    FederationServer reader = highest();
    long startHeight = reader.ledger().height();
    List<Rejection> rejected = new ArrayList<>();
    List<Entry> waiting = new ArrayList<>();
    for (Entry e : entries) {
      ValidationResult<Entry> v = reader.admit(e);
      if (!v.isAccepted()) {
        rejected.add(new Rejection(e, v.reason()));
        continue;
      }
      waiting.add(e);
      byte[] enc = e.encode();
      for (Peer p : peers.values()) {
        if (p.running) {
          handle(p, new Event.EntrySubmitted(enc));
        }
      }
    }
    rejections.clear();
    long deadline = clock.millis() + LIMIT.toMillis();
    while (!waiting.isEmpty()) {
      drainMessages();
      FederationServer r = highest();
      waiting.removeIf(e -> r.ledger().locate(e.id()).isPresent());
      List<Entry> now = new ArrayList<>(waiting);
      for (Entry e : now) {
        ValidationResult<Entry> v = r.admit(e);
        if (!v.isAccepted() && !v.reason().equals("duplicate entry")) {
          rejected.add(new Rejection(e, v.reason()));
          waiting.remove(e);
        }
      }
      if (waiting.isEmpty()) {
        break;
      }
      Timer t = timers.poll();
      if (t == null || t.due > deadline) {
        throw new EntryRejectedException("no block became final within " + LIMIT.toMinutes() + " virtual minutes at height "
            + (r.ledger().height() + 1) + "; the entries stay pending and may still become final"
            + (rejections.isEmpty() ? "" : ": " + String.join("; ", rejections)));
      }
      clock.advanceTo(t.due);
      if (t.peer.running && t.peer.incarnation == t.incarnation && t.peer.node.isOnline()) {
        handle(t.peer, new Event.TimerFired(t.id));
      }
    }
    drainMessages();
    FederationServer r = highest();
    List<CertifiedBlock> blocks = new ArrayList<>();
    int rounds = 0;
    for (long h = startHeight + 1; h <= r.ledger().height(); h++) {
      CertifiedBlock b = r.ledger().block(h);
      blocks.add(b);
      rounds += (int) b.header().round();
    }
    return new Outcome(blocks, rejected, rounds);
  }

  private void drainMessages() {
    while (!inFlight.isEmpty()) {
      Message m = inFlight.poll();
      if (m.to.running && m.to.node.isOnline() && m.from.node.isOnline()) {
        handle(m.to, new Event.MessageReceived(m.from.node.serverKey().publicKey(), m.bytes));
      }
    }
  }

  private void handle(Peer p, Event e) {
    List<Action> actions = p.proto.handle(e);
    for (Action a : actions) {
      if (a instanceof Action.Send s) {
        Peer to = byKey.get(s.to());
        if (to != null && to != p) {
          inFlight.add(new Message(p, to, s.message().encode()));
        }
      } else if (a instanceof Action.Broadcast b) {
        byte[] bytes = b.message().encode();
        for (Peer to : peers.values()) {
          if (to != p) {
            inFlight.add(new Message(p, to, bytes));
          }
        }
      } else if (a instanceof Action.SetTimer t) {
        timers.add(new Timer(clock.millis() + Math.max(0, t.delay().toMillis()), sequence++, p, p.incarnation, t.timer()));
      } else if (a instanceof Action.Committed c) {
        p.node.committed(c.height());
      } else if (a instanceof Action.EvidenceFound f) {
        Entry ev = new LedgerApp(p.node.ledger()).evidenceEntry(f.evidence(), p.node.serverKey(), clock.millis());
        rejections.add("evidence against " + f.evidence().signer().toHex() + " reported as entry " + ev.id());
        handle(p, new Event.EntrySubmitted(ev.encode()));
      } else if (a instanceof Action.ProposalRejected r) {
        rejections.add("height " + r.height() + " round " + r.round() + ": " + r.reason());
      }
    }
  }

  /** Restarts (with their safety stores) nodes that were offline and are back, and starts new ones. */
  private void restartReturningNodes() {
    for (Peer p : peers.values()) {
      if (!p.node.isOnline()) {
        p.running = false;
      }
    }
    FederationServer best = highest();
    for (Peer p : peers.values()) {
      if (p.node.isOnline() && !p.running) {
        if (p.node.ledger().height() < best.ledger().height()) {
          p.node.catchUp(best);
        }
        p.start();
      }
    }
  }

  private FederationServer highest() {
    FederationServer best = null;
    for (Peer p : peers.values()) {
      FederationServer n = p.node;
      if (n.isOnline() && (best == null || n.ledger().height() > best.ledger().height())) {
        best = n;
      }
    }
    if (best == null) {
      throw new EntryRejectedException("every node is offline");
    }
    return best;
  }

  /** The tip header of the most advanced online node. */
  BlockHeader tip() {
    return highest().ledger().tip().orElseThrow();
  }
}
