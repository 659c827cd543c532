package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * A Bitcoin anchoring receipt reference: the transaction {@code txid} commits to
 * {@code commitment}, which covers block heights {@code fromHeight..toHeight} (inclusive).
 * Submitted and signed by a federation server.
 *
 * <p>Immutable and thread-safe.
 *
 * @param submitter the federation server
 * @param txid the Bitcoin transaction id (internal byte order)
 * @param commitment what the transaction commits to
 * @param fromHeight first covered height
 * @param toHeight last covered height
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the submitter's signature
 */
public record Anchor(
    ParticipantId submitter,
    Digest txid,
    Digest commitment,
    long fromHeight,
    long toHeight,
    long createdAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public Anchor {
    Checks.notNull(submitter, "submitter");
    Checks.notNull(txid, "txid");
    Checks.notNull(commitment, "commitment");
    Checks.nonNegative(fromHeight, "fromHeight");
    if (toHeight < fromHeight) {
      throw new IllegalArgumentException("covered heights run forward");
    }
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.ANCHOR;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public Anchor withEndorsements(List<Endorsement> e) {
    return new Anchor(submitter, txid, commitment, fromHeight, toHeight, createdAt, e);
  }
}
