package io.medledger.consensus;

import java.util.List;

/**
 * A consensus protocol as a sans-IO state machine: the driver feeds it {@link Event}s one at a
 * time and carries out the returned {@link Action}s in order. It performs no I/O of its own
 * except through the injected {@link ConsensusApp} (block store) and {@link SafetyStore}; time and
 * randomness come from its {@link ConsensusContext}. The first event must be {@link Event.Start}.
 *
 * <p>Not thread-safe: one driver thread calls {@link #handle} at a time.
 */
public interface ConsensusProtocol {
  /** Processes one event and returns the actions it causes (possibly none). */
  List<Action> handle(Event event);

  /** The height being decided (committed height + 1). */
  long height();

  /** The current round at {@link #height()}. */
  int round();

  /** The protocol's registered name (e.g. {@code rotating-audit}). */
  String name();

  /**
   * An estimate of the bytes of peer messages this instance holds for later (proposed blocks,
   * votes, buffered messages of the next height, equivocation records), excluding the pending
   * entry pool, which its configuration bounds. For monitoring and for the simulator's bounded
   * memory invariant; the default, for protocols that keep none, is 0.
   */
  default long retainedBytes() {
    return 0;
  }
}
