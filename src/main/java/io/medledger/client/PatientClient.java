package io.medledger.client;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Entry;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Limits;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordErasure;
import io.medledger.chain.RecordQuery;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a patient can do: upload own records (encrypted on the device to the patient's own key,
 * payload to the storage nodes, record entry to the ledger only after the write quorum), grant
 * and revoke access, list and read own records, see every access event on own data, and erase a
 * payload. Every read, the patient's own included, is logged on the ledger. The client holds the
 * patient's own keys only and reaches the federation through a {@link LedgerConnection}.
 *
 * <p>The long-running calls come in two forms: {@code upload}, {@code read}, {@code grant},
 * {@code revoke} and {@code erase} block until the result is final, and their {@code …Async}
 * twins return a {@link CompletableFuture} that completes at the same point (or exceptionally
 * with the same {@link io.medledger.MedLedgerException} subtype).
 *
 * <p>Thread-safe.
 */
public final class PatientClient {
  private final Session session;
  private final LedgerQuery query;
  /**
   * The patient's own published key card once seen (a published card is replaced only by
   * {@link #addResearchKey()}, which sets it).
   */
  private volatile KeyCard ownCard;

  private PatientClient(Session session) {
    this.session = session;
    this.query = new LedgerQuery(session, new Viewer(session.id(), ParticipantKind.PATIENT, Optional.empty(), false));
  }

  /**
   * The client of a patient already registered on the ledger, from its keys (for example after a
   * restart, with keys from {@link Identity#importEncrypted}).
   *
   * @throws IllegalArgumentException if {@code patient} is not a patient identity
   * @throws AccessRefusedException if the ledger has no active patient with this key
   *     ({@link AccessRight#RECORD_OWNER})
   */
  public static PatientClient open(LedgerConnection connection, Identity patient) {
    if (patient.kind() != ParticipantKind.PATIENT) {
      throw new IllegalArgumentException("a patient client needs a patient identity");
    }
    Session s = new Session(connection, patient);
    if (!s.isActive(patient.id(), ParticipantKind.PATIENT)) {
      throw new AccessRefusedException(AccessRight.RECORD_OWNER, patient.id() + " is not an active patient on the ledger");
    }
    return new PatientClient(s);
  }

  /**
   * Registers a new patient, signed by the patient and countersigned by {@code registrar} (an
   * active institution, or an active clinician of one: the ledger refuses a registration without
   * such a countersignature), publishes its keys and returns its client. Keep the identity: export
   * it with {@link Identity#exportEncrypted}. Over the node runtime, {@code connection} must be one
   * whose key the nodes let register patients (a node's configured client, such as an
   * institution's registration gateway), not the patient's own.
   *
   * @throws IllegalArgumentException if {@code patient} is not a patient identity or
   *     {@code registrar} not an institution or clinician identity
   * @throws EntryRejectedException if the key is already registered or the registrar is not an
   *     active institution or clinician (both refused before the keys are published or anything is
   *     submitted), or the ledger or the connection refuses the registration
   */
  public static PatientClient register(LedgerConnection connection, Identity patient, Identity registrar) {
    if (patient.kind() != ParticipantKind.PATIENT) {
      throw new IllegalArgumentException("a patient client needs a patient identity");
    }
    if (registrar.kind() != ParticipantKind.INSTITUTION && registrar.kind() != ParticipantKind.CLINICIAN) {
      throw new IllegalArgumentException("a registrar is an institution or a clinician, not a " + registrar.kind().label());
    }
    Session s = new Session(connection, patient);
    connection.participant(patient.id()).ifPresent(p -> {
      throw new EntryRejectedException("refused before it was sent: key already registered as " + patient.id()
          + " (a " + p.kind().label() + ")");
    });
    Optional<Participant> r = connection.participant(registrar.id());
    if (r.isEmpty() || !r.get().active() || r.get().kind() != registrar.kind()) {
      throw new EntryRejectedException("refused before it was sent: registrar " + registrar.id()
          + " is not an active " + registrar.kind().label() + " on the ledger");
    }
    connection.publish(patient.card());
    io.medledger.chain.PatientRegistration reg = s.sign(
        new io.medledger.chain.PatientRegistration(patient.publicKey(), s.now(), List.of()));
    Session.await(s.submit(Entry.sign(reg, connection.parameters().chainId(), registrar.secretSigningKey())));
    return new PatientClient(s);
  }

