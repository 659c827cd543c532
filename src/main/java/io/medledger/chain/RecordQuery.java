package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.Optional;

/**
 * Filters for medical record entries; every present filter must match (an empty query matches
 * every record). The time range applies to the record's creation time:
 * {@code from <= createdAt < until}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patient the patient's pseudonym
 * @param institution the writing institution
 * @param author the author
 * @param resourceType the FHIR resource type
 * @param from earliest creation time (inclusive)
 * @param until latest creation time (exclusive)
 */
public record RecordQuery(Optional<ParticipantId> patient, Optional<ParticipantId> institution,
    Optional<ParticipantId> author, Optional<String> resourceType, long from, long until) {

  /** Checks the fields. */
  public RecordQuery {
    Checks.notNull(patient, "patient");
    Checks.notNull(institution, "institution");
    Checks.notNull(author, "author");
    Checks.notNull(resourceType, "resourceType");
    if (until < from) {
      throw new IllegalArgumentException("empty time range");
    }
  }

  /** Every record. */
  public static RecordQuery all() {
    return new RecordQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Long.MIN_VALUE,
        Long.MAX_VALUE);
  }

  /** Also require this patient. */
  public RecordQuery patient(ParticipantId p) {
    return new RecordQuery(Optional.of(p), institution, author, resourceType, from, until);
  }

  /** Also require this institution. */
  public RecordQuery institution(ParticipantId i) {
    return new RecordQuery(patient, Optional.of(i), author, resourceType, from, until);
  }

  /** Also require this author. */
  public RecordQuery author(ParticipantId a) {
    return new RecordQuery(patient, institution, Optional.of(a), resourceType, from, until);
  }

  /** Also require this resource type. */
  public RecordQuery resourceType(String t) {
    return new RecordQuery(patient, institution, author, Optional.of(t), from, until);
  }

  /** Also require {@code from <= createdAt < until}. */
  public RecordQuery createdBetween(long fromInclusive, long untilExclusive) {
    return new RecordQuery(patient, institution, author, resourceType, fromInclusive, untilExclusive);
  }
}
