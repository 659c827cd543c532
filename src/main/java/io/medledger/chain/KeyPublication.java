package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import io.medledger.pre.PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * A registered participant publishes its Umbral public keys on the ledger, signed with its own
 * ledger key: the key record payloads are encrypted or re-encrypted to, and the key that verifies
 * its key fragments. Patients need them to make grants, and proxies need the patient's and the
 * grantee's to take a grant's key fragments, also after a restart. The first publication of a
 * participant on the chain is the one in force (later ones are refused), so nobody can substitute
 * a key.
 *
 * <p>Immutable and thread-safe.
 *
 * @param participant the publishing participant (the signer)
 * @param encryptionKey its Umbral encryption public key, 33-byte compressed point
 * @param verifyingKey its Umbral fragment-verifying public key, 33-byte compressed point
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the participant's signature
 */
public record KeyPublication(ParticipantId participant, ByteString encryptionKey, ByteString verifyingKey,
    long createdAt, List<Endorsement> endorsements) implements Entry {

  /** Validates the fields; both keys must be valid curve points. */
  public KeyPublication {
    Checks.notNull(participant, "participant");
    Checks.notNull(encryptionKey, "encryptionKey");
    Checks.notNull(verifyingKey, "verifyingKey");
    PublicKey.fromBytes(encryptionKey.toByteArray());
    PublicKey.fromBytes(verifyingKey.toByteArray());
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  /** The published encryption key. */
  public PublicKey encryptionPublicKey() {
    return PublicKey.fromBytes(encryptionKey.toByteArray());
  }

  /** The published fragment-verifying key. */
  public PublicKey verifyingPublicKey() {
    return PublicKey.fromBytes(verifyingKey.toByteArray());
  }

  @Override
  public EntryKind kind() {
    return EntryKind.KEY_PUBLICATION;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public KeyPublication withEndorsements(List<Endorsement> e) {
    return new KeyPublication(participant, encryptionKey, verifyingKey, createdAt, e);
  }
}
