package io.medledger.internal;

import io.medledger.access.Participant;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.DeidentifiedCopy;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.RecordErasedException;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.pre.Capsule;
import io.medledger.pre.EnvelopeException;
import java.util.List;
import java.util.Optional;

/**
 * The rules a re-encryption proxy applies, on its own ledger, before it transforms a capsule:
 * shared by the in-process federation servers and the node runtime's proxy service, so both
 * refuse the same requests with the same named right. Stateless; thread-safe.
 */
public final class ProxyRules {
  private ProxyRules() {}

  /** What a permitted request re-encrypts: the event, the grant whose fragment is used, and the capsule. */
  public record Permit(AccessEvent event, AccessGrant grant, Capsule capsule) {}

  /**
   * Checks access event {@code eventId} against {@code ledger} at time {@code now}, deny by
   * default: the event is final on this ledger and names a grant by the record's patient; its
   * reader is an active participant of a kind the grant's purpose allows and is the grantee or
   * belongs to the grantee institution; the grant is unrevoked and valid at {@code now}, and not
   * expired or revoked at the time of the ledger's last block either (so a proxy whose clock lags
   * its ledger does not serve a grant the ledger has outlived), and its scope covers the record
   * (and its amendment lineage); the record is not erased. A treatment
   * grant re-encrypts the record's capsule; a research grant only the de-identified copy's (for a
   * patient with a research key, the proxies took the research grant's fragments only if made
   * from that key, so they could not open the full payload's capsule anyway).
   *
   * @param proxy the proxy's name, for messages
   * @throws AccessRefusedException naming the missing right
   * @throws RecordErasedException if a final erasure names the record
   * @throws EnvelopeException if the record carries no capsule for the grant's purpose
   */
  public static Permit check(Ledger ledger, Digest eventId, long now, String proxy) {
    Entry e = entry(ledger, eventId).orElseThrow(() -> new AccessRefusedException(AccessRight.ACCESS_EVENT,
        "no final access event " + eventId + " on the ledger of proxy " + proxy));
    if (!(e instanceof AccessEvent event)) {
      throw new AccessRefusedException(AccessRight.ACCESS_EVENT, eventId + " is not an access event under a grant");
    }
    return check(ledger, event, now, proxy);
  }

  /**
   * As {@link #check(Ledger, Digest, long, String)} for {@code event}, which the rules check
   * before they require it to be final on this ledger.
   */
  public static Permit check(Ledger ledger, AccessEvent event, long now, String proxy) {
    if (event.grant().isEmpty()) {
      throw new AccessRefusedException(AccessRight.ACCESS_EVENT, event.id() + " is not an access event under a grant");
    }
    Digest grantId = event.grant().get();
    AccessGrant grant = ledger.grant(grantId).filter(g -> g.patient().equals(event.patient()))
        .orElseThrow(() -> new AccessRefusedException(AccessRight.ACTIVE_GRANT, "no grant " + grantId + " by "
            + event.patient() + " on the ledger of proxy " + proxy));
    Participant reader = ledger.participant(event.accessor()).filter(Participant::active)
        .orElseThrow(() -> new AccessRefusedException(AccessRight.READER_ROLE, event.accessor() + " is not an active participant"));
    if (!grant.purpose().allowsReader(reader.kind())) {
      throw new AccessRefusedException(AccessRight.READER_ROLE, "a " + grant.purpose().label() + " grant does not let a "
          + reader.kind().label() + " read; proxy " + proxy + " refuses");
    }
    if (!grant.grantee().equals(event.accessor()) && !reader.affiliation().map(grant.grantee()::equals).orElse(false)) {
      throw new AccessRefusedException(AccessRight.GRANTEE, "grant " + grantId + " is not for " + event.accessor());
    }
    if (ledger.locate(event.id()).isEmpty()) {
      throw new AccessRefusedException(AccessRight.ACCESS_EVENT, "no final access event " + event.id()
          + " on the ledger of proxy " + proxy);
    }
    long ledgerTime = ledger.tip().map(io.medledger.chain.BlockHeader::timestamp).orElse(now);
    if (!ledger.isGrantActive(grantId, now) || (ledgerTime > now && !ledger.isGrantActive(grantId, ledgerTime))) {
      throw new AccessRefusedException(AccessRight.ACTIVE_GRANT, "grant " + grantId + " is revoked or expired");
    }
    if (ledger.isErased(event.record())) {
      throw new RecordErasedException(event.record());
    }
    MedicalRecord rec = record(ledger, event.record()).orElseThrow(() -> new AccessRefusedException(AccessRight.RECORD,
        "no record " + event.record() + " on the ledger of proxy " + proxy));
    if (!rec.patient().equals(grant.patient())) {
      throw new AccessRefusedException(AccessRight.RECORD_OWNER, "record " + rec.id() + " is not the granting patient's");
    }
    List<Digest> lineage = ledger.recordLineage(rec.id()); // from the state: no amended record is read
    if (!grant.scope().covers(rec.resourceType(), lineage)) {
      throw new AccessRefusedException(grant.purpose() == Purpose.TREATMENT ? AccessRight.TREATMENT_GRANT
          : AccessRight.RESEARCH_GRANT, "the scope of grant " + grantId + " does not cover record " + rec.id());
    }
    ByteString metadata;
    if (grant.purpose() == Purpose.TREATMENT) {
      metadata = rec.encryptionMetadata();
    } else {
      metadata = rec.deidentified().map(DeidentifiedCopy::encryptionMetadata)
          .orElseThrow(() -> new EnvelopeException("record " + rec.id() + " carries no de-identified copy; proxy "
              + proxy + " never re-encrypts a full payload for " + grant.purpose().label()));
    }
    try {
      return new Permit(event, grant, Capsule.fromBytes(metadata.toByteArray()));
    } catch (IllegalArgumentException | MalformedEncodingException ex) {
      throw new EnvelopeException("record " + rec.id() + " carries no re-encryption capsule");
    }
  }

  private static Optional<MedicalRecord> record(Ledger ledger, Digest id) {
    return entry(ledger, id).filter(MedicalRecord.class::isInstance).map(MedicalRecord.class::cast);
  }

  /** The final entry {@code id} of {@code ledger}. */
  public static Optional<Entry> entry(Ledger ledger, Digest id) {
    return ledger.entry(id); // by its byte range: the rest of its block is neither read nor decoded
  }
}
