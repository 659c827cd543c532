package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * A pointer to one encrypted medical record. Signed by its author: the patient itself (no
 * institution) or a clinician of {@code institution} that the patient granted treatment access.
 * Records are amended by a new record naming the one it amends, never deleted.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patient the patient's pseudonym
 * @param author who wrote it (the patient or a clinician)
 * @param institution the clinician's institution; empty when the patient is the author
 * @param resourceType the FHIR resource type, for example {@code Observation}
 * @param payloadDigest SHA-256 of the encrypted payload
 * @param payloadSize size of the encrypted payload in bytes
 * @param storageNodes the storage nodes holding copies
 * @param encryptionMetadata opaque encryption metadata (the proxy re-encryption capsule)
 * @param createdAt creation time, epoch milliseconds
 * @param amends the id of the record this one amends, if any
 * @param deidentified the separately sealed de-identified copy, the only thing research grants
 *     reach (absent in records written before entry format 2; such records are never shared
 *     for research)
 * @param endorsements the author's signature
 */
public record MedicalRecord(
    ParticipantId patient,
    ParticipantId author,
    Optional<ParticipantId> institution,
    String resourceType,
    Digest payloadDigest,
    long payloadSize,
    List<ParticipantId> storageNodes,
    ByteString encryptionMetadata,
    long createdAt,
    Optional<Digest> amends,
    Optional<DeidentifiedCopy> deidentified,
    List<Endorsement> endorsements)
    implements Entry {

  /** A record without a de-identified copy (entry format 1). */
  public MedicalRecord(ParticipantId patient, ParticipantId author, Optional<ParticipantId> institution,
      String resourceType, Digest payloadDigest, long payloadSize, List<ParticipantId> storageNodes,
      ByteString encryptionMetadata, long createdAt, Optional<Digest> amends, List<Endorsement> endorsements) {
    this(patient, author, institution, resourceType, payloadDigest, payloadSize, storageNodes, encryptionMetadata,
        createdAt, amends, Optional.empty(), endorsements);
  }

  /** Validates the fields. */
  public MedicalRecord {
    Checks.notNull(patient, "patient");
    Checks.notNull(author, "author");
    Checks.notNull(institution, "institution");
    Checks.resourceType(resourceType);
    Checks.notNull(payloadDigest, "payloadDigest");
    Checks.nonNegative(payloadSize, "payloadSize");
    storageNodes = Checks.distinct(storageNodes, "storageNodes", Limits.MAX_STORAGE_NODES);
    Checks.bytes(encryptionMetadata, "encryptionMetadata", Limits.MAX_ENCRYPTION_METADATA);
    Checks.nonNegative(createdAt, "createdAt");
    Checks.notNull(amends, "amends");
    Checks.notNull(deidentified, "deidentified");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
    if (institution.isEmpty() != author.equals(patient)) {
      throw new IllegalArgumentException("a record names an institution exactly when a clinician wrote it");
    }
  }

  @Override
  public EntryKind kind() {
    return EntryKind.RECORD;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.of(patient);
  }

  @Override
  public MedicalRecord withEndorsements(List<Endorsement> e) {
    return new MedicalRecord(patient, author, institution, resourceType, payloadDigest, payloadSize,
        storageNodes, encryptionMetadata, createdAt, amends, deidentified, e);
  }
}