  /** The patient's pseudonym (its ledger id). */
  public ParticipantId id() {
    return session.id();
  }

  /** The patient's identity (keep it safe: it holds the keys). */
  public Identity identity() {
    return session.self();
  }

  /** The query interface, filtered to this patient's own data. */
  public LedgerQuery query() {
    return query;
  }

  /**
   * Uploads a FHIR JSON resource or Bundle as an own record. Returns the final record entry with
   * the storage nodes' signed receipts for its payload and its de-identified copy.
   *
   * @throws io.medledger.storage.InsufficientReplicasException if fewer than w storage nodes
   *     took the payload (then nothing is written to the ledger)
   * @throws io.medledger.codec.MalformedEncodingException if the payload is not FHIR JSON
   */
  public WrittenRecord upload(byte[] fhirJson) {
    return Session.await(uploadAsync(fhirJson));
  }

  /** {@link #upload} as a future that completes once the record entry is final. */
  public CompletableFuture<WrittenRecord> uploadAsync(byte[] fhirJson) {
    PublicKey own = identity().encryptionPublicKey();
    PublicKey deidentified = ownCard().map(KeyCard::deidentifiedKey).orElse(own);
    return Payloads.sealAndStore(session, own, deidentified, id(), Optional.empty(), fhirJson, Optional.empty())
        .thenCompose(w -> Payloads.signAndSubmit(session, w));
  }

  /**
   * Uploads a payload of any size as an own record, streamed: read from {@code payload} (to its end;
   * the caller closes it), encrypted and sent to the storage nodes in bounded memory, so a large
   * imaging study is never held whole. The payload is not parsed: give its FHIR resource type. It
   * has no de-identified copy, so it is never shared for research. Returns the final record entry
   * with the storage nodes' signed receipts for the payload.
   *
   * @throws IllegalArgumentException if {@code resourceType} is not a FHIR resource type name
   * @throws io.medledger.storage.InsufficientReplicasException if fewer than w storage nodes
   *     took the payload (then nothing is written to the ledger)
   */
  public WrittenRecord upload(String resourceType, InputStream payload) {
    return Session.await(uploadAsync(resourceType, payload));
  }

  /** {@link #upload(String, InputStream)} as a future that completes once the record entry is final. */
  public CompletableFuture<WrittenRecord> uploadAsync(String resourceType, InputStream payload) {
    return Payloads.sealAndStoreStream(session, identity().encryptionPublicKey(), id(), Optional.empty(), resourceType,
        payload, Optional.empty()).thenCompose(w -> Payloads.signAndSubmit(session, w));
  }

  /**
   * Grants access: the re-encryption key to the grantee is split among the federation servers
   * (threshold t of n) and each fragment encrypted to its proxy, so the grant can be public.
   *
   * @throws AccessRefusedException before anything is submitted, if the grantee has no published
   *     keys ({@link AccessRight#KEY_CARD}), is no longer an active participant ({@link
   *     AccessRight#PARTICIPANT}) or is of a kind the purpose does not allow ({@link
   *     AccessRight#READER_ROLE}: treatment names an institution or a clinician, research an
   *     institution or a researcher), or if the scope names an id that is no record ({@link
   *     AccessRight#RECORD}) or another patient's record ({@link AccessRight#RECORD_OWNER})
   * @throws EntryRejectedException if the ledger refuses the grant, or, before anything is
   *     submitted, if the patient already holds {@link Limits#MAX_OPEN_GRANTS} grants not revoked (expired ones included) or
   *     their scopes with this one would list more than {@link Limits#MAX_OPEN_GRANT_SCOPE_ITEMS}
   *     resource types and records (the ledger's bounds: revoke one first)
   * @throws ProxyFailureException if a proxy could not take its fragment (the grant is final;
   *     the exception names the proxies)
   */
  public AccessGrant grant(GrantRequest request) {
    return Session.await(grantAsync(request));
  }

