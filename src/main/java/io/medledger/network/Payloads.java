package io.medledger.network;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.codec.FhirIndexer;
import io.medledger.codec.FhirResourceInfo;
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
   * Encrypts {@code plaintext} for {@code patientKey}, writes it to the storage nodes and returns
   * the unsigned record entry. Nothing reaches the ledger if the write quorum is not met.
   */
  static MedicalRecord sealAndStore(Federation f, PublicKey patientKey, ParticipantId patient, ParticipantId author,
      Optional<ParticipantId> institution, byte[] plaintext, Optional<Digest> amends) {
    String type = resourceType(plaintext);
    byte[] envelope = RecordEnvelope.seal(patientKey, plaintext);
    EnvelopeHeader header;
    try {
      header = EnvelopeHeader.read(new ByteArrayInputStream(envelope));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ReplicatedBlobStore.Placement where = f.storage().putReplicated(envelope);
    List<ParticipantId> nodes = new ArrayList<>();
    for (String id : where.nodeIds()) {
      nodes.add(ParticipantId.fromHex(id));
    }
    return new MedicalRecord(patient, author, institution, type, where.id(), where.size(), nodes,
        ByteString.of(header.capsule().toBytes()), f.now(), amends, List.of());
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
   * Reads a record shared under {@code grant}: logs the access event, asks the federation
   * servers that hold fragments to re-encrypt until {@code threshold} answered, and decrypts
   * with the grantee's key. Proxies never see the payload or its key.
   */
  static byte[] readShared(Federation f, Identity reader, SecretKey granteeKey, MedicalRecord rec, AccessGrant grant)
      throws EnvelopeException {
    if (f.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    AccessEvent ev = logRead(f, reader, rec, Optional.of(grant));
    List<ProxyResponse> answers = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (Node n : f.federationNodes()) {
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
    byte[] envelope = fetch(f, rec);
    KeyCard owner = f.directory().require(rec.patient());
    return RecordEnvelope.openAsGrantee(granteeKey, owner.encryptionKey(), owner.verifyingKey(), grant.threshold(),
        answers, envelope);
  }
}
