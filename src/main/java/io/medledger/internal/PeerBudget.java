package io.medledger.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a node spends serving each peer (bytes, responses), as one token bucket per peer that may
 * go into debt: a peer is served while its balance is positive, the cost of what it was served is
 * then charged in full, and the balance refills at a fixed rate up to a burst. So a peer that asks
 * faster than the rate gets at most the rate plus one burst plus one answer, and its requests
 * beyond that cost only this check; other peers' budgets are untouched. Time is passed in
 * (milliseconds).
 *
 * <p>At most a fixed number of peers are tracked. When a peer not tracked comes and the table is
 * full, the peer touched least recently is forgotten if its balance has refilled (forgetting it
 * gives nothing away); otherwise the newcomer is not tracked and shares one bucket, of the same
 * rate and burst, with every other peer not tracked. So neither many keys nor keys that come and
 * go (members that leave, clients that never return) grow the table, a peer in debt is never
 * forgotten, and each call does constant work.
 *
 * <p>Not thread-safe: one event loop owns it.
 *
 * @param <K> the peer's identity (an authenticated key)
 */
public final class PeerBudget<K> {
  /** Peers tracked by default. */
  static final int MAX_TRACKED = 256;

  private static final class Bucket {
    long balance;
    long at;

    Bucket(long balance, long at) {
      this.balance = balance;
      this.at = at;
    }
  }

  private final long perSecond;
  private final long burst;
  private final int maxTracked;
  /** In order of last use, least recent first. */
  private final LinkedHashMap<K, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);
  /** Shared by the peers not tracked while the table is full of peers still refilling; made on first use. */
  private Bucket others;
  /** The latest time passed in, for a charge to a peer not tracked yet. */
  private long latest = Long.MIN_VALUE;

  /**
   * A budget refilling at {@code perSecond} up to {@code burst} per peer, tracking at most
   * {@link #MAX_TRACKED} peers; a new peer starts full.
   *
   * @throws IllegalArgumentException if either is not positive
   */
  public PeerBudget(long perSecond, long burst) {
    this(perSecond, burst, MAX_TRACKED);
  }

  /**
   * As {@link #PeerBudget(long, long)}, tracking at most {@code maxTracked} peers.
   *
   * @throws IllegalArgumentException if any is not positive
   */
  public PeerBudget(long perSecond, long burst, int maxTracked) {
    if (perSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("rate and burst must be positive");
    }
    if (maxTracked < 1) {
      throw new IllegalArgumentException("maxTracked must be positive");
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.maxTracked = maxTracked;
  }

  /** Whether {@code peer} may be served at {@code nowMillis}: its balance, refilled to then, is positive. */
  public boolean allows(K peer, long nowMillis) {
    latest = Math.max(latest, nowMillis);
    Bucket b = bucket(peer, nowMillis);
    refill(b, nowMillis);
    return b.balance > 0;
  }

  /** Whether {@code peer} may be served one unit at {@code nowMillis} ({@link #allows}); if so, charges it. */
  public boolean take(K peer, long nowMillis) {
    if (!allows(peer, nowMillis)) {
      return false;
    }
    charge(peer, 1);
    return true;
  }

  /** Charges {@code cost} (not negative) to {@code peer} for what it was just served. */
  public void charge(K peer, long cost) {
    if (cost < 0) {
      throw new IllegalArgumentException("cost must not be negative");
    }
    Bucket b = bucket(peer, latest == Long.MIN_VALUE ? 0 : latest);
    b.balance = Math.max(-Long.MAX_VALUE / 2, b.balance - cost);
  }

  /** The balance of {@code peer} at {@code nowMillis} (that of the bucket it would be served from, if not tracked). */
  public long balance(K peer, long nowMillis) {
    Bucket b = buckets.get(peer);
    if (b == null) {
      if (others == null || buckets.size() < maxTracked || eldestRefilled(nowMillis)) {
        return burst;
      }
      b = others;
    }
    refill(b, nowMillis);
    return b.balance;
  }

  /** Peers tracked now (at most the limit given at construction). */
  public int tracked() {
    return buckets.size();
  }

  /** The bucket of {@code peer}: its own (made if there is room), else the one shared by the others. */
  private Bucket bucket(K peer, long now) {
    Bucket b = buckets.get(peer);
    if (b != null) {
      return b;
    }
    if (buckets.size() >= maxTracked) {
      if (!eldestRefilled(now)) {
        if (others == null) {
          others = new Bucket(burst, now);
        }
        return others;
      }
      Iterator<Bucket> it = buckets.values().iterator();
      it.next();
      it.remove();
    }
    b = new Bucket(burst, now);
    buckets.put(peer, b);
    return b;
  }

  /** Whether the peer touched least recently has refilled its bucket by {@code now}. */
  private boolean eldestRefilled(long now) {
    Map.Entry<K, Bucket> eldest = buckets.entrySet().iterator().next();
    Bucket e = eldest.getValue();
    refill(e, now);
    return e.balance >= burst;
  }

  private void refill(Bucket b, long now) {
    long elapsed = now - b.at;
    if (elapsed <= 0) {
      return; // the clock stood still or went back: no refill, and none owed later
    }
    long gained = elapsed >= Long.MAX_VALUE / perSecond ? Long.MAX_VALUE : elapsed * perSecond / 1000;
    if (gained == 0) {
      return; // keep the time, so that short steps add up
    }
    b.balance = b.balance > burst - gained ? burst : b.balance + gained;
    b.at = now;
  }
}
