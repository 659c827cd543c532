package io.medledger.federation;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.ErasureReport;
import io.medledger.client.KeyCard;
import io.medledger.client.LedgerConnection;
import io.medledger.client.ProxyFailureException;
import io.medledger.client.RecordErasedException;
import io.medledger.crypto.Digest;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.ProxyResponse;
import io.medledger.storage.ReplicatedBlobStore;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link LedgerConnection} of an in-process {@link Federation}: calls go straight to its
 * servers, sequencer and storage nodes, and the futures are complete when returned. Thread-safe.
 */
final class InProcessConnection implements LedgerConnection {
  private static final System.Logger LOG = System.getLogger(InProcessConnection.class.getName());
  private final Federation f;

  InProcessConnection(Federation f) {
    this.f = f;
  }

  @Override
  public ChainParameters parameters() {
    return f.parameters();
  }

  @Override
  public CertificatePolicy certificatePolicy() {
    return f.certificatePolicy();
  }

  @Override
  public Clock clock() {
    return f.clock();
  }

  @Override
  public CompletableFuture<EntryLocation> submit(Entry entry) {
    try {
      f.submitOrThrow(entry);
      EntryLocation at = f.reader().ledger().locate(entry.id())
          .orElseThrow(() -> new EntryRejectedException(entry.id() + " is not on the reader's ledger"));
      if (entry instanceof AccessGrant g) {
        checkFragmentsTaken(g);
      }
      return CompletableFuture.completedFuture(at);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void checkFragmentsTaken(AccessGrant g) {
    Map<ParticipantId, String> failures = new LinkedHashMap<>();
    for (FederationServer n : f.federationNodes()) {
      // an offline proxy takes its fragment when it catches up; a proxy that refused it is a fault
      if (g.proxies().contains(n.id()) && !n.holdsFragment(g.id()) && n.proxyProblem(g.id()).isPresent()) {
        failures.put(n.id(), n.proxyProblem(g.id()).get());
      }
    }
    if (!failures.isEmpty()) {
      ProxyFailureException e = new ProxyFailureException("grant " + g.id() + " is final, but "
          + failures.size() + " of " + g.proxies().size() + " proxies hold no fragment of it (threshold "
          + g.threshold() + ")", failures);
      LOG.log(System.Logger.Level.WARNING, e.getMessage());
      throw e;
    }
  }

  @Override
  public long height() {
    return f.reader().ledger().height();
  }

  @Override
  public CertifiedBlock block(long height) {
    return f.reader().ledger().block(height);
  }

  @Override
  public Optional<Entry> entry(Digest id) {
    return f.reader().entry(id);
  }

  @Override
  public Optional<Participant> participant(ParticipantId id) {
    return f.reader().ledger().participant(id);
  }

  @Override
  public boolean isGrantActive(Digest grantId, long time) {
    return f.reader().ledger().isGrantActive(grantId, time);
  }

  @Override
  public boolean isGrantRevoked(Digest grantId) {
    return f.reader().ledger().isGrantRevoked(grantId);
  }

  @Override
  public boolean isErased(Digest recordId) {
    return f.reader().ledger().isErased(recordId);
  }

  @Override
  public Page<MedicalRecord> records(RecordQuery query, PageRequest page) {
    return f.reader().ledger().records(query, page);
  }

  @Override
  public Page<AccessGrant> grantsByPatient(ParticipantId patient, PageRequest page) {
    return f.reader().ledger().grantsByPatient(patient, page);
  }

  @Override
  public Page<AccessGrant> grantsByGrantee(ParticipantId grantee, PageRequest page) {
    return f.reader().ledger().grantsByGrantee(grantee, page);
  }

  @Override
  public Page<AccessEvent> accessEventsByPatient(ParticipantId patient, PageRequest page) {
    return f.reader().ledger().accessEventsByPatient(patient, page);
  }

  @Override
  public PatientHistoryProof patientHistory(ParticipantId patient) {
    return f.reader().ledger().patientHistory(patient);
  }

  @Override
  public PatientHistoryPage patientHistory(ParticipantId patient, PageRequest page) {
    return f.reader().ledger().patientHistory(patient, page);
  }

  @Override
  public Optional<AnchorReceipt> receipt(Digest entryId, long ledgerIndex) {
    return f.receipt(entryId, ledgerIndex);
  }

  @Override
  public List<ServerTip> serverTips() {
    return f.nodes().stream()
        .map(n -> new ServerTip(n.id(), n.isOnline(), n.ledger().tip().map(BlockHeader::hash))).toList();
  }

  @Override
  public Optional<KeyCard> keyCard(ParticipantId id) {
    return f.directory().lookup(id);
  }

  @Override
  public Optional<QueryHit<KeyPublication>> publishedKeys(ParticipantId id) {
    io.medledger.chain.Ledger l = f.reader().ledger();
    return l.publishedKeys(id).flatMap(k -> l.locate(k.id())
        .map(at -> new QueryHit<>(k, at.height(), at.ledgerIndex(), Optional.empty())));
  }

  @Override
  public void publish(KeyCard card) {
    f.directory().publish(card);
  }

  @Override
  public List<ProxyKey> proxyKeys() {
    return f.proxyKeys();
  }

  @Override
  public int threshold() {
    return f.threshold();
  }

  @Override
  public CompletableFuture<ProxyResponse> reencrypt(ParticipantId proxy, Digest accessEvent) {
    Optional<FederationServer> server = f.federationNodes().stream().filter(n -> n.id().equals(proxy)).findFirst();
    if (server.isEmpty()) {
      return CompletableFuture.failedFuture(new ProxyFailureException("no such proxy",
          Map.of(proxy, "not a federation server of this federation")));
    }
    try {
      return CompletableFuture.completedFuture(server.get().reencrypt(accessEvent));
    } catch (AccessRefusedException | RecordErasedException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new ProxyFailureException("proxy failed",
          Map.of(proxy, String.valueOf(e.getMessage()))));
    }
  }

  @Override
  public CompletableFuture<ReplicatedBlobStore.Placement> putBlob(byte[] ciphertext) {
    try {
      return CompletableFuture.completedFuture(f.storage().putReplicated(ciphertext));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<byte[]> getBlob(Digest id, List<ParticipantId> preferred) {
    try {
      return CompletableFuture.completedFuture(f.storage().read(id, preferred.stream().map(ParticipantId::toHex).toList()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<ReplicatedBlobStore.Placement> putBlob(java.io.InputStream ciphertext) {
    try {
      return CompletableFuture.completedFuture(f.storage().putReplicated(ciphertext));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<java.io.InputStream> openBlob(Digest id, List<ParticipantId> preferred) {
    try {
      return CompletableFuture.completedFuture(f.storage().open(id, preferred.stream().map(ParticipantId::toHex).toList()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** As {@link #getBlob(Digest, List)}, taking no more than {@code size} bytes from a storage node. */
  @Override
  public CompletableFuture<byte[]> getBlob(Digest id, long size, List<ParticipantId> preferred) {
    return settled(() -> f.storage().read(id, size, preferred.stream().map(ParticipantId::toHex).toList()));
  }

  /** As {@link #openBlob(Digest, List)}, taking no more than {@code size} bytes from a storage node. */
  @Override
  public CompletableFuture<java.io.InputStream> openBlob(Digest id, long size, List<ParticipantId> preferred) {
    return settled(() -> f.storage().open(id, size, preferred.stream().map(ParticipantId::toHex).toList()));
  }

  /** {@code read}'s value as a completed future, or its failure as a failed one. */
  private static <T> CompletableFuture<T> settled(java.util.function.Supplier<T> read) {
    try {
      return CompletableFuture.completedFuture(read.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public ErasureReport finishErasure(Digest record) {
    return f.retryErasure(record);
  }

  @Override
  public String toString() {
    return "InProcessConnection[" + f + "]";
  }
}
