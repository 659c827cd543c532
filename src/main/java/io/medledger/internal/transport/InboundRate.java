package io.medledger.internal.transport;

import io.medledger.node.TransportLimits;

/**
 * One second's worth of inbound bytes and frames that a connection, or all connections of one key,
 * may use: two token buckets refilling at {@link TransportLimits#inboundBytesPerSecond()} and
 * {@link TransportLimits#inboundFramesPerSecond()}. Charging a frame may take them below zero; the
 * reader then pauses until the deficit has refilled. Time is passed in (nanoseconds).
 *
 * <p>Not thread-safe: one event loop owns it.
 */
final class InboundRate {
  private final long bytesPerSecond;
  private final int framesPerSecond;
  private double byteTokens;
  private double frameTokens;
  private long lastRefill;

  /** Full buckets at {@code nowNanos}. */
  InboundRate(TransportLimits limits, long nowNanos) {
    this.bytesPerSecond = limits.inboundBytesPerSecond();
    this.framesPerSecond = limits.inboundFramesPerSecond();
    this.byteTokens = bytesPerSecond;
    this.frameTokens = framesPerSecond;
    this.lastRefill = nowNanos;
  }

  /** Charges one frame of {@code bytes}; whether the buckets are then in deficit. */
  boolean charge(int bytes, long nowNanos) {
    refill(nowNanos);
    byteTokens -= bytes;
    frameTokens -= 1;
    return deficit();
  }

  /** Whether the buckets, refilled to {@code nowNanos}, are still in deficit. */
  boolean inDeficit(long nowNanos) {
    refill(nowNanos);
    return deficit();
  }

  /** Whether both buckets, refilled to {@code nowNanos}, are full: forgetting them then gives nothing away. */
  boolean isFull(long nowNanos) {
    refill(nowNanos);
    return byteTokens >= bytesPerSecond && frameTokens >= framesPerSecond;
  }

  /** How long until the current deficit has refilled (at least 1 ms). */
  long millisToRefill() {
    double wait = Math.max(-byteTokens / bytesPerSecond, -frameTokens / framesPerSecond);
    return Math.max(1, (long) Math.ceil(wait * 1000));
  }

  private boolean deficit() {
    return byteTokens < 0 || frameTokens < 0;
  }

  private void refill(long nowNanos) {
    double secs = Math.max(0, nowNanos - lastRefill) / 1e9;
    lastRefill = Math.max(lastRefill, nowNanos);
    byteTokens = Math.min(bytesPerSecond, byteTokens + secs * bytesPerSecond);
    frameTokens = Math.min(framesPerSecond, frameTokens + secs * framesPerSecond);
  }
}