  /** {@link #grant} as a future that completes once the grant is final. */
  public CompletableFuture<AccessGrant> grantAsync(GrantRequest request) {
    KeyCard grantee = session.keyCard(request.grantee());
    LedgerConnection c = session.connection();
    Participant who = c.participant(request.grantee()).filter(Participant::active).orElseThrow(() ->
        new AccessRefusedException(AccessRight.PARTICIPANT, request.grantee() + " is not an active participant"));
    if (!request.purpose().allowsGrantee(who.kind())) {
      throw new AccessRefusedException(AccessRight.READER_ROLE, "a " + request.purpose().label()
          + " grant cannot name a " + who.kind().label() + " as grantee");
    }
    for (Digest r : request.scope().records()) {
      ownRecord(r);
    }
    requireRoomForGrant(request);
    List<ProxyKey> proxies = c.proxyKeys();
    GrantKeyMaterial km = GrantKeyMaterial.create(delegatingSecret(request.purpose()), identity().fragmentSigner(),
        grantee.encryptionKey(), proxies, c.threshold());
    long now = session.now();
    AccessGrant g = new AccessGrant(id(), request.grantee(), request.scope(), request.purpose(), now,
        now + request.validity().toMillis(), proxies.stream().map(p -> ParticipantId.fromHex(p.proxyId())).toList(),
        km.threshold(), km.fragments().stream().map(f -> ByteString.of(f.toBytes())).toList(), now, List.of());
    return session.signAndSubmit(g);
  }

  /**
   * Publishes the research key of a patient whose keys were published without one (before research
   * keys existed): a key publication on the ledger that carries the keys in force and the research
   * key, signed by the patient, then the key card with it. From then on new uploads seal their
   * de-identified copies to it and research grants delegate from it; the copies of records
   * uploaded before stay under the main key, and the research grants made before stop working at
   * the proxies ({@link #researchGrantsToRenew()} lists them). The ledger and the directories take
   * this once, and only with the keys in force. Open this client with
   * {@link Identity#withResearchKey()} of the patient's identity, and export that identity again.
   *
   * <p>A call that failed after the ledger took the publication (the card did not reach the
   * directory) may be made again with the same identity: it then publishes the card only.
   *
   * @return the key publication in force, once final
   * @throws IllegalStateException if this client's identity holds no research key
   * @throws EntryRejectedException before anything is submitted, if the ledger's publication in
   *     force or the published key card already names another research key, none is published, or
   *     the published card holds other keys; or if the ledger refuses the publication
   * @throws IllegalArgumentException if the key directory refuses the card
   */
  public KeyPublication addResearchKey() {
    SecretKey research = identity().secretResearchKey().orElseThrow(() -> new IllegalStateException(
        "the identity of " + id() + " holds no research key: open the client with Identity.withResearchKey()"));
    LedgerConnection c = session.connection();
    KeyCard card = identity().card();
    Optional<KeyPublication> onLedger = c.publishedKeys(id()).map(QueryHit::entry);
    Optional<PublicKey> ledgerResearch = onLedger.flatMap(KeyPublication::researchPublicKey);
    if (ledgerResearch.isPresent()) {
      if (!ledgerResearch.equals(card.researchKey())) {
        throw new EntryRejectedException("refused before it was sent: the ledger's key publication of " + id()
            + " already names another research key");
      }
      // an earlier call's publication is final: the card is all that may be missing
      if (c.keyCard(id()).filter(card::equals).isEmpty()) {
        c.publish(card);
      }
      ownCard = card;
      return onLedger.get();
    }
    KeyCard inForce = c.keyCard(id()).orElseThrow(() -> new EntryRejectedException(
        "refused before it was sent: " + id() + " has no published key card to add a research key to"));
    if (inForce.researchKey().isPresent()) {
      throw new EntryRejectedException("refused before it was sent: the key card of " + id()
          + " already names a research key");
    }
    if (!card.addsResearchKeyTo(inForce)) {
      throw new EntryRejectedException("refused before it was sent: the published key card of " + id()
          + " holds other keys than this identity");
    }
    KeyPublication p = Session.await(session.signAndSubmit(new KeyPublication(id(),
        ByteString.of(inForce.encryptionKey().toBytes()), ByteString.of(inForce.verifyingKey().toBytes()),
        Optional.of(ByteString.of(research.publicKey().toBytes())), session.now(), List.of())));
    ownCard = null; // the card kept is no longer the ledger's, should the one below not be published
    c.publish(card);
    ownCard = card;
    return p;
  }

