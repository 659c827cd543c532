package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * The fact that a record's payload was erased (its copies deleted from the storage nodes, its
 * keys and key fragments destroyed). The ledger keeps the record entry (digest and pseudonyms
 * only) and this notice; afterwards the record can no longer be read (no access event is
 * accepted for it) or amended. Signed by the patient, or by an active regulator acting by law.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patient the record's patient
 * @param record the erased record's entry id
 * @param requestedBy the patient or a regulator (the signer)
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the requester's signature
 */
public record RecordErasure(ParticipantId patient, Digest record, ParticipantId requestedBy, long createdAt,
    List<Endorsement> endorsements) implements Entry {

  /** Validates the fields. */
  public RecordErasure {
    Checks.notNull(patient, "patient");
    Checks.notNull(record, "record");
    Checks.notNull(requestedBy, "requestedBy");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.RECORD_ERASURE;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.of(patient);
  }

  @Override
  public RecordErasure withEndorsements(List<Endorsement> e) {
    return new RecordErasure(patient, record, requestedBy, createdAt, e);
  }
}
