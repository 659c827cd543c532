package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * A patient registers its key, signed by the patient and countersigned by a registrar (an active
 * institution, or an active clinician of an active institution) over the same signing message, so
 * that every registration is attributable to the participant who admitted it. Its pseudonym is
 * {@link ParticipantId#of} the key; the entry opens the patient's chain of sub-blocks. The chain
 * accepts the patient's signature alone only below {@link ChainParameters#registrarsFrom()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patientKey the patient's public key
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the patient's signature and the registrar's
 */
public record PatientRegistration(Ed25519PublicKey patientKey, long createdAt, List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public PatientRegistration {
    Checks.notNull(patientKey, "patientKey");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  /** The patient's pseudonym. */
  public ParticipantId pseudonym() {
    return ParticipantId.of(patientKey);
  }

  /**
   * The registrar it names: the one signer besides the patient when the patient and exactly one
   * other key sign it, else empty. Whether the signatures verify, and whether that signer may
   * register patients, is the ledger's to check.
   */
  public Optional<ParticipantId> registrar() {
    Ed25519PublicKey other = null;
    boolean patient = false;
    for (Endorsement e : endorsements) {
      if (e.signer().equals(patientKey)) {
        patient = true;
      } else if (other == null || other.equals(e.signer())) {
        other = e.signer();
      } else {
        return Optional.empty();
      }
    }
    return patient && other != null ? Optional.of(ParticipantId.of(other)) : Optional.empty();
  }

  @Override
  public EntryKind kind() {
    return EntryKind.PATIENT_REGISTRATION;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.of(pseudonym());
  }

  @Override
  public PatientRegistration withEndorsements(List<Endorsement> e) {
    return new PatientRegistration(patientKey, createdAt, e);
  }
}
