package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import java.util.List;
import java.util.Optional;

/**
 * Proof of misbehaviour: two different messages, both validly signed by the accused server
 * (for example two proposals or votes for one height and round). Reported and signed by a
 * federation or audit server. What counts as conflicting beyond "different and both signed" is
 * decided by the {@link EvidencePolicy} the ledger is configured with.
 *
 * <p>Immutable and thread-safe.
 *
 * @param reporter the reporting server
 * @param accused the accused server
 * @param firstMessage one signed message
 * @param firstSignature the accused's signature over it
 * @param secondMessage the other signed message
 * @param secondSignature the accused's signature over it
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the reporter's signature
 */
public record Evidence(
    ParticipantId reporter,
    ParticipantId accused,
    ByteString firstMessage,
    ByteString firstSignature,
    ByteString secondMessage,
    ByteString secondSignature,
    long createdAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public Evidence {
    Checks.notNull(reporter, "reporter");
    Checks.notNull(accused, "accused");
    Checks.bytes(firstMessage, "firstMessage", Limits.MAX_EVIDENCE_MESSAGE);
    Checks.bytes(secondMessage, "secondMessage", Limits.MAX_EVIDENCE_MESSAGE);
    Checks.bytes(firstSignature, "firstSignature", 64);
    Checks.bytes(secondSignature, "secondSignature", 64);
    if (firstSignature.size() != 64 || secondSignature.size() != 64) {
      throw new IllegalArgumentException("an Ed25519 signature is 64 bytes");
    }
    if (firstMessage.compareTo(secondMessage) >= 0) {
      throw new IllegalArgumentException("evidence quotes two different messages, the smaller first");
    }
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.EVIDENCE;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public Evidence withEndorsements(List<Endorsement> e) {
    return new Evidence(reporter, accused, firstMessage, firstSignature, secondMessage, secondSignature, createdAt, e);
  }
}
