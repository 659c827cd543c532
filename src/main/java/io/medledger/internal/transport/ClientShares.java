package io.medledger.internal.transport;

import io.medledger.node.TransportLimits;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Each client key's share of the client endpoint: its open connections, at most
 * {@code maxConnections}, and one inbound rate for all of them, kept after its last connection
 * closes until the rate has refilled (so reconnecting does not refill it). Keys without
 * connections whose rate is still refilling are remembered until {@link #FORGET_AT} keys are, or
 * twice as many as the last look kept; then those whose rate has refilled are forgotten. So what
 * is remembered is the keys holding connections or refilling, or fewer than the threshold, and
 * each look over all keys is paid for by at least as many claims since the last. Time is passed
 * in (nanoseconds).
 *
 * <p>Not thread-safe: the endpoint's one event loop owns it.
 *
 * @param <K> the client key
 */
final class ClientShares<K> {
  /** Keys remembered before those without connections and with a refilled rate are forgotten. */
  static final int FORGET_AT = 1024;

  /** One key's share: its connections and its inbound rate. */
  static final class Share {
    final InboundRate rate;
    private int connections;

    private Share(InboundRate rate) {
      this.rate = rate;
    }
  }

  private final TransportLimits limits;
  private final int maxConnections;
  private final Map<K, Share> shares = new HashMap<>();
  private int forgetAt = FORGET_AT;
  private long visited;

  /** Shares of rates under {@code limits}, each key holding at most {@code maxConnections} at once. */
  ClientShares(TransportLimits limits, int maxConnections) {
    this.limits = Objects.requireNonNull(limits, "limits");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("a key must be allowed a connection");
    }
    this.maxConnections = maxConnections;
  }

  /**
   * Counts one more connection of {@code key} and returns its share, with a full rate if the key
   * is not remembered; null if it already holds {@code maxConnections}.
   */
  Share claim(K key, long nowNanos) {
    Objects.requireNonNull(key, "key");
    if (shares.size() >= forgetAt) {
      visited += shares.size();
      shares.values().removeIf(s -> s.connections == 0 && s.rate.isFull(nowNanos));
      forgetAt = Math.max(FORGET_AT, 2 * shares.size());
    }
    Share s = shares.computeIfAbsent(key, k -> new Share(new InboundRate(limits, nowNanos)));
    if (s.connections >= maxConnections) {
      return null;
    }
    s.connections++;
    return s;
  }

  /** A connection of {@code key} that {@link #claim} counted in {@code share} closed. */
  void release(K key, Share share, long nowNanos) {
    if (share.connections > 0 && --share.connections == 0 && share.rate.isFull(nowNanos)) {
      shares.remove(key, share);
    }
  }

  /** Keys remembered. */
  int size() {
    return shares.size();
  }

  /** Shares looked at by the looks over all keys so far: what they cost. */
  long visited() {
    return visited;
  }
}
