package io.medledger.access;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered participant as the ledger state knows it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind what it is
 * @param publicKey the Ed25519 key that signs for it
 * @param affiliation the institution it belongs to (clinicians, researchers, storage nodes) or
 *     that operates it (federation and audit servers); empty otherwise
 * @param institutionClass the class of an institution; empty for other kinds
 * @param registeredAt height of the block that registered it
 * @param active false once removed (a removed participant authorizes nothing)
 */
public record Participant(
    ParticipantKind kind,
    Ed25519PublicKey publicKey,
    Optional<ParticipantId> affiliation,
    Optional<InstitutionClass> institutionClass,
    long registeredAt,
    boolean active) {

  /** Validates the combination of kind, affiliation and class. */
  public Participant {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(affiliation, "affiliation");
    Objects.requireNonNull(institutionClass, "institutionClass");
    if (institutionClass.isPresent() != (kind == ParticipantKind.INSTITUTION)) {
      throw new IllegalArgumentException("exactly the institutions have a class");
    }
    boolean affiliated = kind == ParticipantKind.CLINICIAN || kind == ParticipantKind.RESEARCHER
        || kind == ParticipantKind.STORAGE_NODE;
    if (affiliated && affiliation.isEmpty()) {
      throw new IllegalArgumentException(kind.label() + " must belong to an institution");
    }
    if ((kind == ParticipantKind.PATIENT || kind == ParticipantKind.INSTITUTION) && affiliation.isPresent()) {
      throw new IllegalArgumentException(kind.label() + " has no affiliation");
    }
  }

  /** The identifier derived from the key. */
  public ParticipantId id() {
    return ParticipantId.of(publicKey);
  }

  /** A copy marked removed. */
  public Participant deactivated() {
    return new Participant(kind, publicKey, affiliation, institutionClass, registeredAt, false);
  }

  /** A copy marked active again. */
  public Participant reactivated() {
    return new Participant(kind, publicKey, affiliation, institutionClass, registeredAt, true);
  }
}
