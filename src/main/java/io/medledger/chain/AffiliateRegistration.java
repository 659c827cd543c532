package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * Registers a clinician (or a researcher or storage node) under an institution. Signed by the
 * institution and by the member itself (proof that it holds its key).
 *
 * <p>Immutable and thread-safe.
 *
 * @param memberKey the member's public key
 * @param role {@link ParticipantKind#CLINICIAN}, {@link ParticipantKind#RESEARCHER} or
 *     {@link ParticipantKind#STORAGE_NODE}
 * @param institution the institution's id
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the institution's and the member's signatures
 */
public record AffiliateRegistration(
    Ed25519PublicKey memberKey,
    ParticipantKind role,
    ParticipantId institution,
    long createdAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public AffiliateRegistration {
    Checks.notNull(memberKey, "memberKey");
    Checks.notNull(role, "role");
    if (role != ParticipantKind.CLINICIAN && role != ParticipantKind.RESEARCHER
        && role != ParticipantKind.STORAGE_NODE) {
      throw new IllegalArgumentException("an affiliate is a clinician, researcher or storage node");
    }
    Checks.notNull(institution, "institution");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  /** The member's id. */
  public ParticipantId member() {
    return ParticipantId.of(memberKey);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.AFFILIATE_REGISTRATION;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public AffiliateRegistration withEndorsements(List<Endorsement> e) {
    return new AffiliateRegistration(memberKey, role, institution, createdAt, e);
  }
}
