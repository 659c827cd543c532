package io.medledger.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * What a node spends serving each peer (bytes, responses), as one token bucket per peer that may
 * go into debt: a peer is served while its balance is positive, the cost of what it was served is
 * then charged in full, and the balance refills at a fixed rate up to a burst. So a peer that asks
 * faster than the rate gets at most the rate plus one burst plus one answer, and its requests
 * beyond that cost only this check; other peers' budgets are untouched. Peers at a full balance
 * are forgotten once more than {@value #MAX_TRACKED} are tracked. Time is passed in (milliseconds).
 *
 * <p>Not thread-safe: one event loop owns it.
 *
 * @param <K> the peer's identity (an authenticated key)
 */
public final class PeerBudget<K> {
  /** Peers tracked before those at a full balance are forgotten. */
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
  private final Map<K, Bucket> buckets = new HashMap<>();

  /**
   * A budget refilling at {@code perSecond} up to {@code burst} per peer; a new peer starts full.
   *
   * @throws IllegalArgumentException if either is not positive
   */
  public PeerBudget(long perSecond, long burst) {
    if (perSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("rate and burst must be positive");
    }
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** Whether {@code peer} may be served at {@code nowMillis}: its balance, refilled to then, is positive. */
  public boolean allows(K peer, long nowMillis) {
    Bucket b = buckets.get(peer);
    if (b == null) {
      if (buckets.size() >= MAX_TRACKED) {
        forgetFull(nowMillis);
      }
      buckets.put(peer, new Bucket(burst, nowMillis));
      return true;
    }
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
    Bucket b = buckets.get(peer);
    if (b != null) {
      b.balance = Math.max(-Long.MAX_VALUE / 2, b.balance - cost);
    }
  }

  /** The balance of {@code peer} at {@code nowMillis} (the burst for a peer never seen). */
  public long balance(K peer, long nowMillis) {
    Bucket b = buckets.get(peer);
    if (b == null) {
      return burst;
    }
    refill(b, nowMillis);
    return b.balance;
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

  private void forgetFull(long now) {
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      Bucket b = it.next();
      refill(b, now);
      if (b.balance >= burst) {
        it.remove();
      }
    }
  }
}
