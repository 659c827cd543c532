package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.List;
import java.util.Optional;

/**
 * Governance ends the registration of an institution (it misbehaves, or its key is stolen). From
 * the block that holds it on, the institution and its clinicians, researchers and storage nodes
 * authorize nothing, and no one may act under a grant that names it. Signed by a governance
 * quorum of the federation servers serving as of the parent block, not by the institution; refused
 * while the institution still operates a listed federation or audit server, and for an institution
 * already removed.
 *
 * <p>Immutable and thread-safe.
 *
 * @param institution the institution's id
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the federation servers' signatures
 */
public record InstitutionRemoval(ParticipantId institution, long createdAt, List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public InstitutionRemoval {
    Checks.notNull(institution, "institution");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.INSTITUTION_REMOVAL;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public InstitutionRemoval withEndorsements(List<Endorsement> e) {
    return new InstitutionRemoval(institution, createdAt, e);
  }
}