  /**
   * The patient's research grants that stopped working when it added its research key: those not
   * revoked and not expired that the ledger recorded before the key publication in force carrying
   * the research key. Their fragments are of the main key, so the proxies re-encrypt nothing for
   * them; revoke each and grant again. Empty if the ledger holds no such publication.
   */
  public List<AccessGrant> researchGrantsToRenew() {
    Optional<QueryHit<KeyPublication>> p = session.connection().publishedKeys(id())
        .filter(h -> h.entry().researchKey().isPresent());
    if (p.isEmpty()) {
      return List.of();
    }
    long now = session.now();
    List<AccessGrant> out = new java.util.ArrayList<>();
    for (QueryHit<AccessGrant> h : session.allGrants(id())) {
      AccessGrant g = h.entry();
      if (g.purpose() == Purpose.RESEARCH && h.ledgerIndex() < p.get().ledgerIndex() && g.notAfter() > now
          && !session.connection().isGrantRevoked(g.id())) {
        out.add(g);
      }
    }
    return List.copyOf(out);
  }

  /**
   * The patient's published key card, asked of the connection until it is found, then kept.
   *
   * @throws AccessRefusedException if it disagrees with the ledger's key publication in force
   */
  private Optional<KeyCard> ownCard() {
    KeyCard c = ownCard;
    if (c == null) {
      c = session.checkedCard(id()).orElse(null);
      ownCard = c;
    }
    return Optional.ofNullable(c);
  }

  /**
   * The secret key a grant for {@code purpose} delegates from: the research key for a research
   * grant when the published key card names one (the de-identified copies are sealed to it, and
   * the proxies verify the fragments against it), else the encryption key.
   *
   * @throws IllegalStateException if the published card names a research key this identity does not hold
   */
  private SecretKey delegatingSecret(Purpose purpose) {
    Optional<PublicKey> research = purpose == Purpose.RESEARCH ? ownCard().flatMap(KeyCard::researchKey)
        : Optional.empty();
    if (research.isEmpty()) {
      return identity().secretEncryptionKey();
    }
    return identity().secretResearchKey().filter(k -> k.publicKey().equals(research.get()))
        .orElseThrow(() -> new IllegalStateException("the published key card of " + id()
            + " names a research key this identity does not hold"));
  }

  /**
   * Refuses a grant the ledger's bounds on the patient's grants not revoked certainly refuse. Only
   * the grants still in their validity window are counted (an expired one's revocation is not
   * visible here), so the ledger, which counts expired ones too, may still refuse.
   */
  private void requireRoomForGrant(GrantRequest request) {
    int open = 0;
    long items = scopeItems(request.scope());
    for (QueryHit<AccessGrant> h : session.allGrants(id())) {
      AccessGrant g = h.entry();
      // as the ledger counts them: every grant not revoked, expired or not yet valid ones included
      if (!session.connection().isGrantRevoked(g.id())) {
        open++;
        items += scopeItems(g.scope());
      }
    }
    if (open >= Limits.MAX_OPEN_GRANTS) {
      throw new EntryRejectedException("refused before it was sent: the patient already holds "
          + Limits.MAX_OPEN_GRANTS + " grants it has not revoked; revoke one first");
    }
    if (items > Limits.MAX_OPEN_GRANT_SCOPE_ITEMS) {
      throw new EntryRejectedException("refused before it was sent: the scopes of the patient's grants not revoked"
          + " would list " + items + " resource types and records together, more than "
          + Limits.MAX_OPEN_GRANT_SCOPE_ITEMS + "; revoke one first");
    }
  }

  private static long scopeItems(AccessScope s) {
    return (long) s.resourceTypes().size() + s.records().size();
  }

