package io.medledger.client;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Limits;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.crypto.Digest;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What a clinician can do, inside its institution's EHR: write a record for a patient who granted
 * treatment access (to the clinician or the institution), amend such a record, and read records
 * shared with it through threshold re-encryption by the federation servers (the proxies never see
 * plaintext).
 *
 * <p>The client holds the clinician's own keys only, never its institution's. A treatment grant
 * to the institution lets the institution's clinicians write and amend the patient's records and
 * see their metadata; decrypting a payload needs a grant to the clinician itself, because
 * re-encryption targets the grantee's key (see docs/model.md, "Delegation"). {@link #read} and
 * {@link #amend} also come as {@code …Async} futures.
 *
 * <p>Thread-safe.
 */
public final class ClinicianClient {
  private final Session session;
  private final ParticipantId institution;
  private final LedgerQuery query;

  private ClinicianClient(Session session, ParticipantId institution) {
    this.session = session;
    this.institution = institution;
    this.query = new LedgerQuery(session,
        new Viewer(session.id(), ParticipantKind.CLINICIAN, Optional.of(institution), false));
  }

  /**
   * The client of a clinician registered on the ledger (its institution countersigned the
   * registration), from the clinician's own keys. The institution is read from the ledger.
   *
   * @throws IllegalArgumentException if {@code clinician} is not a clinician identity
   * @throws AccessRefusedException if the ledger has no active clinician with this key
   */
  public static ClinicianClient open(LedgerConnection connection, Identity clinician) {
    if (clinician.kind() != ParticipantKind.CLINICIAN) {
      throw new IllegalArgumentException("a clinician client needs a clinician identity");
    }
    Session s = new Session(connection, clinician);
    Participant p = connection.participant(clinician.id()).filter(Participant::active)
        .filter(x -> x.kind() == ParticipantKind.CLINICIAN)
        .orElseThrow(() -> new AccessRefusedException(AccessRight.READER_ROLE, clinician.id()
            + " is not an active clinician on the ledger"));
    return new ClinicianClient(s, p.affiliation().orElseThrow());
  }

  /** The clinician's ledger id. */
  public ParticipantId id() {
    return session.id();
  }

  /** The institution's ledger id. */
  public ParticipantId institutionId() {
    return institution;
  }

  /** The clinician's identity (its own keys only; keep it safe). */
  public Identity identity() {
    return session.self();
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
   * Writes a FHIR record for {@code patient}, encrypted to the patient's key. Returns the final
   * record entry with the storage nodes' signed receipts for its payload and de-identified copy.
   *
   * @throws AccessRefusedException if no active treatment grant of the patient covers this type,
   *     or this clinician is no longer active ({@link AccessRight#PARTICIPANT})
   * @throws io.medledger.storage.InsufficientReplicasException if the write quorum is not met
   *     (nothing is written to the ledger)
   */
  public WrittenRecord write(ParticipantId patient, byte[] fhirJson) {
    String type = Payloads.resourceType(fhirJson);
    requireWriteGrant(patient, type, List.of());
    return Session.await(store(patient, fhirJson, Optional.empty()));
  }

  /**
   * Writes a payload of any size for {@code patient}, streamed as {@link PatientClient#upload(String,
   * InputStream)} does: encrypted to the patient's key and sent to the storage nodes in bounded
   * memory, not parsed (give its FHIR resource type), with no de-identified copy. Returns the final
   * record entry with the storage nodes' signed receipts for the payload.
   *
   * @throws AccessRefusedException if no active treatment grant of the patient covers this type,
   *     or this clinician is no longer active ({@link AccessRight#PARTICIPANT})
   * @throws io.medledger.storage.InsufficientReplicasException if the write quorum is not met
   *     (nothing is written to the ledger)
   */
  public WrittenRecord write(ParticipantId patient, String resourceType, InputStream payload) {
    requireWriteGrant(patient, resourceType, List.of());
    KeyCard p = session.keyCard(patient);
    return Session.await(Payloads.sealAndStoreStream(session, p.encryptionKey(), patient, Optional.of(institution),
        resourceType, payload, Optional.empty()).thenCompose(w -> Payloads.signAndSubmit(session, w)));
  }

  /**
   * Amends record {@code recordId} with a new version (the old one stays on the ledger). Returns
   * the new version's final entry with the storage nodes' signed receipts, as {@link #write} does.
   *
   * @throws AccessRefusedException if no active treatment grant covers the record, or this
   *     clinician is no longer active ({@link AccessRight#PARTICIPANT})
   * @throws RecordErasedException if the record was erased (the ledger accepts no amendment of it)
   * @throws IllegalArgumentException if {@code fhirJson} is of another resource type than the record,
   *     or the record already heads {@link Limits#MAX_AMENDMENT_DEPTH} versions (the ledger's bound)
   */
  public WrittenRecord amend(Digest recordId, byte[] fhirJson) {
    return Session.await(amendAsync(recordId, fhirJson));
  }

  /** {@link #amend} as a future. */
  public CompletableFuture<WrittenRecord> amendAsync(Digest recordId, byte[] fhirJson) {
    session.requireActive(ParticipantKind.CLINICIAN);
    MedicalRecord old = session.record(recordId);
    if (session.isErased(old)) {
      throw new RecordErasedException(recordId);
    }
    String type = Payloads.resourceType(fhirJson);
    if (!type.equals(old.resourceType())) {
      throw new IllegalArgumentException("an amendment keeps the resource type " + old.resourceType());
    }
    if (session.lineage(old).size() >= Limits.MAX_AMENDMENT_DEPTH) {
      throw new IllegalArgumentException("record " + recordId + " already heads " + Limits.MAX_AMENDMENT_DEPTH
          + " versions, as many as the ledger takes; write a new record instead");
    }
    if (session.coveringGrant(old, grantees(), Purpose.TREATMENT, false).isEmpty()) {
      throw new AccessRefusedException(AccessRight.TREATMENT_GRANT, "no active treatment grant covers record " + recordId);
    }
    return store(old.patient(), fhirJson, Optional.of(recordId));
  }

  /**
   * Reads a record shared with this clinician under an active treatment grant with proxies.
   *
   * @throws AccessRefusedException if no such grant to this clinician covers the record (a grant
   *     to the institution alone is named in the message), or this clinician is no longer active
   *     ({@link AccessRight#PARTICIPANT})
   * @throws RecordErasedException if its payload was erased
   * @throws ProxyFailureException if fewer than t proxies answered, naming the failing ones
   */
  public byte[] read(Digest recordId) {
    return Session.await(readAsync(recordId));
  }

  /** {@link #read} as a future. */
  public CompletableFuture<byte[]> readAsync(Digest recordId) {
    MedicalRecord rec = session.record(recordId);
    return Payloads.readShared(session, session.self().secretEncryptionKey(), rec, treatmentGrant(rec));
  }

  /** The active treatment grant with proxies to this clinician covering {@code rec}, or a refusal naming why. */
  private AccessGrant treatmentGrant(MedicalRecord rec) {
    session.requireActive(ParticipantKind.CLINICIAN);
    Digest recordId = rec.id();
    Optional<AccessGrant> g = session.coveringGrant(rec, Set.of(id()), Purpose.TREATMENT, true);
    if (g.isEmpty()) {
      boolean institutional = session.coveringGrant(rec, Set.of(institution), Purpose.TREATMENT, true).isPresent();
      throw new AccessRefusedException(AccessRight.TREATMENT_GRANT, (institutional
          ? "the treatment grant from " + rec.patient() + " covering record " + recordId + " is to institution "
              + institution + ", which lets its clinicians write and amend but decrypts only for a grant to "
          : "no active treatment grant with proxies from " + rec.patient() + " covers record " + recordId + " for ")
          + id());
    }
    return g.get();
  }

  /**
   * Reads a record shared with this clinician (as {@link #read(Digest)}) into {@code out}, streamed
   * in bounded memory; returns the payload length. If the read fails part-way, discard what was
   * written.
   */
  public long read(Digest recordId, OutputStream out) {
    return Session.await(readAsync(recordId, out));
  }

  /** {@link #read(Digest, OutputStream)} as a future. */
  public CompletableFuture<Long> readAsync(Digest recordId, OutputStream out) {
    MedicalRecord rec = session.record(recordId);
    return Payloads.readSharedTo(session, session.self().secretEncryptionKey(), rec, treatmentGrant(rec), out);
  }

  private void requireWriteGrant(ParticipantId patient, String type, List<Digest> lineage) {
    session.requireActive(ParticipantKind.CLINICIAN);
    if (!session.isActive(patient, ParticipantKind.PATIENT)) {
      throw new AccessRefusedException(AccessRight.TREATMENT_GRANT, patient + " is not a registered patient");
    }
    long t = session.now();
    for (var h : session.allGrants(patient)) {
      AccessGrant g = h.entry();
      if (grantees().contains(g.grantee()) && g.purpose() == Purpose.TREATMENT
          && session.connection().isGrantActive(g.id(), t) && g.scope().covers(type, lineage)) {
        return;
      }
    }
    throw new AccessRefusedException(AccessRight.TREATMENT_GRANT, "patient " + patient + " has not granted " + id()
        + " or its institution treatment access to " + type + " records");
  }

  private CompletableFuture<WrittenRecord> store(ParticipantId patient, byte[] fhirJson, Optional<Digest> amends) {
    KeyCard p = session.keyCard(patient);
    return Payloads.sealAndStore(session, p.encryptionKey(), p.deidentifiedKey(), patient, Optional.of(institution),
        fhirJson, amends)
        .thenCompose(w -> Payloads.signAndSubmit(session, w));
  }

  private Set<ParticipantId> grantees() {
    return Set.of(id(), institution);
  }

  @Override
  public String toString() {
    return "ClinicianClient[" + id() + " of " + institution + "]";
  }
}
