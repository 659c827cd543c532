package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.LongConsumer;

/**
 * A minimal test driver of protocol instances, without the simulator: messages arrive after a
 * fixed delay in send order, timers fire on time, nothing is lost. Time is advanced through a
 * callback so that the nodes' injected clocks follow it.
 */
final class DirectDriver {
  private record Timed(long at, long seq, int node, Event event) {}

  private final List<Ed25519PublicKey> keys = new ArrayList<>();
  private final List<ConsensusProtocol> nodes = new ArrayList<>();
  private final List<List<Action.Committed>> commits = new ArrayList<>();
  private final List<Action.ProposalRejected> rejections = new ArrayList<>();
  private final PriorityQueue<Timed> queue = new PriorityQueue<>(
      (x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.seq, y.seq));
  private final LongConsumer setTime;
  private final long latency;
  private long now;
  private long seq;

  DirectDriver(LongConsumer setTime, long latency) {
    this.setTime = setTime;
    this.latency = latency;
  }

  /** Adds a node; it starts at the current time. */
  int add(Ed25519PublicKey key, ConsensusProtocol p) {
    keys.add(key);
    nodes.add(p);
    commits.add(new ArrayList<>());
    queue.add(new Timed(now, seq++, nodes.size() - 1, new Event.Start()));
    return nodes.size() - 1;
  }

  /** Schedules an event for a node. */
  void at(long time, int node, Event e) {
    queue.add(new Timed(time, seq++, node, e));
  }

  /** Runs until {@code until} (driver milliseconds). */
  void runUntil(long until) {
    while (!queue.isEmpty() && queue.peek().at <= until) {
      Timed t = queue.poll();
      now = t.at;
      setTime.accept(now);
      Ed25519PublicKey from = keys.get(t.node);
      for (Action a : nodes.get(t.node).handle(t.event)) {
        if (a instanceof Action.Broadcast b) {
          byte[] bytes = b.message().encode();
          for (int j = 0; j < nodes.size(); j++) {
            if (j != t.node) {
              at(now + latency, j, new Event.MessageReceived(from, bytes));
            }
          }
        } else if (a instanceof Action.Send s) {
          at(now + latency, keys.indexOf(s.to()), new Event.MessageReceived(from, s.message().encode()));
        } else if (a instanceof Action.SetTimer st) {
          at(now + st.delay().toMillis(), t.node, new Event.TimerFired(st.timer()));
        } else if (a instanceof Action.Committed c) {
          commits.get(t.node).add(c);
        } else if (a instanceof Action.ProposalRejected r) {
          rejections.add(r);
        }
      }
    }
    now = until;
    setTime.accept(now);
  }

  List<Action.Committed> commits(int node) {
    return commits.get(node);
  }

  List<Action.ProposalRejected> rejections() {
    return rejections;
  }
}
