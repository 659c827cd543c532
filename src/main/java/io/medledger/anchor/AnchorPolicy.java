package io.medledger.anchor;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When to anchor: every {@code everyBlocks} new blocks, or when {@code maxInterval} has passed
 * since the last anchor and at least one new block exists, whichever comes first, plus how
 * confirmations and fee bumps are handled. Immutable and thread-safe.
 *
 * @param everyBlocks anchor after this many new blocks (0 disables the block trigger)
 * @param maxInterval anchor new blocks at least this often ({@code null} disables the time trigger)
 * @param confirmationsRequired confirmations after which an anchor is final (6 by default)
 * @param bumpAfter how long a transaction may stay unconfirmed before its fee is raised
 * @param rebroadcastAfter how long an unseen broadcast waits before it is sent again
 * @param feeBumpFactor multiplier for a replace-by-fee bump (at least 1.1; BIP 125 also needs a higher absolute fee)
 * @param maxFeeRate the highest fee rate, in sat/vB, the anchorer will ever pay
 */
public record AnchorPolicy(
    long everyBlocks,
    Duration maxInterval,
    int confirmationsRequired,
    Duration bumpAfter,
    Duration rebroadcastAfter,
    double feeBumpFactor,
    long maxFeeRate) {

  /** Validates the policy. */
  public AnchorPolicy {
    Objects.requireNonNull(bumpAfter, "bumpAfter");
    Objects.requireNonNull(rebroadcastAfter, "rebroadcastAfter");
    if (everyBlocks < 0 || (everyBlocks == 0 && maxInterval == null)) {
      throw new IllegalArgumentException("a policy needs a block trigger, a time trigger, or both");
    }
    if (maxInterval != null && (maxInterval.isNegative() || maxInterval.isZero())) {
      throw new IllegalArgumentException("maxInterval must be positive");
    }
    if (confirmationsRequired < 1 || confirmationsRequired > 1000) {
      throw new IllegalArgumentException("confirmationsRequired must be in [1, 1000]");
    }
    if (!(feeBumpFactor >= 1.1 && feeBumpFactor <= 10)) {
      throw new IllegalArgumentException("feeBumpFactor must be in [1.1, 10]");
    }
    if (maxFeeRate < 1) {
      throw new IllegalArgumentException("maxFeeRate must be at least 1 sat/vB");
    }
  }

  /** Every 100 blocks or every hour, 6 confirmations, bump after 2 hours by 1.5x, at most 500 sat/vB. */
  public static AnchorPolicy defaults() {
    return new AnchorPolicy(100, Duration.ofHours(1), 6, Duration.ofHours(2), Duration.ofMinutes(10), 1.5, 500);
  }

  /**
   * Whether a new anchor is due.
   *
   * @param lastAnchoredHeight height of the last planned anchor, or -1 if none
   * @param lastAnchorTime when it was planned, or {@code null} if none
   * @param currentHeight the ledger's current height
   * @param now the current time
   */
  public boolean isDue(long lastAnchoredHeight, Instant lastAnchorTime, long currentHeight, Instant now) {
    if (currentHeight <= lastAnchoredHeight) {
      return false;
    }
    if (lastAnchoredHeight < 0) {
      return true;
    }
    if (everyBlocks > 0 && currentHeight - lastAnchoredHeight >= everyBlocks) {
      return true;
    }
    return maxInterval != null && lastAnchorTime != null
        && !now.isBefore(lastAnchorTime.plus(maxInterval));
  }
}
