package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.List;
import java.util.Optional;

/**
 * An institution ends the registration of one of its clinicians, researchers or storage nodes
 * (someone leaves, a key is compromised). From the block that holds it on, the member's key
 * authorizes nothing. Signed by the institution.
 *
 * <p>Immutable and thread-safe.
 *
 * @param member the member's id
 * @param institution the institution it belongs to (the signer)
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the institution's signature
 */
public record AffiliateRemoval(ParticipantId member, ParticipantId institution, long createdAt,
    List<Endorsement> endorsements) implements Entry {

  /** Validates the fields. */
  public AffiliateRemoval {
    Checks.notNull(member, "member");
    Checks.notNull(institution, "institution");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.AFFILIATE_REMOVAL;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public AffiliateRemoval withEndorsements(List<Endorsement> e) {
    return new AffiliateRemoval(member, institution, createdAt, e);
  }
}
