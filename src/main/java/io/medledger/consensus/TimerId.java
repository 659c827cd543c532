package io.medledger.consensus;

import java.util.Objects;

/**
 * Names a timer a protocol asked for; the driver hands it back in {@link Event.TimerFired}.
 * Protocols ignore fired timers they no longer expect, so drivers need not cancel. Immutable.
 */
public record TimerId(String name, long height, int round, long sequence) {
  public TimerId {
    Objects.requireNonNull(name, "name");
  }
}
