package io.medledger.consensus;

import java.util.Arrays;

/**
 * Whom a lagging node asks for committed blocks: peers that claimed (in a signed status) to be
 * ahead, asked one at a time in turn, with at most one request outstanding; a peer whose answer
 * did not advance the node is backed off exponentially. A flood of status messages from one peer
 * only refreshes that peer's claim, so it can never draw more than its turn. State is one claim
 * and one backoff per peer index. Not thread-safe.
 */
final class CatchUpPeers {
  /** The cap on the backoff exponent: a failing peer waits at most 64 request intervals. */
  static final int MAX_BACKOFF_EXPONENT = 6;

  private final long[] claimed;
  private final long[] notBefore;
  private final int[] failures;
  private final int self;
  private int cursor;
  private int asked = -1;
  private long askedAt;
  private long askedFrom;

  /** Tracks {@code peers} peer indices; {@code self} (or -1) is never chosen. */
  CatchUpPeers(int peers, int self) {
    this.claimed = new long[peers];
    this.notBefore = new long[peers];
    this.failures = new int[peers];
    this.self = self;
    this.cursor = Math.max(self, 0);
    Arrays.fill(claimed, -1);
    Arrays.fill(notBefore, Long.MIN_VALUE);
  }

  /** Records that {@code peer} claims {@code committedHeight} (claims never go down). */
  void claim(int peer, long committedHeight) {
    if (peer >= 0 && peer < claimed.length && peer != self) {
      claimed[peer] = Math.max(claimed[peer], committedHeight);
    }
  }

  /** The peer last asked, or -1. */
  int outstanding() {
    return asked;
  }

  /** The current backoff failures of {@code peer} (for tests). */
  int failures(int peer) {
    return failures[peer];
  }

  /**
   * The next peer to ask for blocks from {@code height} at {@code now}, or -1: first settles the
   * outstanding request (answered when the height moved past where it was asked; otherwise, once
   * {@code interval} passed, counted as a failure), then takes the next peer in turn that claims
   * at least {@code height} and is not backed off.
   */
  int next(long height, long now, long interval) {
    if (asked >= 0) {
      if (height > askedFrom) {
        failures[asked] = 0;
        notBefore[asked] = Long.MIN_VALUE;
      } else if (now - askedAt < interval) {
        return -1;
      } else {
        failures[asked] = Math.min(failures[asked] + 1, MAX_BACKOFF_EXPONENT);
        notBefore[asked] = now + (interval << failures[asked]);
      }
      asked = -1;
    }
    int n = claimed.length;
    for (int i = 1; i <= n; i++) {
      int p = (cursor + i) % n;
      if (p != self && claimed[p] >= height && now >= notBefore[p]) {
        cursor = p;
        asked = p;
        askedAt = now;
        askedFrom = height;
        return p;
      }
    }
    return -1;
  }
}
