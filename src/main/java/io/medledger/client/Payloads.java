package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.DeidentifiedCopy;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.fhir.FhirDeidentifier;
import io.medledger.fhir.FhirIndexer;
import io.medledger.fhir.FhirResourceInfo;
import io.medledger.pre.Capsule;
import io.medledger.pre.EnvelopeHeader;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.PublicKey;
import io.medledger.pre.RecordEnvelope;
import io.medledger.pre.SecretKey;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.pre.EntropySource;
import io.medledger.storage.BlobCorruptedException;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.StorageReceipt;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Shared client steps over a {@link Session}: seal and place a payload, log a read, fetch, re-encrypt and open. Stateless. */
final class Payloads {
  private static final System.Logger LOG = System.getLogger(Payloads.class.getName());

  /** Buffer between the sealing thread and the upload of a streamed payload. */
  private static final int PIPE_BYTES = 256 << 10;

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
   * seals that copy in an envelope of its own for {@code deidentifiedKey} (the patient's research
   * key, or {@code patientKey} for a patient that published none), writes both to the storage
   * nodes and completes with the unsigned record entry naming both, with the nodes' receipts for
   * both. Nothing reaches the ledger if the write quorum is not met for either.
   */
  static CompletableFuture<WrittenRecord> sealAndStore(Session s, PublicKey patientKey, PublicKey deidentifiedKey,
      ParticipantId patient, Optional<ParticipantId> institution, byte[] plaintext, Optional<Digest> amends) {
    String type = resourceType(plaintext);
    byte[] deidentified = FhirDeidentifier.deidentify(plaintext, id -> sourcePseudonym(patient, id));
    byte[] envelope = RecordEnvelope.seal(patientKey, plaintext);
    byte[] deidEnvelope = RecordEnvelope.seal(deidentifiedKey, deidentified);
    CompletableFuture<ReplicatedBlobStore.Placement> full = s.connection().putBlob(envelope);
    CompletableFuture<ReplicatedBlobStore.Placement> deid = s.connection().putBlob(deidEnvelope);
    return full.thenCombine(deid, (where, deidWhere) -> {
      List<ParticipantId> nodes = new ArrayList<>();
      for (String id : where.nodeIds()) {
        nodes.add(ParticipantId.fromHex(id));
      }
      DeidentifiedCopy copy = new DeidentifiedCopy(deidWhere.id(), deidWhere.size(), capsule(deidEnvelope));
      List<StorageReceipt> receipts = new ArrayList<>(where.receipts().values());
      receipts.addAll(deidWhere.receipts().values());
      return new WrittenRecord(new MedicalRecord(patient, s.id(), institution, type, where.id(), where.size(), nodes,
          capsule(envelope), s.now(), amends, Optional.of(copy), List.of()), receipts);
    });
  }

