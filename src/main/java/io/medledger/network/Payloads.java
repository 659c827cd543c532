package io.medledger.network;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.DeidentifiedCopy;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.fhir.FhirDeidentifier;
import io.medledger.fhir.FhirIndexer;
import io.medledger.fhir.FhirResourceInfo;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.EnvelopeHeader;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.PublicKey;
import io.medledger.pre.RecordEnvelope;
import io.medledger.pre.SecretKey;
import io.medledger.storage.ReplicatedBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Shared client steps: seal and place a payload, log a read, fetch, re-encrypt and open. Stateless. */
final class Payloads {
  private Payloads() {}

  /** The FHIR resource type at the top of {@code fhirJson} (a resource or a Bundle). */
  static String resourceType(byte[] fhirJson) {
    List<FhirResourceInfo> info = new FhirIndexer().index(fhirJson);
    if (info.isEmpty()) {
      throw new MalformedEncodingException("not a FHIR resource");
    }
    return info.get(0).resourceType();
  }

  /**
   * Encrypts {@code plaintext} for {@code patientKey}, de-identifies it here, at the source, and
   * seals that copy in an envelope of its own for the same key, writes both to the storage nodes
   * and returns the unsigned record entry naming both. Nothing reaches the ledger if the write
   * quorum is not met for either.
   */
  static MedicalRecord sealAndStore(Federation f, PublicKey patientKey, ParticipantId patient, ParticipantId author,
      Optional<ParticipantId> institution, byte[] plaintext, Optional<Digest> amends) {
    String type = resourceType(plaintext);
    byte[] deidentified = FhirDeidentifier.deidentify(plaintext, id -> sourcePseudonym(patient, id));
    byte[] envelope = RecordEnvelope.seal(patientKey, plaintext);
    byte[] deidEnvelope = RecordEnvelope.seal(patientKey, deidentified);
    ReplicatedBlobStore.Placement where = f.storage().putReplicated(envelope);
    ReplicatedBlobStore.Placement deidWhere = f.storage().putReplicated(deidEnvelope);
    List<ParticipantId> nodes = new ArrayList<>();
    for (String id : where.nodeIds()) {
      nodes.add(ParticipantId.fromHex(id));
    }
    DeidentifiedCopy copy = new DeidentifiedCopy(deidWhere.id(), deidWhere.size(), capsule(deidEnvelope));
    return new MedicalRecord(patient, author, institution, type, where.id(), where.size(), nodes,
        capsule(envelope), f.now(), amends, Optional.of(copy), List.of());
  }

  private static ByteString capsule(byte[] envelope) {
    try {
      return ByteString.of(EnvelopeHeader.read(new ByteArrayInputStream(envelope)).capsule().toBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The pseudonym that replaces a FHIR Patient id in the de-identified copy: a hash of the
   * patient's ledger pseudonym (already public) and the FHIR id, so the author of any of the
   * patient's records computes the same one. Researcher clients re-pseudonymize it per researcher.
   */
  static String sourcePseudonym(ParticipantId patient, String fhirPatientId) {
    Digest d = io.medledger.crypto.Sha256.hash(
        "medledger/source-pseudonym/v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        patient.digest().toByteArray(), fhirPatientId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return "pseudo-" + io.medledger.codec.Hex.encode(d.toByteArray()).substring(0, 16);
  }

  /** Logs the read on the ledger (an access event signed by the reader) and returns the event. */
  static AccessEvent logRead(Federation f, Identity reader, MedicalRecord rec, Optional<AccessGrant> grant) {
    AccessEvent ev = f.sign(new AccessEvent(rec.patient(), reader.id(), rec.id(), grant.map(AccessGrant::id), f.now(),
        List.of()), reader);
    f.submitOrThrow(ev);
    return ev;
  }

  /** The verified envelope bytes of {@code rec} from any storage node holding a good copy. */
  static byte[] fetch(Federation f, MedicalRecord rec) {
    if (f.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    return f.storage().read(rec.payloadDigest(), rec.storageNodes().stream().map(ParticipantId::toHex).toList());
  }

  /**
   * The verified envelope of the de-identified copy of {@code rec}.
   *
   * @throws AccessRefusedException if the record has no de-identified copy (it cannot be shared
   *     for research)
   */
  static byte[] fetchDeidentified(Federation f, MedicalRecord rec) {
    if (f.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    DeidentifiedCopy copy = rec.deidentified().orElseThrow(() -> new AccessRefusedException("deidentified-copy",
        "record " + rec.id() + " has no de-identified copy and is never shared for research"));
    return f.storage().read(copy.payloadDigest(), rec.storageNodes().stream().map(ParticipantId::toHex).toList());
  }

  /**
   * Reads a record shared under {@code grant}: logs the access event, asks the federation
   * servers that hold fragments to re-encrypt until {@code threshold} answered, and decrypts
   * with the grantee's key. Proxies never see the payload or its key.
   */
  static byte[] readShared(Federation f, Identity reader, SecretKey granteeKey, MedicalRecord rec, AccessGrant grant)
      throws EnvelopeException {
    if (f.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    if (!grant.purpose().allowsReader(reader.kind())) {
      throw new AccessRefusedException("reader-role", "a " + grant.purpose().label() + " grant does not let a "
          + reader.kind().label() + " read");
    }
    boolean research = grant.purpose() == Purpose.RESEARCH;
    if (research && rec.deidentified().isEmpty()) {
      throw new AccessRefusedException("deidentified-copy", "record " + rec.id()
          + " has no de-identified copy and is never shared for research");
    }
    AccessEvent ev = logRead(f, reader, rec, Optional.of(grant));
    List<ProxyResponse> answers = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (FederationServer n : f.federationNodes()) {
      if (answers.size() == grant.threshold()) {
        break;
      }
      if (!grant.proxies().contains(n.id())) {
        continue;
      }
      try {
        answers.add(n.reencrypt(ev.id()));
      } catch (EnvelopeException | IllegalStateException e) {
        failures.add(e.getMessage());
      }
    }
    if (answers.size() < grant.threshold()) {
      throw new EnvelopeException("only " + answers.size() + " of " + grant.threshold()
          + " proxies re-encrypted: " + String.join("; ", failures));
    }
    byte[] envelope = research ? fetchDeidentified(f, rec) : fetch(f, rec);
    KeyCard owner = f.directory().require(rec.patient());
    return RecordEnvelope.openAsGrantee(granteeKey, owner.encryptionKey(), owner.verifyingKey(), grant.threshold(),
        answers, envelope);
  }
}
