package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import io.medledger.pre.PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * A registered participant publishes its Umbral public keys on the ledger, signed with its own
 * ledger key: the key record payloads are encrypted or re-encrypted to, and the key that verifies
 * its key fragments, and, for a patient, its research key: the key the de-identified copies of
 * its records are sealed to and its research grants delegate from, so that fragments of a research
 * grant cannot re-encrypt a full payload. Patients need them to make grants, and proxies need the
 * patient's and the grantee's to take a grant's key fragments, also after a restart. The first
 * publication of a participant on the chain is the one in force (later ones are refused), so
 * nobody can substitute a key.
 *
 * <p>Immutable and thread-safe.
 *
 * @param participant the publishing participant (the signer)
 * @param encryptionKey its Umbral encryption public key, 33-byte compressed point
 * @param verifyingKey its Umbral fragment-verifying public key, 33-byte compressed point
 * @param researchKey its Umbral research public key, 33-byte compressed point (publications made
 *     before research keys existed, and those of participants that are not patients, have none)
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the participant's signature
 */
public record KeyPublication(ParticipantId participant, ByteString encryptionKey, ByteString verifyingKey,
    Optional<ByteString> researchKey, long createdAt, List<Endorsement> endorsements) implements Entry {

  /** Validates the fields; every key must be a valid curve point. */
  public KeyPublication {
    Checks.notNull(participant, "participant");
    Checks.notNull(encryptionKey, "encryptionKey");
    Checks.notNull(verifyingKey, "verifyingKey");
    Checks.notNull(researchKey, "researchKey");
    PublicKey.fromBytes(encryptionKey.toByteArray());
    PublicKey.fromBytes(verifyingKey.toByteArray());
    researchKey.ifPresent(k -> PublicKey.fromBytes(k.toByteArray()));
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  /** A publication without a research key. */
  public KeyPublication(ParticipantId participant, ByteString encryptionKey, ByteString verifyingKey, long createdAt,
      List<Endorsement> endorsements) {
    this(participant, encryptionKey, verifyingKey, Optional.empty(), createdAt, endorsements);
  }

  /** The published encryption key. */
  public PublicKey encryptionPublicKey() {
    return PublicKey.fromBytes(encryptionKey.toByteArray());
  }

  /** The published fragment-verifying key. */
  public PublicKey verifyingPublicKey() {
    return PublicKey.fromBytes(verifyingKey.toByteArray());
  }

  /** The published research key, if any. */
  public Optional<PublicKey> researchPublicKey() {
    return researchKey.map(k -> PublicKey.fromBytes(k.toByteArray()));
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
    return new KeyPublication(participant, encryptionKey, verifyingKey, researchKey, createdAt, e);
  }
}
