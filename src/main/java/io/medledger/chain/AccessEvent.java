package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * The audit trail: {@code accessor} read {@code record} of {@code patient} under {@code grant}
 * (empty when the patient read its own record) at {@code accessedAt}. Signed by the accessor.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patient the record's patient
 * @param accessor who read it
 * @param record the record's entry id
 * @param grant the grant that authorized the read, empty for the patient itself
 * @param accessedAt when, epoch milliseconds
 * @param endorsements the accessor's signature
 */
public record AccessEvent(
    ParticipantId patient,
    ParticipantId accessor,
    Digest record,
    Optional<Digest> grant,
    long accessedAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public AccessEvent {
    Checks.notNull(patient, "patient");
    Checks.notNull(accessor, "accessor");
    Checks.notNull(record, "record");
    Checks.notNull(grant, "grant");
    Checks.nonNegative(accessedAt, "accessedAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
    if (grant.isEmpty() != accessor.equals(patient)) {
      throw new IllegalArgumentException("an access event names a grant exactly when the accessor is not the patient");
    }
  }

  @Override
  public EntryKind kind() {
    return EntryKind.ACCESS_EVENT;
  }

  @Override
  public long createdAt() {
    return accessedAt;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.of(patient);
  }

  @Override
  public AccessEvent withEndorsements(List<Endorsement> e) {
    return new AccessEvent(patient, accessor, record, grant, accessedAt, e);
  }
}
