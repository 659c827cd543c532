package io.medledger.network;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.crypto.Digest;
import io.medledger.pre.EnvelopeException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a clinician can do, inside its institution's EHR: write a record for a patient who granted
 * treatment access (to the clinician or the institution), amend such a record, and read records
 * shared with it through threshold re-encryption by the federation servers (the proxies never see
 * plaintext). A grant to the institution is decrypted with the institution's key, which the EHR
 * that created this client holds. Each read is logged on the ledger before the proxies answer.
 *
 * <p>Thread-safe.
 */
public final class ClinicianClient {
  private final Federation federation;
  private final Identity clinician;
  private final Identity institution;
  private final LedgerQuery query;

  ClinicianClient(Federation federation, Identity clinician, Identity institution) {
    if (clinician.kind() != ParticipantKind.CLINICIAN) {
      throw new IllegalArgumentException("a clinician client needs a clinician identity");
    }
    this.federation = federation;
    this.clinician = clinician;
    this.institution = institution;
    this.query = new LedgerQuery(federation,
        new Viewer(clinician.id(), ParticipantKind.CLINICIAN, Optional.of(institution.id()), false));
  }

  /** The clinician's ledger id. */
  public ParticipantId id() {
    return clinician.id();
  }

  /** The institution's ledger id. */
  public ParticipantId institutionId() {
    return institution.id();
  }

  /** The query interface, filtered to what this clinician may see. */
  public LedgerQuery query() {
    return query;
  }

  /** Records this clinician wrote or may read under an active treatment grant. */
  public List<RecordView> sharedRecords() {
    return query.allRecords(RecordQuery.all());
  }

  /**
   * Writes a FHIR record for {@code patient}, encrypted to the patient's key.
   *
   * @throws AccessRefusedException if no active treatment grant of the patient covers this type
   * @throws io.medledger.storage.InsufficientReplicasException if the write quorum is not met
   *     (nothing is written to the ledger)
   */
  public MedicalRecord write(ParticipantId patient, byte[] fhirJson) {
    String type = Payloads.resourceType(fhirJson);
    requireWriteGrant(patient, type, List.of());
    return store(patient, fhirJson, Optional.empty());
  }

  /**
   * Amends record {@code recordId} with a new version (the old one stays on the ledger).
   *
   * @throws AccessRefusedException if no active treatment grant covers the record
   * @throws RecordErasedException if the record was erased (the ledger accepts no amendment of it)
   */
  public MedicalRecord amend(Digest recordId, byte[] fhirJson) {
    MedicalRecord old = federation.record(recordId);
    if (federation.isErased(old)) {
      throw new RecordErasedException(recordId);
    }
    String type = Payloads.resourceType(fhirJson);
    if (!type.equals(old.resourceType())) {
      throw new IllegalArgumentException("an amendment keeps the resource type " + old.resourceType());
    }
    if (federation.coveringGrant(old, grantees(), Purpose.TREATMENT, false).isEmpty()) {
      throw new AccessRefusedException("treatment-grant", "no active treatment grant covers record " + recordId);
    }
    return store(old.patient(), fhirJson, Optional.of(recordId));
  }

  /**
   * Reads a record shared under an active treatment grant with proxies.
   *
   * @throws AccessRefusedException if no such grant covers the record
   * @throws RecordErasedException if its payload was erased
   * @throws EnvelopeException if fewer than t proxies answered or one answered falsely
   */
  public byte[] read(Digest recordId) throws EnvelopeException {
    MedicalRecord rec = federation.record(recordId);
    AccessGrant g = federation.coveringGrant(rec, grantees(), Purpose.TREATMENT, true)
        .orElseThrow(() -> new AccessRefusedException("treatment-grant", "no active treatment grant with proxies from "
            + rec.patient() + " covers record " + recordId + " for " + id()));
    Identity key = g.grantee().equals(clinician.id()) ? clinician : institution;
    return Payloads.readShared(federation, clinician, key.encryptionKey(), rec, g);
  }

  private void requireWriteGrant(ParticipantId patient, String type, List<Digest> lineage) {
    if (!federation.isActive(patient, ParticipantKind.PATIENT)) {
      throw new AccessRefusedException("treatment-grant", patient + " is not a registered patient");
    }
    long t = federation.now();
    for (var h : federation.allGrants(patient)) {
      AccessGrant g = h.entry();
      if (grantees().contains(g.grantee()) && g.purpose() == Purpose.TREATMENT
          && federation.reader().ledger().isGrantActive(g.id(), t) && g.scope().covers(type, lineage)) {
        return;
      }
    }
    throw new AccessRefusedException("treatment-grant", "patient " + patient + " has not granted " + id()
        + " or its institution treatment access to " + type + " records");
  }

  private MedicalRecord store(ParticipantId patient, byte[] fhirJson, Optional<Digest> amends) {
    KeyCard p = federation.directory().require(patient);
    MedicalRecord m = Payloads.sealAndStore(federation, p.encryptionKey(), patient, id(), Optional.of(institution.id()),
        fhirJson, amends);
    m = federation.sign(m, clinician);
    federation.submitOrThrow(m);
    return m;
  }

  private Set<ParticipantId> grantees() {
    return Set.of(clinician.id(), institution.id());
  }

  @Override
  public String toString() {
    return "ClinicianClient[" + id() + " of " + institution.name() + "]";
  }
}
