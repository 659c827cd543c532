package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NodeFrames.SyncRequest;
import io.medledger.internal.transport.NodeFrames.SyncResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sans-IO core of bulk sync: which peer to ask next for which blocks, and what a peer's answer
 * is worth. At most two requests are outstanding, both to the same peer: the one being answered and,
 * once that peer's answer has begun to commit, a request for the blocks after it ({@link
 * #prefetch}), so that the peer serves and the network carries the next response while this one is
 * applied. Peers are tried one by one in turn; a peer that times out, answers garbage, claims a
 * height it does not serve, or sends blocks that do not commit is backed off exponentially, so a
 * lying peer costs at most one timeout per backoff period and cannot stall the node while another
 * peer serves it. A peer that makes progress is asked again at once. It trusts no peer: the blocks
 * go through the protocol, which checks each certificate against the membership at its height and
 * each block with every chain rule (its entry signatures covered by that certificate) before it
 * appends.
 *
 * <p>Not thread-safe: the driver's event loop owns it. Time is passed in (milliseconds).
 */
final class BlockSync {
  private static final class PeerState {
    int failures;
    long notBefore;
    long claimed;
  }

  private record Outstanding(Ed25519PublicKey peer, SyncRequest request, long sentAt) {}

  private final DriverOptions options;
  private final Map<Ed25519PublicKey, PeerState> peers = new HashMap<>();
  private final List<Ed25519PublicKey> order = new ArrayList<>();
  private int cursor;
  /** The request being answered first, then at most one prefetched request to the same peer. */
  private final ArrayDeque<Outstanding> outstanding = new ArrayDeque<>(2);
  private long nextProbe;

  BlockSync(DriverOptions options) {
    this.options = options;
  }

  /**
   * The request to send now, if any, given the local committed height and the peers currently
   * connected. Also expires an outstanding request that timed out (a failure of its peer).
   */
  Optional<Map.Entry<Ed25519PublicKey, SyncRequest>> poll(long now, long committedHeight,
      Collection<Ed25519PublicKey> connected) {
    Outstanding head = outstanding.peekFirst();
    if (head != null) {
      if (now - head.sentAt < options.syncTimeout().toMillis()) {
        return Optional.empty();
      }
      fail(head.peer, now);
      outstanding.clear();
    }
    for (Ed25519PublicKey k : connected) {
      if (!peers.containsKey(k)) {
        peers.put(k, new PeerState());
        order.add(k);
      }
    }
    order.removeIf(k -> !connected.contains(k) && peers.remove(k) != null);
    if (order.isEmpty()) {
      return Optional.empty();
    }
    boolean behind = false;
    for (PeerState s : peers.values()) {
      behind |= s.claimed > committedHeight;
    }
    if (!behind && now < nextProbe) {
      return Optional.empty();
    }
    for (int i = 0; i < order.size(); i++) {
      Ed25519PublicKey k = order.get((cursor + i) % order.size());
      PeerState s = peers.get(k);
      if (s.notBefore > now || (behind && s.claimed <= committedHeight)) {
        continue;
      }
      cursor = (cursor + i + 1) % order.size();
      return Optional.of(request(k, committedHeight, now));
    }
    if (behind) {
      // every peer claiming more is backed off: probe the others for their heights
      for (int i = 0; i < order.size(); i++) {
        Ed25519PublicKey k = order.get((cursor + i) % order.size());
        if (peers.get(k).notBefore <= now) {
          cursor = (cursor + i + 1) % order.size();
          return Optional.of(request(k, committedHeight, now));
        }
      }
    }
    return Optional.empty();
  }

  private Map.Entry<Ed25519PublicKey, SyncRequest> request(Ed25519PublicKey k, long committedHeight, long now) {
    SyncRequest q = new SyncRequest(committedHeight + 1, options.syncBatch());
    outstanding.addLast(new Outstanding(k, q, now));
    nextProbe = now + options.syncInterval().toMillis();
    return Map.entry(k, q);
  }

