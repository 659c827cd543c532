package io.medledger.anchor;

import io.medledger.crypto.Digest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The persistent state of one anchor. Immutable and thread-safe; the {@link Anchorer} replaces
 * records as the anchor moves on.
 *
 * @param commitment what is anchored
 * @param status where the anchor is
 * @param plannedAt when it was planned
 * @param attempts every transaction sent for it, oldest first (a later one replaces an earlier one by fee)
 * @param confirmation where it confirmed, once it has
 * @param updatedAt the time of the last change
 * @param lastError the last network error met, or {@code null}
 */
public record AnchorRecord(
    AnchorCommitment commitment,
    AnchorStatus status,
    Instant plannedAt,
    List<Attempt> attempts,
    Confirmation confirmation,
    Instant updatedAt,
    String lastError) {

  /** One broadcast transaction and when it was (last) sent. */
  public record Attempt(SignedTransaction transaction, Instant sentAt) {
    /** Validates the fields. */
    public Attempt {
      Objects.requireNonNull(transaction, "transaction");
      Objects.requireNonNull(sentAt, "sentAt");
    }
  }

  /**
   * Where the anchor confirmed.
   *
   * @param txid the transaction that confirmed (internal byte order)
   * @param blockHash its block (internal byte order)
   * @param height the block's height
   * @param confirmations confirmations when last observed
   */
  public record Confirmation(Digest txid, Digest blockHash, long height, int confirmations) {
    /** Validates the fields. */
    public Confirmation {
      Objects.requireNonNull(txid, "txid");
      Objects.requireNonNull(blockHash, "blockHash");
    }
  }

  /** Validates the fields and copies the list. */
  public AnchorRecord {
    Objects.requireNonNull(commitment, "commitment");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(plannedAt, "plannedAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    attempts = List.copyOf(attempts);
    boolean confirmed = status == AnchorStatus.CONFIRMED || status == AnchorStatus.FINAL;
    if (confirmed != (confirmation != null)) {
      throw new IllegalArgumentException("a confirmation is present exactly when the status is CONFIRMED or FINAL");
    }
    if (status != AnchorStatus.PLANNED && status != AnchorStatus.SUPERSEDED && attempts.isEmpty()) {
      throw new IllegalArgumentException("status " + status + " needs at least one transaction");
    }
  }

  /** The commitment's 32-byte digest, which identifies the anchor. */
  public Digest id() {
    return commitment.digest();
  }

  /** The newest transaction, if any was sent. */
  public Optional<SignedTransaction> latest() {
    return attempts.isEmpty() ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 1).transaction());
  }

  /** The confirmation, if confirmed. */
  public Optional<Confirmation> confirmed() {
    return Optional.ofNullable(confirmation);
  }

  AnchorRecord with(AnchorStatus s, List<Attempt> a, Confirmation c, Instant now, String error) {
    return new AnchorRecord(commitment, s, plannedAt, a, c, now, error);
  }
}
