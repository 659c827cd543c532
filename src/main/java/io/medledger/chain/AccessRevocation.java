package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * A patient's revocation of one of its grants; from the block that holds it on, the grant
 * authorizes nothing.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patient the patient (the signer)
 * @param grant the entry id of the revoked grant
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the patient's signature
 */
public record AccessRevocation(ParticipantId patient, Digest grant, long createdAt, List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public AccessRevocation {
    Checks.notNull(patient, "patient");
    Checks.notNull(grant, "grant");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.ACCESS_REVOCATION;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.of(patient);
  }

  @Override
  public AccessRevocation withEndorsements(List<Endorsement> e) {
    return new AccessRevocation(patient, grant, createdAt, e);
  }
}