  /**
   * Streams {@code payload} into an envelope for {@code patientKey} and on to the storage nodes, in
   * bounded memory: a sealing thread encrypts into a pipe that the connection reads. Completes with
   * the unsigned record entry and the nodes' receipts. A streamed payload is not parsed, so it has no de-identified copy and
   * is never shared for research. If reading {@code payload} fails, the upload fails and no record
   * is made.
   */
  static CompletableFuture<WrittenRecord> sealAndStoreStream(Session s, PublicKey patientKey, ParticipantId patient,
      Optional<ParticipantId> institution, String resourceType, InputStream payload, Optional<Digest> amends) {
    if (resourceType == null || !resourceType.matches("[A-Z][A-Za-z]{0,63}")) {
      throw new IllegalArgumentException("a FHIR resource type is 1 to 64 ASCII letters starting upper-case");
    }
    CompletableFuture<EnvelopeHeader> sealed = new CompletableFuture<>();
    PipedInputStream pipe = new PipedInputStream(PIPE_BYTES);
    PipedOutputStream sink;
    try {
      sink = new PipedOutputStream(pipe);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread sealer = new Thread(() -> {
      try (PipedOutputStream out = sink) {
        sealed.complete(RecordEnvelope.seal(patientKey, payload, out, EntropySource.secure()));
      } catch (IOException | RuntimeException e) {
        sealed.completeExceptionally(e);
      }
    }, "medledger-seal");
    sealer.setDaemon(true);
    sealer.start();
    InputStream checked = new FilterInputStream(pipe) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0 && sealed.isCompletedExceptionally()) {
          throw new IOException("the payload could not be read and sealed", sealed.handle((h, e) -> e).join());
        }
        return n;
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }
    };
    return s.connection().putBlob(checked).whenComplete((p, e) -> {
      try {
        pipe.close();
      } catch (IOException ignored) {
        // the sealing thread then stops on a broken pipe
      }
    }).thenCombine(sealed, (where, header) -> new WrittenRecord(new MedicalRecord(patient, s.id(), institution,
        resourceType, where.id(), where.size(), where.nodeIds().stream().map(ParticipantId::fromHex).toList(),
        ByteString.of(header.capsule().toBytes()), s.now(), amends, Optional.empty(), List.of()),
        List.copyOf(where.receipts().values())));
  }

  /**
   * Signs the record entry of {@code unsigned} as the session's participant and submits it;
   * completes, once it is final, with the signed entry and the same receipts.
   */
  static CompletableFuture<WrittenRecord> signAndSubmit(Session s, WrittenRecord unsigned) {
    return s.signAndSubmit(unsigned.record()).thenApply(r -> new WrittenRecord(r, unsigned.storageReceipts()));
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

  /** Logs the read on the ledger (an access event signed by the reader); completes once it is final. */
  static CompletableFuture<AccessEvent> logRead(Session s, MedicalRecord rec, Optional<AccessGrant> grant) {
    return s.signAndSubmit(new AccessEvent(rec.patient(), s.id(), rec.id(), grant.map(AccessGrant::id), s.now(),
        List.of()));
  }

  /** The verified envelope bytes of {@code rec} from any storage node holding a good copy. */
  static CompletableFuture<byte[]> fetch(Session s, MedicalRecord rec) {
    if (s.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    return s.connection().getBlob(rec.payloadDigest(), rec.payloadSize(), rec.storageNodes())
        .thenApply(bytes -> verified(bytes, rec.payloadDigest(), rec.payloadSize()));
  }

  /**
   * {@code bytes} if they are {@code size} bytes long and hash to {@code id}: the connection's own
   * check is not relied on, so no unverified byte reaches the envelope code.
   *
   * @throws BlobCorruptedException otherwise
   */
  static byte[] verified(byte[] bytes, Digest id, long size) {
    if (bytes.length != size) {
      throw new BlobCorruptedException("the connection returned " + bytes.length + " bytes for payload " + id
          + ", not the " + size + " its record states");
    }
    if (!io.medledger.crypto.Sha256.hash(bytes).equals(id)) {
      throw new BlobCorruptedException("the bytes the connection returned for payload " + id + " do not hash to it");
    }
    return bytes;
  }

  /** The verified envelope of the de-identified copy of {@code rec}. */
  static CompletableFuture<byte[]> fetchDeidentified(Session s, MedicalRecord rec) {
    if (s.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    DeidentifiedCopy copy = rec.deidentified().orElseThrow(() -> new AccessRefusedException(
        AccessRight.DEIDENTIFIED_COPY, "record " + rec.id() + " has no de-identified copy and is never shared for research"));
    return s.connection().getBlob(copy.payloadDigest(), copy.payloadSize(), rec.storageNodes())
        .thenApply(bytes -> verified(bytes, copy.payloadDigest(), copy.payloadSize()));
  }

  /**
   * Streams the verified envelope of {@code rec} (its de-identified copy if {@code deidentified})
   * from the storage nodes and opens it with {@code open}, which decrypts to the caller's stream;
   * returns the payload length.
   */
  static CompletableFuture<Long> openStream(Session s, MedicalRecord rec, boolean deidentified, EnvelopeOpener open) {
    if (s.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    Digest id = deidentified ? rec.deidentified().orElseThrow().payloadDigest() : rec.payloadDigest();
    long size = deidentified ? rec.deidentified().orElseThrow().payloadSize() : rec.payloadSize();
    return s.connection().openBlob(id, size, rec.storageNodes()).thenApply(in -> {
      try (CheckedStream envelope = new CheckedStream(in, id, size)) {
        long n = open.open(envelope);
        envelope.readToEnd();
        return n;
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot stream record " + rec.id() + ": " + e.getMessage(), e);
      }
    });
  }

  /**
   * A payload stream checked as it is read against the digest and size its record states (the
   * connection's own check is not relied on): more bytes than stated fail at once, fewer or other
   * ones at the end of the stream.
   */
  private static final class CheckedStream extends FilterInputStream {
    private final Digest id;
    private final long size;
    private final java.security.MessageDigest sha = io.medledger.crypto.Sha256.newMessageDigest();
    private long count;
    private boolean checked;

    CheckedStream(InputStream in, Digest id, long size) {
      super(in);
      this.id = id;
      this.size = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n < 0) {
        check();
        return n;
      }
      sha.update(b, off, n);
      count += n;
      if (count > size) {
        throw new BlobCorruptedException("the connection streamed more than the " + size + " bytes of payload " + id);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] b = new byte[(int) Math.min(n, 8192)];
      int r = read(b, 0, b.length);
      return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    /** Reads what the opener left to the end of the stream, where the check is made. */
    void readToEnd() throws IOException {
      byte[] b = new byte[8192];
      while (read(b, 0, b.length) >= 0) {
        // bounded: past the stated size read throws
      }
    }

    private void check() {
      if (checked) {
        return;
      }
      if (count != size) {
        throw new BlobCorruptedException("the connection streamed " + count + " bytes for payload " + id
            + ", not the " + size + " its record states");
      }
      if (!Digest.of(sha.digest()).equals(id)) {
        throw new BlobCorruptedException("the bytes the connection streamed for payload " + id + " do not hash to it");
      }
      checked = true;
    }
  }

  /** Decrypts an envelope stream to the caller's output; returns the payload length. */
  @FunctionalInterface
  interface EnvelopeOpener {
    long open(InputStream envelope) throws IOException;
  }

  /** Reads an own record to {@code out}: logs the read, streams and opens with the owner's key. */
  static CompletableFuture<Long> readOwnTo(Session s, MedicalRecord m, OutputStream out) {
    if (s.isErased(m)) {
      throw new RecordErasedException(m.id());
    }
    return logRead(s, m, Optional.empty()).thenCompose(ev -> openStream(s, m, false,
        in -> RecordEnvelope.openAsOwner(s.self().secretEncryptionKey(), in, out)));
  }

  /** Reads an own record: logs the read, fetches and opens with the owner's key. */
  static CompletableFuture<byte[]> readOwn(Session s, MedicalRecord m) {
    if (s.isErased(m)) {
      throw new RecordErasedException(m.id());
    }
    return logRead(s, m, Optional.empty()).thenCompose(ev -> fetch(s, m))
        .thenApply(env -> RecordEnvelope.openAsOwner(s.self().secretEncryptionKey(), env));
  }

  /**
   * Reads a record shared under {@code grant}: logs the access event, asks the proxies the grant
   * names to re-encrypt, one after another until {@code threshold} answered, and decrypts with
   * the grantee's key. Proxies never see the payload or its key. Each answer is verified on
   * arrival; a proxy that is down, refuses (for a fault, a missing right or an erasure: its ledger
   * may lag, or it may lie), or answers with a fragment that does not verify (forged, for another
   * capsule, or another proxy's) is logged by name and skipped; if fewer than the threshold answer,
   * the read fails with the first refusal met ({@link AccessRefusedException},
   * {@link RecordErasedException}), or else a {@link ProxyFailureException} naming each failing
   * proxy.
   */
  static CompletableFuture<byte[]> readShared(Session s, SecretKey granteeKey, MedicalRecord rec, AccessGrant grant) {
    boolean research = grant.purpose() == Purpose.RESEARCH;
    return readSharedWith(s, granteeKey, rec, grant, (answers, owner) ->
        (research ? fetchDeidentified(s, rec) : fetch(s, rec)).thenApply(envelope -> RecordEnvelope.openAsGrantee(
            granteeKey, delegatingKey(owner, grant), owner.verifyingKey(), grant.threshold(), answers, envelope)));
  }

  /**
   * The key a grant delegates from: the patient's research key for a research grant if it
   * published one (the de-identified copy is sealed to it), else its encryption key.
   */
  static PublicKey delegatingKey(KeyCard owner, AccessGrant grant) {
    return grant.purpose() == Purpose.RESEARCH ? owner.deidentifiedKey() : owner.encryptionKey();
  }

  /**
   * {@link #readShared} streaming the payload to {@code out} (the de-identified copy under a
   * research grant); returns the payload length.
   */
  static CompletableFuture<Long> readSharedTo(Session s, SecretKey granteeKey, MedicalRecord rec, AccessGrant grant,
      OutputStream out) {
    return readSharedWith(s, granteeKey, rec, grant, (answers, owner) -> openStream(s, rec,
        grant.purpose() == Purpose.RESEARCH, in -> RecordEnvelope.openAsGrantee(granteeKey, delegatingKey(owner, grant),
            owner.verifyingKey(), grant.threshold(), answers, in, out)));
  }

  /**
   * The steps of a shared read before the payload: checks the reader may read under {@code grant},
   * logs the access event, asks the proxies, then hands their answers and the owner's key card to
   * {@code open}.
   */
  private static <T> CompletableFuture<T> readSharedWith(Session s, SecretKey granteeKey, MedicalRecord rec,
      AccessGrant grant,
      java.util.function.BiFunction<List<ProxyResponse>, KeyCard, CompletableFuture<T>> open) {
    if (s.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    Identity reader = s.self();
    if (!grant.purpose().allowsReader(reader.kind())) {
      throw new AccessRefusedException(AccessRight.READER_ROLE, "a " + grant.purpose().label()
          + " grant does not let a " + reader.kind().label() + " read");
    }
    if (grant.purpose() == Purpose.RESEARCH && rec.deidentified().isEmpty()) {
      throw new AccessRefusedException(AccessRight.DEIDENTIFIED_COPY, "record " + rec.id()
          + " has no de-identified copy and is never shared for research");
    }
    KeyCard owner = s.keyCard(rec.patient());
    Capsule capsule = Capsule.fromBytes((grant.purpose() == Purpose.RESEARCH ? rec.deidentified().orElseThrow().encryptionMetadata()
        : rec.encryptionMetadata()).toByteArray());
    Function<ProxyResponse, Optional<String>> check = r -> r.capsuleFrag()
        .verify(capsule, owner.verifyingKey(), delegatingKey(owner, grant), granteeKey.publicKey()).failure()
        .map(f -> "forged or wrong capsule fragment: " + f.description());
    return logRead(s, rec, Optional.of(grant))
        .thenCompose(ev -> askProxies(s, ev, grant, check, 0, new ArrayList<>(), new LinkedHashMap<>(), new ArrayList<>()))
        .thenCompose(answers -> open.apply(answers, owner));
  }

  private static CompletableFuture<List<ProxyResponse>> askProxies(Session s, AccessEvent ev, AccessGrant grant,
      Function<ProxyResponse, Optional<String>> check, int next, List<ProxyResponse> answers,
      Map<ParticipantId, String> failures, List<RuntimeException> refusals) {
    if (answers.size() == grant.threshold()) {
      return CompletableFuture.completedFuture(answers);
    }
    if (next >= grant.proxies().size() && !refusals.isEmpty()) {
      return CompletableFuture.failedFuture(refusals.get(0));
    }
    if (next >= grant.proxies().size()) {
      return CompletableFuture.failedFuture(new ProxyFailureException("only " + answers.size() + " of "
          + grant.threshold() + " proxies re-encrypted for access event " + ev.id(), failures));
    }
    ParticipantId proxy = grant.proxies().get(next);
    return s.connection().reencrypt(proxy, ev.id()).handle((r, err) -> {
      Optional<String> forged = err == null ? check.apply(r).or(() -> answers.stream()
          .filter(a -> java.util.Arrays.equals(a.capsuleFrag().kfragId(), r.capsuleFrag().kfragId())).findFirst()
          .map(a -> "replayed the fragment of proxy " + a.proxyId())) : Optional.empty();
      if (err == null && forged.isEmpty()) {
        answers.add(r);
      } else if (err == null) {
        failures.put(proxy, forged.get());
        LOG.log(System.Logger.Level.WARNING, "proxy {0} failed for access event {1}: {2}", proxy, ev.id(), forged.get());
      } else {
        Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
            ? err.getCause() : err;
        String why = c instanceof ProxyFailureException p && p.failures().containsKey(proxy)
            ? p.failures().get(proxy) : String.valueOf(c.getMessage());
        if (c instanceof AccessRefusedException || c instanceof RecordErasedException) {
          refusals.add((RuntimeException) c);
          why = "refused: " + why;
        }
        failures.put(proxy, why);
        LOG.log(System.Logger.Level.WARNING, "proxy {0} failed for access event {1}: {2}", proxy, ev.id(), why);
      }
      return next + 1;
    }).thenCompose(n -> askProxies(s, ev, grant, check, n, answers, failures, refusals));
  }
}
