package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.fhir.FhirDeidentifier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What a researcher can do: query and read only records whose patients granted it research
 * access. A researcher only ever receives the de-identified copy that the record's author made
 * and sealed separately ({@link FhirDeidentifier} at the source): the proxies re-encrypt only that
 * copy's capsule under a research grant, so even a modified client gets no direct identifier.
 * The source pseudonyms of patient ids are replaced by per-researcher pseudonyms, so two
 * researchers cannot link their data sets by id. Holds the researcher's own keys only.
 *
 * <p>Thread-safe.
 */
public final class ResearcherClient {
  private final Session session;
  private final LedgerQuery query;

  private ResearcherClient(Session session) {
    this.session = session;
    this.query = new LedgerQuery(session, new Viewer(session.id(), ParticipantKind.RESEARCHER, Optional.empty(),
        false));
  }

  /**
   * The client of a researcher registered on the ledger, from its own keys.
   *
   * @throws IllegalArgumentException if {@code researcher} is not a researcher identity
   * @throws AccessRefusedException if the ledger has no active researcher with this key
   */
  public static ResearcherClient open(LedgerConnection connection, Identity researcher) {
    if (researcher.kind() != ParticipantKind.RESEARCHER) {
      throw new IllegalArgumentException("a researcher client needs a researcher identity");
    }
    Session s = new Session(connection, researcher);
    if (!s.isActive(researcher.id(), ParticipantKind.RESEARCHER)) {
      throw new AccessRefusedException(AccessRight.READER_ROLE, researcher.id() + " is not an active researcher on the ledger");
    }
    return new ResearcherClient(s);
  }

  /** The researcher's ledger id. */
  public ParticipantId id() {
    return session.id();
  }

  /** The researcher's identity (its own keys; keep it safe). */
  public Identity identity() {
    return session.self();
  }

  /** The query interface, filtered to research-consented records. */
  public LedgerQuery query() {
    return query;
  }

  /** Every research-consented record visible to this researcher. */
  public List<RecordView> consentedRecords() {
    return query.allRecords(RecordQuery.all());
  }

  /**
   * Reads the de-identified copy of a consented record.
   *
   * @throws AccessRefusedException if no active research grant covers the record, or the record
   *     has no de-identified copy (older entry format), or this researcher is no longer active
   *     ({@link AccessRight#PARTICIPANT})
   * @throws RecordErasedException if its payload was erased
   * @throws ProxyFailureException if fewer than t proxies answered, naming the failing ones
   */
  public byte[] read(Digest recordId) {
    return Session.await(readAsync(recordId));
  }

  /** {@link #read} as a future. */
  public CompletableFuture<byte[]> readAsync(Digest recordId) {
    session.requireActive(ParticipantKind.RESEARCHER);
    MedicalRecord rec = session.record(recordId);
    AccessGrant g = session.coveringGrant(rec, Set.of(id()), Purpose.RESEARCH, true)
        .orElseThrow(() -> new AccessRefusedException(AccessRight.RESEARCH_GRANT, "patient " + rec.patient()
            + " has not granted research access to record " + recordId));
    return Payloads.readShared(session, session.self().secretEncryptionKey(), rec, g)
        .thenApply(plain -> FhirDeidentifier.deidentify(plain, this::pseudonym));
  }

  private String pseudonym(String fhirPatientId) {
    Digest d = Sha256.hash("medledger/research-pseudonym/v1\0".getBytes(StandardCharsets.US_ASCII),
        id().digest().toByteArray(), fhirPatientId.getBytes(StandardCharsets.UTF_8));
    return "pseudo-" + Hex.encode(d.toByteArray()).substring(0, 16);
  }

  @Override
  public String toString() {
    return "ResearcherClient[" + id() + "]";
  }
}
