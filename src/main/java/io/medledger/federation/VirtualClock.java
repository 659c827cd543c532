package io.medledger.federation;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that follows a base clock plus an offset that a driver moves forward, so that consensus
 * timers can fire in virtual time (no sleeping) while the time seen by the ledger keeps running.
 * It never goes backwards.
 *
 * <p>Thread-safe.
 */
public final class VirtualClock extends Clock {
  private final Clock base;
  private final AtomicLong offset = new AtomicLong();
  private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

  /** A clock that starts at {@code base}'s time. */
  public VirtualClock(Clock base) {
    this.base = Objects.requireNonNull(base, "base");
  }

  /** Moves this clock forward to at least {@code epochMillis}. */
  public void advanceTo(long epochMillis) {
    long now = millis();
    if (epochMillis > now) {
      offset.addAndGet(epochMillis - now);
    }
  }

  @Override
  public long millis() {
    long t = base.millis() + offset.get();
    return last.accumulateAndGet(t, Math::max);
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
