package io.medledger.network;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.RecordEnvelope;
import java.util.List;
import java.util.Optional;

/**
 * What a patient can do: upload own records (encrypted on the device to the patient's own key,
 * payload to the storage nodes, record entry to the ledger only after the write quorum), grant
 * and revoke access, list and read own records, see every access event on own data, and erase a
 * payload. Every read, the patient's own included, is logged on the ledger.
 *
 * <p>Thread-safe.
 */
public final class PatientClient {
  private final Federation federation;
  private final Identity patient;
  private final LedgerQuery query;

  PatientClient(Federation federation, Identity patient) {
    if (patient.kind() != ParticipantKind.PATIENT) {
      throw new IllegalArgumentException("a patient client needs a patient identity");
    }
    this.federation = federation;
    this.patient = patient;
    this.query = new LedgerQuery(federation, new Viewer(patient.id(), ParticipantKind.PATIENT, Optional.empty(), false));
  }

  /** The patient's pseudonym (its ledger id). */
  public ParticipantId id() {
    return patient.id();
  }

  /** The patient's identity (keep it safe: it holds the keys). */
  public Identity identity() {
    return patient;
  }

  /** The query interface, filtered to this patient's own data. */
  public LedgerQuery query() {
    return query;
  }

  /**
   * Uploads a FHIR JSON resource or Bundle as an own record.
   *
   * @throws io.medledger.storage.InsufficientReplicasException if fewer than w storage nodes
   *     took the payload (then nothing is written to the ledger)
   * @throws io.medledger.codec.MalformedEncodingException if the payload is not FHIR JSON
   */
  public MedicalRecord upload(byte[] fhirJson) {
    MedicalRecord m = Payloads.sealAndStore(federation, patient.encryptionPublicKey(), id(), id(), Optional.empty(),
        fhirJson, Optional.empty());
    m = federation.sign(m, patient);
    federation.submitOrThrow(m);
    return m;
  }

  /**
   * Grants access: the re-encryption key to the grantee is split among the federation servers
   * (threshold t of n) and each fragment encrypted to its proxy, so the grant can be public.
   *
   * @throws AccessRefusedException if the grantee has no published keys
   * @throws EntryRejectedException if the ledger refuses the grant (for example an unknown grantee)
   */
  public AccessGrant grant(GrantRequest request) {
    KeyCard grantee = federation.directory().require(request.grantee());
    List<io.medledger.pre.ProxyKey> proxies = federation.proxyKeys();
    GrantKeyMaterial km = GrantKeyMaterial.create(patient.encryptionKey(), patient.fragmentSigner(),
        grantee.encryptionKey(), proxies, federation.threshold());
    long now = federation.now();
    AccessGrant g = new AccessGrant(id(), request.grantee(), request.scope(), request.purpose(), now,
        now + request.validity().toMillis(), proxies.stream().map(p -> ParticipantId.fromHex(p.proxyId())).toList(),
        km.threshold(), km.fragments().stream().map(f -> ByteString.of(f.toBytes())).toList(), now, List.of());
    g = federation.sign(g, patient);
    federation.submitOrThrow(g);
    return g;
  }

  /**
   * Revokes grant {@code grantId}: from the next block on it authorizes nothing and the proxies
   * discard their fragments. What a grantee already decrypted cannot be taken back.
   */
  public AccessRevocation revoke(Digest grantId) {
    AccessRevocation r = federation.sign(new AccessRevocation(id(), grantId, federation.now(), List.of()), patient);
    federation.submitOrThrow(r);
    return r;
  }

  /** The patient's own records, with proofs and, once anchored, receipts. */
  public List<RecordView> records() {
    return query.allRecords(RecordQuery.all().patient(id()));
  }

  /**
   * Reads an own record (logged on the ledger first).
   *
   * @throws AccessRefusedException if the record is not this patient's
   * @throws RecordErasedException if its payload was erased
   */
  public byte[] read(Digest recordId) throws EnvelopeException {
    MedicalRecord m = ownRecord(recordId);
    if (federation.isErased(m)) {
      throw new RecordErasedException(recordId);
    }
    Payloads.logRead(federation, patient, m, Optional.empty());
    return RecordEnvelope.openAsOwner(patient.encryptionKey(), Payloads.fetch(federation, m));
  }

  /** Every access event on this patient's records. */
  public List<AccessEvent> accessEvents() {
    return query.accessEvents(id()).stream().map(QueryHit::entry).toList();
  }

  /** The grants this patient made. */
  public List<AccessGrant> grants() {
    return query.grants(id()).stream().map(QueryHit::entry).toList();
  }

  /**
   * Erases the payload of an own record: a {@link io.medledger.chain.RecordErasure} signed by this
   * patient made final on the ledger (from then on the chain refuses access events for the record
   * and amendments of it), the grants scoped to this record only revoked and their proxy fragments
   * destroyed, and the copies deleted from every storage node.
   *
   * @throws AccessRefusedException if the record is not this patient's
   * @throws RecordErasedException if it is already erased
   * @throws EntryRejectedException if the ledger refuses the erasure (then nothing is deleted)
   */
  public ErasureReport erase(Digest recordId) {
    MedicalRecord m = ownRecord(recordId);
    return federation.erase(m, patient);
  }

  private MedicalRecord ownRecord(Digest recordId) {
    MedicalRecord m = federation.record(recordId);
    if (!m.patient().equals(id())) {
      throw new AccessRefusedException("record-owner", "record " + recordId + " belongs to another patient");
    }
    return m;
  }

  /** Whether a grant is active now. */
  public boolean isGrantActive(Digest grantId) {
    return federation.reader().ledger().isGrantActive(grantId, federation.now());
  }

  @Override
  public String toString() {
    return "PatientClient[" + id() + "]";
  }
}
