package io.medledger.chain;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A test clock whose time is set and advanced explicitly. Thread-safe. */
public final class MutableClock extends Clock {
  private final AtomicLong millis;

  /** A clock at {@code startMillis}. */
  public MutableClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  /** Moves the clock forward. */
  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }

  /** Sets the time. */
  public void set(long epochMillis) {
    millis.set(epochMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }
}
