package io.medledger.chain;

import java.util.List;

/**
 * A proposer's block built from pending entries: the block (already validated against the tip),
 * the entries left out because they are invalid (with reasons: drop them), and the entries left
 * out because the block was full (keep them pending).
 *
 * <p>Immutable and thread-safe.
 *
 * @param block the validated block, ready for certification and {@link Ledger#append(VerifiedBlock, Certificate)}
 * @param rejected invalid entries and why
 * @param deferred valid-looking entries that did not fit
 */
public record BlockCandidate(VerifiedBlock block, List<RejectedEntry> rejected, List<Entry> deferred) {
  /** Copies the lists. */
  public BlockCandidate {
    Checks.notNull(block, "block");
    rejected = List.copyOf(rejected);
    deferred = List.copyOf(deferred);
  }

  /**
   * An entry a proposer left out, and why.
   *
   * @param entry the entry
   * @param reason the validation failure
   * @param forged whether it was left out for its signatures, which no state makes valid (an
   *     honest node passes no such entry on)
   */
  public record RejectedEntry(Entry entry, String reason, boolean forged) {
    /** Checks that no required component is null. */
    public RejectedEntry {
      java.util.Objects.requireNonNull(entry, "entry");
      java.util.Objects.requireNonNull(reason, "reason");
    }

    /** An entry left out for a rule that depends on the state (not {@code forged}). */
    public RejectedEntry(Entry entry, String reason) {
      this(entry, reason, false);
    }
  }
}
