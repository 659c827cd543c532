package io.medledger.node;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a {@link ProtocolDriver} and its bulk sync. Immutable; validated at construction.
 *
 * @param maxQueuedBytesPerPeer inbound bytes of one peer waiting for the event loop, each frame
 *     counted with 64 bytes more for its queue slot; further frames of that peer are dropped until
 *     the loop catches up (the protocols tolerate loss). The loop takes one waiting frame of each
 *     peer in turn, so one peer's backlog does not hold back the others'
 * @param syncInterval how often the node asks a peer for blocks past its height when it is not
 *     already fetching
 * @param syncTimeout a sync request unanswered this long counts as a failure of that peer
 * @param syncBatch most blocks asked for in one sync request
 * @param syncBackoffMax cap of a failing peer's exponential backoff
 * @param syncServeBytesPerSecond bytes of sync responses served to one peer per second, with a
 *     burst of one second's worth: a peer that asks faster has its further requests dropped
 *     unread (it times out and backs off, as an honest requester that outran the rate would),
 *     so one member's requests cannot make this node read and send without bound
 */
public record DriverOptions(long maxQueuedBytesPerPeer, Duration syncInterval, Duration syncTimeout,
    int syncBatch, Duration syncBackoffMax, long syncServeBytesPerSecond) {
  /** Most blocks one sync request may ask for. */
  public static final int MAX_SYNC_BATCH = 10_000;

  public DriverOptions {
    Objects.requireNonNull(syncInterval, "syncInterval");
    Objects.requireNonNull(syncTimeout, "syncTimeout");
    Objects.requireNonNull(syncBackoffMax, "syncBackoffMax");
    if (maxQueuedBytesPerPeer < TransportLimits.MIN_FRAME_BYTES) {
      throw new IllegalArgumentException("maxQueuedBytesPerPeer must be at least " + TransportLimits.MIN_FRAME_BYTES);
    }
    if (syncBatch < 1 || syncBatch > MAX_SYNC_BATCH) {
      throw new IllegalArgumentException("syncBatch must be 1.." + MAX_SYNC_BATCH);
    }
    if (syncInterval.isNegative() || syncInterval.isZero() || syncTimeout.isNegative() || syncTimeout.isZero()
        || syncBackoffMax.compareTo(syncInterval) < 0) {
      throw new IllegalArgumentException("sync timings must be positive and syncBackoffMax >= syncInterval");
    }
    if (syncServeBytesPerSecond < TransportLimits.MIN_FRAME_BYTES) {
      throw new IllegalArgumentException("syncServeBytesPerSecond must be at least " + TransportLimits.MIN_FRAME_BYTES);
    }
  }

  /**
   * Defaults: 64 MiB queued per peer, sync probe every second, 5 s request timeout, 256 blocks per
   * request, 30 s backoff cap, 64 MiB/s of sync responses per peer (about 2,400 blocks a second of
   * the sync benchmark's mixed workload, 27 KB each: more than twice the catch-up target).
   */
  public static DriverOptions defaults() {
    return new DriverOptions(64L << 20, Duration.ofSeconds(1), Duration.ofSeconds(5), 256, Duration.ofSeconds(30),
        64L << 20);
  }

  /** A copy with other sync settings. */
  public DriverOptions withSync(Duration interval, Duration timeout, int batch, Duration backoffMax) {
    return new DriverOptions(maxQueuedBytesPerPeer, interval, timeout, batch, backoffMax, syncServeBytesPerSecond);
  }

  /** A copy with another rate of sync responses served per peer. */
  public DriverOptions withSyncServeRate(long bytesPerSecond) {
    return new DriverOptions(maxQueuedBytesPerPeer, syncInterval, syncTimeout, syncBatch, syncBackoffMax,
        bytesPerSecond);
  }
}
