package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.crypto.Ed25519PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Registers an institution and its class. Signed by the institution and by a governance quorum
 * of the current federation servers (only the institution itself while the federation is still
 * empty, that is, in the genesis block).
 *
 * <p>Immutable and thread-safe.
 *
 * @param institutionKey the institution's public key
 * @param name the institution's public name (an organization, never a person)
 * @param institutionClass its class
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the signatures
 */
public record InstitutionRegistration(
    Ed25519PublicKey institutionKey,
    String name,
    InstitutionClass institutionClass,
    long createdAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public InstitutionRegistration {
    Checks.notNull(institutionKey, "institutionKey");
    Checks.notNull(name, "name");
    if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_NAME_BYTES) {
      throw new IllegalArgumentException("an institution name is 1 to " + Limits.MAX_NAME_BYTES + " bytes");
    }
    Checks.notNull(institutionClass, "institutionClass");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  /** The institution's id. */
  public ParticipantId institution() {
    return ParticipantId.of(institutionKey);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.INSTITUTION_REGISTRATION;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public InstitutionRegistration withEndorsements(List<Endorsement> e) {
    return new InstitutionRegistration(institutionKey, name, institutionClass, createdAt, e);
  }
}
