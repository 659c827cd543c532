package io.medledger.consensus;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a protocol: batching limits of the bookkeeper, the base round timeout and its
 * exponential backoff cap, the retransmission period, and bounds on pools and catch-up batches.
 * Immutable.
 *
 * @param maxBlockEntries a block holds at most this many entries; a full batch is proposed at once
 * @param maxBlockBytes a block's entries total at most this many bytes
 * @param maxBatchDelay the oldest pending entry waits at most this long for its batch
 * @param roundTimeout the first round timeout at a height; round k waits roundTimeout*2^min(k,cap)
 * @param maxBackoffExponent the cap of the exponential backoff
 * @param retransmitInterval period of status announcements and retransmission of own messages
 * @param maxPendingEntries bound of the pending-entry pool (further entries are dropped)
 * @param maxMessageBytes bound of one decoded message
 * @param syncBatch blocks per catch-up response
 * @param catchUpTrustsCertificates whether a block committed under a precommit certificate that
 *     verifies against the voters of its height is checked with
 *     {@link ConsensusApp#validateCertified}, which may skip the per-entry signature checks: more
 *     than f honest voters validated every entry before precommitting. This covers blocks that
 *     arrive by catch-up ({@code BlockResponse} or {@link Event.BlockDelivered}) and blocks whose
 *     quorum of precommits a node counted without having validated the block itself (a node that
 *     does not vote, such as a federation server under {@code rotating-audit}). The certificate,
 *     height, links, roots and every other rule are still checked. Never applies to proposals,
 *     which a voter always checks with {@link ConsensusApp#validate} before it votes.
 * @param maxGossipedPerShare most pending entries of one share ({@link ConsensusApp#shareOf}, for
 *     the chain a patient registration's registrar) that the gossip of one peer may hold; the
 *     excess is dropped. Each peer has its own count, apart from this node's submissions.
 */
public record ConsensusConfig(int maxBlockEntries, int maxBlockBytes, Duration maxBatchDelay,
    Duration roundTimeout, int maxBackoffExponent, Duration retransmitInterval,
    int maxPendingEntries, int maxMessageBytes, int syncBatch, boolean catchUpTrustsCertificates,
    int maxGossipedPerShare) {
  /** The default of {@link #maxGossipedPerShare()}: the node's default registrar share. */
  public static final int DEFAULT_GOSSIPED_PER_SHARE = 1024;

  public ConsensusConfig {
    Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
    Objects.requireNonNull(roundTimeout, "roundTimeout");
    Objects.requireNonNull(retransmitInterval, "retransmitInterval");
    if (maxBlockEntries < 1 || maxBlockBytes < 1 || maxBackoffExponent < 0 || maxBackoffExponent > 20
        || maxPendingEntries < 1 || maxMessageBytes < 1024 || syncBatch < 1 || maxGossipedPerShare < 1
        || roundTimeout.isNegative() || roundTimeout.isZero() || retransmitInterval.isZero()
        || retransmitInterval.isNegative() || maxBatchDelay.isNegative()) {
      throw new IllegalArgumentException("invalid consensus configuration");
    }
  }

  /** A configuration with the default {@link #maxGossipedPerShare()}. */
  public ConsensusConfig(int maxBlockEntries, int maxBlockBytes, Duration maxBatchDelay,
      Duration roundTimeout, int maxBackoffExponent, Duration retransmitInterval,
      int maxPendingEntries, int maxMessageBytes, int syncBatch, boolean catchUpTrustsCertificates) {
    this(maxBlockEntries, maxBlockBytes, maxBatchDelay, roundTimeout, maxBackoffExponent, retransmitInterval,
        maxPendingEntries, maxMessageBytes, syncBatch, catchUpTrustsCertificates, DEFAULT_GOSSIPED_PER_SHARE);
  }

  /** A configuration whose catch-up trusts certificates for entry signatures (the default). */
  public ConsensusConfig(int maxBlockEntries, int maxBlockBytes, Duration maxBatchDelay,
      Duration roundTimeout, int maxBackoffExponent, Duration retransmitInterval,
      int maxPendingEntries, int maxMessageBytes, int syncBatch) {
    this(maxBlockEntries, maxBlockBytes, maxBatchDelay, roundTimeout, maxBackoffExponent,
        retransmitInterval, maxPendingEntries, maxMessageBytes, syncBatch, true);
  }

  /**
   * Defaults for a LAN federation: 1,000-entry blocks, 100 ms batches, 1 s round timeout, 16
   * blocks per catch-up response (the node runtime's bulk sync asks for more), catch-up trusting
   * certificates for entry signatures.
   */
  public static ConsensusConfig defaults() {
    return new ConsensusConfig(1000, 4 << 20, Duration.ofMillis(100), Duration.ofSeconds(1), 6,
        Duration.ofMillis(500), 100_000, 64 << 20, 16, true, DEFAULT_GOSSIPED_PER_SHARE);
  }

  /** A copy with other batching limits. */
  public ConsensusConfig withBatching(int entries, int bytes, Duration delay) {
    return new ConsensusConfig(entries, bytes, delay, roundTimeout, maxBackoffExponent,
        retransmitInterval, maxPendingEntries, maxMessageBytes, syncBatch, catchUpTrustsCertificates,
        maxGossipedPerShare);
  }

  /** A copy with other timing. */
  public ConsensusConfig withTiming(Duration round, Duration retransmit) {
    return new ConsensusConfig(maxBlockEntries, maxBlockBytes, maxBatchDelay, round,
        maxBackoffExponent, retransmit, maxPendingEntries, maxMessageBytes, syncBatch, catchUpTrustsCertificates,
        maxGossipedPerShare);
  }

  /** A copy with another catch-up batch and verification choice. */
  public ConsensusConfig withCatchUp(int blocksPerResponse, boolean trustCertificates) {
    return new ConsensusConfig(maxBlockEntries, maxBlockBytes, maxBatchDelay, roundTimeout,
        maxBackoffExponent, retransmitInterval, maxPendingEntries, maxMessageBytes, blocksPerResponse,
        trustCertificates, maxGossipedPerShare);
  }

  /** A copy with another {@link #maxGossipedPerShare()}. */
  public ConsensusConfig withGossipedPerShare(int perShare) {
    return new ConsensusConfig(maxBlockEntries, maxBlockBytes, maxBatchDelay, roundTimeout,
        maxBackoffExponent, retransmitInterval, maxPendingEntries, maxMessageBytes, syncBatch,
        catchUpTrustsCertificates, perShare);
  }
}