  /**
   * The request for the blocks after {@code r} to send now to {@code from}, if any: only while
   * {@code r} is the expected response, nothing is prefetched yet, {@code r} is not empty, and its
   * peer claims blocks beyond it. Call it once the first block of {@code r} has committed, so that a
   * peer whose answer does not commit is never asked again before it is backed off.
   */
  Optional<Map.Entry<Ed25519PublicKey, SyncRequest>> prefetch(Ed25519PublicKey from, SyncResponse r, long now) {
    if (outstanding.size() != 1 || !expects(from, r) || r.blocks().isEmpty()) {
      return Optional.empty();
    }
    long next = r.fromHeight() + r.blocks().size();
    if (r.claimedHeight() < next) {
      return Optional.empty();
    }
    SyncRequest q = new SyncRequest(next, options.syncBatch());
    outstanding.addLast(new Outstanding(from, q, now));
    return Optional.of(Map.entry(from, q));
  }

  /** Whether {@code r} from {@code from} answers the first outstanding request (otherwise ignore it). */
  boolean expects(Ed25519PublicKey from, SyncResponse r) {
    Outstanding head = outstanding.peekFirst();
    return head != null && head.peer.equals(from) && head.request.fromHeight() == r.fromHeight()
        && r.blocks().size() <= head.request.count();
  }

  /**
   * The index of the first block of the expected response {@code r} to apply at local height
   * {@code committedHeight}, or -1 when {@code r} brings nothing new (then call {@link #stale}).
   * Blocks that the node committed by other means while {@code r} was on its way (the protocol's
   * own catch-up, or consensus) are skipped, not thrown away with the rest of the response; the
   * skipped blocks count as committed in {@link #completed}.
   */
  int firstToApply(SyncResponse r, long committedHeight) {
    long skip = committedHeight + 1 - r.fromHeight();
    if (skip < 0 || (skip > 0 && skip >= r.blocks().size())) {
      return -1;
    }
    return (int) skip;
  }

  /**
   * Records the outcome of the expected response: {@code committed} of its blocks were appended,
   * and the local height is now {@code committedHeight}. A prefetched request, if any, becomes the
   * expected one, unless this response did not commit in full, which drops it. Returns whether to
   * poll again at once (never while a prefetched request is awaited).
   */
  boolean completed(Ed25519PublicKey from, SyncResponse r, int committed, long committedHeight, long now) {
    outstanding.pollFirst();
    PeerState s = peers.get(from);
    if (s == null) {
      outstanding.clear();
      return false;
    }
    s.claimed = r.claimedHeight();
    boolean lied = committed < r.blocks().size() || (r.blocks().isEmpty() && r.claimedHeight() >= r.fromHeight());
    if (lied) {
      outstanding.clear();
      fail(from, now);
      return true;
    }
    s.failures = 0;
    s.notBefore = 0;
    Outstanding next = outstanding.pollFirst();
    if (next != null && next.request.fromHeight() == committedHeight + 1) {
      // its wait starts now: the time spent applying this response is not the peer's delay
      outstanding.addFirst(new Outstanding(next.peer, next.request, now));
    }
    return outstanding.isEmpty() && committed > 0 && r.claimedHeight() > committedHeight;
  }

  /** The expected response came after the node advanced by other means: no one's fault. */
  void stale() {
    outstanding.clear();
  }

  /** A response from the peer asked that could not be decoded: a failure of that peer. */
  void malformed(Ed25519PublicKey from, long now) {
    Outstanding head = outstanding.peekFirst();
    if (head != null && head.peer.equals(from)) {
      outstanding.clear();
      fail(from, now);
    }
  }

  private void fail(Ed25519PublicKey peer, long now) {
    PeerState s = peers.get(peer);
    if (s == null) {
      return;
    }
    s.failures = Math.min(s.failures + 1, 30);
    s.claimed = 0;
    long backoff = Math.min(options.syncBackoffMax().toMillis(),
        options.syncInterval().toMillis() << Math.min(s.failures - 1, 20));
    s.notBefore = now + backoff;
  }

  /** The height the most advanced non-failing peer claims (0 when none), for status reports. */
  long bestClaim() {
    long best = 0;
    for (PeerState s : peers.values()) {
      if (s.failures == 0) {
        best = Math.max(best, s.claimed);
      }
    }
    return best;
  }
}
