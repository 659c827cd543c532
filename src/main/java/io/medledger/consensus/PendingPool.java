package io.medledger.consensus;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bounded pool of entries waiting for a block, in arrival order: at most {@code capacity}
 * entries, each at most {@code maxEntryBytes}; entries gossiped by one peer take at most
 * 1/members of it (local submissions may take all of it), and at most {@code perShare} of one
 * share (an entry's {@link ConsensusApp#shareOf}); an entry already pending or recently committed
 * is refused. Each peer's share counts are its own: one peer's gossip never takes the room of
 * another's, or of this node's submissions. Not thread-safe.
 */
final class PendingPool {
  /**
   * One pending entry: when it arrived, whether it was submitted here, who gossiped it, and (local
   * entries) when it is next due for re-gossip and the wait after that.
   */
  private static final class Pending {
    final byte[] entry;
    final long arrival;
    final boolean local;
    final Ed25519PublicKey from;
    /** The peer and share this gossiped entry counts against, or null. */
    final PeerShare share;
    long regossipAt = -1;
    long regossipWait;

    Pending(byte[] entry, long arrival, boolean local, Ed25519PublicKey from, PeerShare share) {
      this.entry = entry;
      this.arrival = arrival;
      this.local = local;
      this.from = from;
      this.share = share;
    }
  }

  /** One peer's gossiped entries of one share. */
  private record PeerShare(Ed25519PublicKey peer, Digest share) {}

  private final int capacity;
  private final int maxEntryBytes;
  private final LinkedHashMap<Digest, Pending> pool = new LinkedHashMap<>();
  /** The local entries of {@link #pool}, in arrival order (re-gossip scans only these). */
  private final LinkedHashMap<Digest, Pending> local = new LinkedHashMap<>();
  private final LinkedHashMap<Digest, Boolean> recentlyCommitted;
  private final Map<Ed25519PublicKey, Integer> bySender = new HashMap<>();
  /** Gossiped entries per peer and share (at most one key per pending entry). */
  private final Map<PeerShare, Integer> byShare = new HashMap<>();
  private final int perShare;
  private final java.util.function.Function<byte[], java.util.Optional<Digest>> shareOf;
  private long bytes;
  private int members = 1;

  /** A pool of {@code capacity} entries; the last {@code recentLimit} committed entries are refused. */
  PendingPool(int capacity, int maxEntryBytes, int recentLimit) {
    this(capacity, maxEntryBytes, recentLimit, Integer.MAX_VALUE, e -> java.util.Optional.empty());
  }

  /**
   * As above, one peer's gossip holding at most {@code perShare} entries of each share that
   * {@code shareOf} names (asked only for gossiped entries the other bounds admit).
   */
  PendingPool(int capacity, int maxEntryBytes, int recentLimit, int perShare,
      java.util.function.Function<byte[], java.util.Optional<Digest>> shareOf) {
    this.capacity = capacity;
    this.maxEntryBytes = maxEntryBytes;
    this.perShare = perShare;
    this.shareOf = shareOf;
    this.recentlyCommitted = new LinkedHashMap<>(256, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
        return size() > recentLimit;
      }
    };
  }

  /** Sets the number of members that share the pool (the per-peer quota is capacity/members). */
  void members(int n) {
    this.members = n;
  }

  /** The share of the pool that entries gossiped by one peer may take. */
  int perPeerQuota() {
    return Math.max(1, capacity / Math.max(1, members));
  }

  /** Adds an entry submitted locally ({@code from} null) or gossiped by peer {@code from}; false if refused. */
  boolean add(byte[] entry, long now, boolean local, Ed25519PublicKey from) {
    if (pool.size() >= capacity || entry.length > maxEntryBytes) {
      return false;
    }
    if (from != null && bySender.getOrDefault(from, 0) >= perPeerQuota()) {
      return false;
    }
    Digest d = Sha256.hash(entry);
    if (pool.containsKey(d) || recentlyCommitted.containsKey(d)) {
      return false;
    }
    PeerShare share = null;
    if (from != null) {
      Digest s = shareOf.apply(entry).orElse(null);
      share = s == null ? null : new PeerShare(from, s);
      if (share != null && byShare.getOrDefault(share, 0) >= perShare) {
        return false;
      }
    }
    Pending p = new Pending(entry, now, local, from, share);
    pool.put(d, p);
    if (local) {
      this.local.put(d, p);
    }
    bytes += entry.length;
    if (from != null) {
      bySender.merge(from, 1, Integer::sum);
    }
    if (share != null) {
      byShare.merge(share, 1, Integer::sum);
    }
    return true;
  }

  /**
   * Removes the entry with digest {@code d}, if pending; returns the peer that gossiped it, or null
   * (not pending, or submitted here).
   */
  Ed25519PublicKey remove(Digest d) {
    Pending p = pool.remove(d);
    local.remove(d);
    if (p == null) {
      return null;
    }
    bytes -= p.entry.length;
    if (p.from != null) {
      bySender.computeIfPresent(p.from, (k, c) -> c <= 1 ? null : c - 1);
    }
    if (p.share != null) {
      byShare.computeIfPresent(p.share, (k, c) -> c <= 1 ? null : c - 1);
    }
    return p.from;
  }

  /** Records a committed entry: it leaves the pool and is refused while it is recent. */
  void committed(byte[] entry) {
    Digest d = Sha256.hash(entry);
    recentlyCommitted.put(d, Boolean.TRUE);
    remove(d);
  }

  boolean isEmpty() {
    return pool.isEmpty();
  }

  int size() {
    return pool.size();
  }

  /** The total size of the pending entries. */
  long bytes() {
    return bytes;
  }

  /** The entries pending from peer {@code from}. */
  int from(Ed25519PublicKey from) {
    return bySender.getOrDefault(from, 0);
  }

  /** The entries of share {@code share} pending from peer {@code from}'s gossip. */
  int from(Ed25519PublicKey from, Digest share) {
    return byShare.getOrDefault(new PeerShare(from, share), 0);
  }

  /** The arrival time of the oldest pending entry; the pool must not be empty. */
  long oldestArrival() {
    return pool.values().iterator().next().arrival;
  }

  /**
   * Up to {@code maxEntries} entries and {@code maxBytes} bytes, in arrival order. When the pool
   * holds more, they are chosen in turns among their sources (this node's submissions, and each
   * peer's gossip), oldest first within each source: a peer that keeps its share of the pool full
   * (of entries that will be refused, say) takes one turn in each round, not the whole block.
   */
  List<byte[]> batch(int maxEntries, long maxBytes) {
    List<byte[]> batch = new ArrayList<>();
    if (pool.size() <= maxEntries && bytes <= maxBytes) {
      for (Pending p : pool.values()) {
        batch.add(p.entry);
      }
      return batch;
    }
    Map<Ed25519PublicKey, ArrayDeque<Pending>> sources = new LinkedHashMap<>(); // this node's under null
    for (Pending p : pool.values()) {
      ArrayDeque<Pending> q = sources.computeIfAbsent(p.from, k -> new ArrayDeque<>());
      if (q.size() < maxEntries) {
        q.add(p);
      }
    }
    Set<Pending> chosen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    long total = 0;
    boolean full = false;
    while (!full && chosen.size() < maxEntries) {
      boolean took = false;
      for (ArrayDeque<Pending> q : sources.values()) {
        Pending p = q.peek();
        if (p == null) {
          continue;
        }
        if (chosen.size() >= maxEntries || total + p.entry.length > maxBytes) {
          full = true;
          break;
        }
        q.poll();
        chosen.add(p);
        total += p.entry.length;
        took = true;
      }
      full |= !took;
    }
    for (Pending p : pool.values()) {
      if (batch.size() == chosen.size()) {
        break;
      }
      if (chosen.contains(p)) {
        batch.add(p.entry);
      }
    }
    return batch;
  }

  /**
   * Up to {@code max} local entries due for re-gossip at {@code now}, oldest first: an entry is
   * due {@code first} ms after it arrived, then after waits that double up to {@code cap} ms. So
   * an entry that waits long for a block (a backlog) is re-sent a few times, not on every tick.
   */
  List<byte[]> regossipDue(long now, long first, long cap, int max) {
    List<byte[]> again = new ArrayList<>();
    for (Pending p : local.values()) {
      if (again.size() >= max) {
        break;
      }
      if (p.regossipAt < 0) {
        if (p.arrival + first > now) {
          break; // never sent and not yet due: nor is any later arrival (arrival times do not decrease)
        }
        p.regossipAt = p.arrival + first;
        p.regossipWait = first;
      }
      if (p.regossipAt <= now) {
        again.add(p.entry);
        p.regossipWait = Math.min(cap, 2 * p.regossipWait);
        p.regossipAt = now + p.regossipWait;
      }
    }
    return again;
  }
}
