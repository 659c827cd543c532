package io.medledger.network;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.fhir.FhirDeidentifier;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.pre.EnvelopeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a researcher can do: query and read only records whose patients granted it research
 * access. A researcher only ever receives the de-identified copy that the record's author made
 * and sealed separately ({@link FhirDeidentifier} at the source): the proxies re-encrypt only that
 * copy's capsule under a research grant, so even a modified client gets no direct identifier.
 * The source pseudonyms of patient ids are replaced by per-researcher pseudonyms, so two
 * researchers cannot link their data sets by id.
 *
 * <p>Thread-safe.
 */
public final class ResearcherClient {
  private final Federation federation;
  private final Identity researcher;
  private final LedgerQuery query;

  ResearcherClient(Federation federation, Identity researcher) {
    if (researcher.kind() != ParticipantKind.RESEARCHER) {
      throw new IllegalArgumentException("a researcher client needs a researcher identity");
    }
    this.federation = federation;
    this.researcher = researcher;
    this.query = new LedgerQuery(federation, new Viewer(researcher.id(), ParticipantKind.RESEARCHER, Optional.empty(),
        false));
  }

  /** The researcher's ledger id. */
  public ParticipantId id() {
    return researcher.id();
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
   * @throws AccessRefusedException if no active research grant covers the record
   * @throws RecordErasedException if its payload was erased
   * @throws AccessRefusedException if the record has no de-identified copy (older entry format)
   */
  public byte[] read(Digest recordId) throws EnvelopeException {
    MedicalRecord rec = federation.record(recordId);
    AccessGrant g = federation.coveringGrant(rec, Set.of(id()), Purpose.RESEARCH, true)
        .orElseThrow(() -> new AccessRefusedException("research-grant", "patient " + rec.patient()
            + " has not granted research access to record " + recordId));
    byte[] plain = Payloads.readShared(federation, researcher, researcher.encryptionKey(), rec, g);
    return FhirDeidentifier.deidentify(plain, this::pseudonym);
  }

  private String pseudonym(String fhirPatientId) {
    Digest d = Sha256.hash("medledger/research-pseudonym/v1\0".getBytes(StandardCharsets.US_ASCII),
        researcher.id().digest().toByteArray(), fhirPatientId.getBytes(StandardCharsets.UTF_8));
    return "pseudo-" + Hex.encode(d.toByteArray()).substring(0, 16);
  }

  @Override
  public String toString() {
    return "ResearcherClient[" + id() + "]";
  }
}