  /**
   * Revokes grant {@code grantId}: from the next block on it authorizes nothing and the proxies
   * discard their fragments. What a grantee already decrypted cannot be taken back. An expired
   * grant may still be revoked.
   *
   * @throws AccessRefusedException before anything is submitted, if the grant is another
   *     patient's ({@link AccessRight#RECORD_OWNER}), or there is no such grant or it is already
   *     revoked ({@link AccessRight#ACTIVE_GRANT})
   * @throws EntryRejectedException if the ledger refuses the revocation
   */
  public AccessRevocation revoke(Digest grantId) {
    return Session.await(revokeAsync(grantId));
  }

  /** {@link #revoke} as a future that completes once the revocation is final. */
  public CompletableFuture<AccessRevocation> revokeAsync(Digest grantId) {
    Optional<Entry> e = session.connection().entry(grantId);
    if (e.isEmpty() || !(e.get() instanceof AccessGrant g)) {
      throw new AccessRefusedException(AccessRight.ACTIVE_GRANT, "no grant " + grantId + " on the ledger");
    }
    if (!g.patient().equals(id())) {
      throw new AccessRefusedException(AccessRight.RECORD_OWNER, "grant " + grantId + " was made by another patient");
    }
    long now = session.now();
    if (session.connection().isGrantRevoked(grantId)) {
      throw new AccessRefusedException(AccessRight.ACTIVE_GRANT, "grant " + grantId + " is already revoked");
    }
    return session.signAndSubmit(new AccessRevocation(id(), grantId, now, List.of()));
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
  public byte[] read(Digest recordId) {
    return Session.await(readAsync(recordId));
  }

  /** {@link #read} as a future. */
  public CompletableFuture<byte[]> readAsync(Digest recordId) {
    return Payloads.readOwn(session, ownRecord(recordId));
  }

  /**
   * Reads an own record (logged on the ledger first) into {@code out}, streamed in bounded memory;
   * returns the payload length. Bytes reach {@code out} only from a copy the connection verified
   * whole (the client checks its digest and size again as it reads, and fails the read at its end
   * if the connection streamed another copy), and each 64 KiB only after it authenticated; if the
   * read fails part-way, discard what was written.
   *
   * @throws io.medledger.storage.BlobCorruptedException if the stream is not the record's payload
   *
   * @throws AccessRefusedException if the record is not this patient's
   * @throws RecordErasedException if its payload was erased
   */
  public long read(Digest recordId, OutputStream out) {
    return Session.await(readAsync(recordId, out));
  }

  /** {@link #read(Digest, OutputStream)} as a future. */
  public CompletableFuture<Long> readAsync(Digest recordId, OutputStream out) {
    return Payloads.readOwnTo(session, ownRecord(recordId), out);
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
   * Erases the payload of an own record: a {@link RecordErasure} signed by this patient made
   * final on the ledger (from then on the chain refuses access events for the record and
   * amendments of it), the grants scoped to this record only revoked and their proxy fragments
   * destroyed, and the copies deleted from every storage node.
   *
   * @throws AccessRefusedException if the record is not this patient's
   * @throws RecordErasedException if it is already erased
   * @throws EntryRejectedException if the ledger refuses the erasure (then nothing is deleted)
   */
  public ErasureReport erase(Digest recordId) {
    return Session.await(eraseAsync(recordId));
  }

  /** {@link #erase} as a future. */
  public CompletableFuture<ErasureReport> eraseAsync(Digest recordId) {
    return Erasures.erase(session, ownRecord(recordId));
  }

  private MedicalRecord ownRecord(Digest recordId) {
    MedicalRecord m = session.record(recordId);
    if (!m.patient().equals(id())) {
      throw new AccessRefusedException(AccessRight.RECORD_OWNER, "record " + recordId + " belongs to another patient");
    }
    return m;
  }

  /** Whether a grant is active now. */
  public boolean isGrantActive(Digest grantId) {
    return session.connection().isGrantActive(grantId, session.now());
  }

  @Override
  public String toString() {
    return "PatientClient[" + id() + "]";
  }
}
