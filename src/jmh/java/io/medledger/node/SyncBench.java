package io.medledger.node;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.Ledger;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.PatientRegistration;
import io.medledger.chain.VerifiedBlock;
import io.medledger.codec.ByteString;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.ConsensusContext;
import io.medledger.consensus.ConsensusProtocol;
import io.medledger.consensus.Event;
import io.medledger.consensus.InMemorySafetyStore;
import io.medledger.consensus.LedgerApp;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.SignatureVerifier;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.bench.SyntheticWorkload;
import io.medledger.storage.InMemoryBlockStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Bulk sync of a certified chain of {@code blocks} blocks of 100 signed entries ({@link #workload}:
 * patient registrations, or the ingest benchmark's mix) (rotating-audit certificates by 3 of 4 audit servers): a server that joins with only the genesis
 * block fetches them from one peer through its {@link ProtocolDriver}, over TLS on loopback
 * ({@code syncTls}) or in-JVM ({@code syncLocal}), beside its ceiling in the same run: the same
 * blocks handed straight to a protocol instance ({@code verifyAndAppend}: certificate and block
 * verification and append, no network, no driver). One operation is the whole chain: blocks per
 * second = blocks / (seconds per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SyncBench {
  static final String PROTOCOL = "rotating-audit";
  static final int ENTRIES = 100;
  /** Blocks per sync request, as the driver below asks for. */
  static final int SYNC_BATCH = 256;
  static final TransportLimits LIMITS = TransportLimits.defaults();

  @Param({"300"})
  public int blocks;

  /**
   * The joining node's stores: {@code memory} (in-memory block and state stores, the ceiling of the
   * apply path) or {@code disk} (what a node runs on: {@code FileBlockStore}, RocksDB state and the
   * tile log in a temporary directory, each durable write forced to disk).
   */
  @Param({"memory"})
  public String store;

  /**
   * The blocks' entries: {@code registrations} (every entry registers a new patient: a new key to
   * decompress, a new participant and a new patient head each, the worst case for the apply path)
   * or {@code mixed} ({@code bench ingest}'s mix of registrations, records, grants, reads and
   * revocations, {@link SyntheticWorkload}).
   */
  @Param({"registrations"})
  public String workload;

  /**
   * What the joining node does with each block once its response is durable: {@code none}, or
   * {@code node}, which reads the block back from the ledger and looks at its entries and their
   * ids, as a node's commit listener does to complete submissions and feed its services.
   */
  @Param({"none"})
  public String listener;

  /** What the {@code node} listener saw, so that its reads are not optimized away. */
  long listened;

  ChainParameters params;
  Ledger source;
  /** The serving peer's directory, with {@code store=disk}; deleted when the trial ends. */
  java.nio.file.Path sourceDir;
  List<byte[]> encoded = new ArrayList<>();
  List<QuorumCertificate> certificates = new ArrayList<>();
  Ed25519PrivateKey server;
  Ed25519PrivateKey joiner;
  Map<Ed25519PublicKey, PeerAddress> serverAddress;
  TlsPeerTransport serverTls;
  ProtocolDriver serverTlsDriver;
  LocalNetwork localNet;
  LocalPeerTransport serverLocal;
  ProtocolDriver serverLocalDriver;

  // per invocation
  Ledger fresh;
  java.nio.file.Path freshDir;
  /**
   * The joining node's directories of earlier invocations, deleted only when the trial ends: on a
   * file system without a journal, ext4 skips inodes freed in the last minute or more when it
   * creates a file, so deleting thousands of files just before an invocation made that
   * invocation's file creations (block files, tiles, RocksDB tables) slower than a node's.
   */
  final List<java.nio.file.Path> spentDirs = new ArrayList<>();
  /** Shared by the joining node's engine and its ledger's certificate policy, as a node does. */
  SignatureVerifier freshVerifier;
  PeerTransport joinerTransport;
  ProtocolDriver joinerDriver;

  private static Ed25519PrivateKey key(String name) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(("sync-bench:" + name).getBytes(StandardCharsets.UTF_8)).toByteArray());
  }

  static ConsensusConfig config() {
    ConsensusConfig d = ConsensusConfig.defaults();
    return new ConsensusConfig(d.maxBlockEntries(), d.maxBlockBytes(), d.maxBatchDelay(), d.roundTimeout(),
        d.maxBackoffExponent(), d.retransmitInterval(), d.maxPendingEntries(),
        LIMITS.maxFrameBytes() - TransportLimits.FRAME_OVERHEAD, d.syncBatch());
  }

  /** Puts {@code b} on a node's disk stores in {@code dir}: block files, RocksDB state and the tile log. */
  static void onDisk(Ledger.Builder b, java.nio.file.Path dir) {
    b.store(io.medledger.storage.FileBlockStore.open(dir.resolve("blocks")))
        .state(io.medledger.storage.StateStore.rocksDb(dir.resolve("state")))
        .log(io.medledger.tlog.TileLog.open(dir.resolve("log")));
  }

  Ledger newLedger(SignatureVerifier verifier) throws java.io.IOException {
    Ledger.Builder b = Ledger.builder(params).clock(Clock.systemUTC())
        .certificatePolicy(LedgerApp.certificatePolicy(PROTOCOL, verifier));
    if ("disk".equals(store)) {
      freshDir = java.nio.file.Files.createTempDirectory("medledger-syncbench");
      onDisk(b, freshDir);
    } else if ("memory".equals(store)) {
      b.store(new InMemoryBlockStore());
    } else {
      throw new IllegalArgumentException("store must be memory or disk: " + store);
    }
    Ledger l = b.open();
    l.append(source.block(0));
    return l;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    params = ChainParameters.defaults("sync-bench");
    Digest chain = params.chainId();
    long t0 = System.currentTimeMillis() - 86_400_000L;
    Ed25519PrivateKey hospital = key("hospital");
    Ed25519PrivateKey hospitalB = key("hospital-b");
    List<Ed25519PrivateKey> fed = new ArrayList<>();
    List<Ed25519PrivateKey> aud = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fed.add(key("federation-" + i));
      aud.add(key("audit-" + i));
    }
    server = fed.get(0);
    joiner = aud.get(3);
    boolean mixed = "mixed".equals(workload);
    if (!mixed && !"registrations".equals(workload)) {
      throw new IllegalArgumentException("workload must be registrations or mixed: " + workload);
    }
    SyntheticWorkload w = new SyntheticWorkload(1);
    if (mixed) {
      hospital = w.institution(0);
      hospitalB = w.institution(1);
    }
    ParticipantId hid = ParticipantId.of(hospital.publicKey());
    List<Entry> genesis = new ArrayList<>();
    List<Ed25519PrivateKey[]> workloadSigners = new ArrayList<>();
    List<Entry> clinicians = mixed ? w.clinicians(t0, workloadSigners) : List.of();
    if (mixed) {
      List<Ed25519PrivateKey[]> s = new ArrayList<>();
      genesis.addAll(SyntheticWorkload.sign(w.institutions(t0, s), s, chain));
    } else {
    genesis.add(Entry.sign(new InstitutionRegistration(hospital.publicKey(), "Hospital", InstitutionClass.A, t0,
        List.of()), chain, hospital));
    genesis.add(Entry.sign(new InstitutionRegistration(hospitalB.publicKey(), "Hospital B", InstitutionClass.B, t0,
        List.of()), chain, hospitalB));
    }
    ParticipantId hidB = ParticipantId.of(hospitalB.publicKey());
    for (Ed25519PrivateKey f : fed) {
      genesis.add(Entry.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
          f.publicKey(), Optional.of(hid), t0, List.of()), chain, f));
    }
    for (Ed25519PrivateKey a : aud) {
      genesis.add(Entry.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER,
          a.publicKey(), Optional.of(hidB), t0, List.of()), chain, a));
    }
    if (mixed) {
      List<Ed25519PrivateKey[]> s = new ArrayList<>();
      Entry storageNode = w.storageNode(t0, s);
      genesis.addAll(SyntheticWorkload.sign(List.of(storageNode), s, chain));
      genesis.addAll(SyntheticWorkload.sign(clinicians, workloadSigners, chain));
    }
    Ledger.Builder sb = Ledger.builder(params).clock(Clock.systemUTC())
        .certificatePolicy(LedgerApp.certificatePolicy(PROTOCOL));
    if ("disk".equals(store)) {
      // the serving peer on a node's stores too: its state off the heap that the joining node's
      // collector marks, as in a separate process
      sourceDir = java.nio.file.Files.createTempDirectory("medledger-syncbench-source");
      onDisk(sb, sourceDir);
    } else {
      sb.store(new InMemoryBlockStore());
    }
    source = sb.open();
    io.medledger.chain.BlockCandidate gc = source.propose(ParticipantId.of(fed.get(0).publicKey()), 0, ByteString.EMPTY,
        t0, genesis).value();
    if (!gc.rejected().isEmpty()) {
      throw new IllegalStateException("genesis entry rejected: " + gc.rejected().get(0).reason());
    }
    VerifiedBlock g = gc.block();
    source.append(g, io.medledger.chain.Certificate.EMPTY).value();
    LedgerApp app = new LedgerApp(source);
    int n = 0;
    source.deferDurability();
    for (int h = 1; h <= blocks; h++) {
      long time = mixed ? t0 + 1000L * h : t0 + 1000L + h;
      List<Entry> es = new ArrayList<>();
      if (mixed) {
        es.addAll(w.nextBlock(time, ENTRIES, chain));
      } else {
        for (int i = 0; i < ENTRIES; i++) {
          Ed25519PrivateKey p = key("patient-" + n++);
          es.add(Entry.sign(new PatientRegistration(p.publicKey(), time, List.of()), chain, p, hospital));
        }
      }
      VerifiedBlock b = source.propose(ParticipantId.of(fed.get(h % 4).publicKey()), 0, ByteString.EMPTY, time, es)
          .value().block();
      if (b.block().entries().size() != ENTRIES) {
        throw new IllegalStateException("benchmark block lost entries");
      }
      List<Ed25519PublicKey> voters = Protocols.voters(PROTOCOL, app.membership(h));
      Statement st = new Statement(StatementKind.PRECOMMIT, h, 0, b.header().hash(), -1);
      List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
      for (int v = 0; v < 3; v++) {
        Ed25519PrivateKey signer = aud.stream().filter(k -> k.publicKey().equals(voters.get(sigs.size()))).findFirst()
            .orElseThrow();
        sigs.add(new QuorumCertificate.VoterSignature(sigs.size(), signer.sign(st.signingBytes(chain))));
      }
      QuorumCertificate cert = new QuorumCertificate(st, sigs);
      source.append(b, new io.medledger.chain.Certificate(List.of(), ByteString.of(cert.encode()))).value();
      encoded.add(app.encode(app.committedBlock(h)));
      certificates.add(cert);
      if (h % 256 == 0) {
        source.makeDurable();
        source.deferDurability();
      }
    }
    source.makeDurable();
    // the serving peer, over TLS and in-JVM
    serverTls = TlsPeerTransport.start(new TransportConfig(TlsIdentity.of(server), new PeerAddress("127.0.0.1", 0),
        chain, Map.of(), LIMITS));
    serverTlsDriver = driver(server, source, serverTls, SignatureVerifier.DIRECT);
    serverTlsDriver.start();
    localNet = new LocalNetwork();
    serverLocal = localNet.attach(server.publicKey(), LIMITS, 8192);
    serverLocalDriver = driver(server, source, serverLocal, SignatureVerifier.DIRECT);
    serverLocalDriver.start();
  }

  private ProtocolDriver driver(Ed25519PrivateKey k, Ledger ledger, PeerTransport t, SignatureVerifier verifier) {
    LedgerApp app = new LedgerApp(ledger);
    ConsensusProtocol p = Protocols.create(PROTOCOL, app,
        new ConsensusContext(k, Clock.systemUTC(), new SecureRandom(), new InMemorySafetyStore(), verifier), config());
    if (!"none".equals(listener) && !"node".equals(listener)) {
      throw new IllegalArgumentException("listener must be none or node: " + listener);
    }
    ConsensusListener l = new ConsensusListener() {};
    if (k == joiner && "node".equals(listener)) {
      l = new ConsensusListener() {
        @Override
        public void committed(io.medledger.consensus.Action.Committed c) {
          io.medledger.chain.CertifiedBlock b = ledger.block(c.height());
          List<Entry> entries = b.block().entries();
          List<io.medledger.crypto.Digest> ids = b.block().entryIds();
          for (int i = 0; i < entries.size(); i++) {
            listened += entries.get(i).kind().ordinal() + ids.get(i).hashCode();
          }
        }
      };
    }
    return new ProtocolDriver(p, app, t, l, DriverOptions.defaults()
        .withSync(Duration.ofMillis(50), Duration.ofSeconds(5), SYNC_BATCH, Duration.ofSeconds(1)), LIMITS.maxFrameBytes());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    serverTlsDriver.close();
    serverTls.close();
    serverLocalDriver.close();
    serverLocal.close();
    source.close();
    if (sourceDir != null) {
      spentDirs.add(sourceDir);
      sourceDir = null;
    }
    deleteSpentDirs();
  }

  /** Per invocation: a fresh genesis-only ledger for the joining server. */
  @Setup(Level.Invocation)
  public void freshJoiner() throws java.io.IOException {
    freshVerifier = SignatureVerifier.remembering(4096);
    fresh = newLedger(freshVerifier);
  }

  @TearDown(Level.Invocation)
  public void closeJoiner() {
    if (joinerDriver != null) {
      joinerDriver.close();
      joinerDriver = null;
    }
    if (joinerTransport != null) {
      joinerTransport.close();
      joinerTransport = null;
    }
    if (fresh != null) {
      fresh.close();
      fresh = null;
    }
    if (freshDir != null) {
      spentDirs.add(freshDir);
      freshDir = null;
    }
  }

  /** Deletes the joining node's directories of every invocation so far. */
  void deleteSpentDirs() {
    for (java.nio.file.Path d : spentDirs) {
      try (var files = java.nio.file.Files.walk(d)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    spentDirs.clear();
  }

  private void await(Ledger l, long height) throws InterruptedException {
    long end = System.nanoTime() + 600_000_000_000L;
    while (l.height() < height) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("sync stalled at " + l.height());
      }
      Thread.sleep(1);
    }
  }

  private void connect(PeerTransport serverSide, PeerTransport joinerSide, PeerAddress serverAddr, PeerAddress joinerAddr)
      throws InterruptedException {
    serverSide.updatePeers(Map.of(joiner.publicKey(), joinerAddr));
    joinerSide.updatePeers(Map.of(server.publicKey(), serverAddr));
    long end = System.nanoTime() + 30_000_000_000L;
    while (!joinerSide.connectedPeers().contains(server.publicKey())) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("no connection");
      }
      Thread.sleep(1);
    }
  }

  /**
   * The ceiling: the same certified blocks handed to a protocol instance directly, in runs of
   * {@value #SYNC_BATCH} (a sync response's worth; one durable write per run, as the driver does).
   */
  @Benchmark
  public long verifyAndAppend() {
    LedgerApp app = new LedgerApp(fresh);
    ConsensusProtocol p = Protocols.create(PROTOCOL, app,
        new ConsensusContext(joiner, Clock.systemUTC(), new SecureRandom(), new InMemorySafetyStore(), freshVerifier),
        config());
    p.handle(new Event.Start());
    for (int i = 0; i < encoded.size(); i++) {
      if (i % SYNC_BATCH == 0) {
        app.beginCatchUp();
      }
      p.handle(new Event.BlockDelivered(encoded.get(i), certificates.get(i)));
      if (i % SYNC_BATCH == SYNC_BATCH - 1 || i == encoded.size() - 1) {
        app.endCatchUp();
      }
    }
    if (fresh.height() != blocks) {
      throw new IllegalStateException("ceiling appended " + fresh.height());
    }
    return fresh.height();
  }

  /** CPU nanoseconds of the second thread in the last {@link #applyDecodedAhead}. */
  long aheadCpuNanos;

  /**
   * The applying thread alone: each run of {@value #SYNC_BATCH} blocks is first handed, on a second
   * thread, to {@link io.medledger.consensus.ConsensusApp#predecode(byte[], QuorumCertificate)} and
   * {@link io.medledger.consensus.ConsensusApp#predecodeAll} (what the driver's decoder thread does
   * with a sync response), then applied as in {@link #verifyAndAppend}. The benchmark
   * thread's CPU is then the applying thread's; the second thread's is {@link #aheadCpuNanos}.
   */
  @Benchmark
  public long applyDecodedAhead() throws Exception {
    LedgerApp app = new LedgerApp(fresh);
    ConsensusProtocol p = Protocols.create(PROTOCOL, app,
        new ConsensusContext(joiner, Clock.systemUTC(), new SecureRandom(), new InMemorySafetyStore(), freshVerifier),
        config());
    p.handle(new Event.Start());
    java.util.concurrent.ExecutorService ahead = java.util.concurrent.Executors.newSingleThreadExecutor();
    long[] cpu = {0};
    try {
      for (int from = 0; from < encoded.size(); from += SYNC_BATCH) {
        int first = from;
        int end = Math.min(encoded.size(), from + SYNC_BATCH);
        ahead.submit(() -> {
          long c0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
          // as the driver's decoder thread: the first block alone, then runs checked together
          app.predecode(encoded.get(first), certificates.get(first));
          for (int i = first + 1; i < end; i += ProtocolDriver.PREDECODE_RUN) {
            int to = Math.min(end, i + ProtocolDriver.PREDECODE_RUN);
            app.predecodeAll(encoded.subList(i, to), certificates.subList(i, to));
          }
          cpu[0] += java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - c0;
        }).get();
        app.beginCatchUp();
        for (int i = first; i < end; i++) {
          p.handle(new Event.BlockDelivered(encoded.get(i), certificates.get(i)));
        }
        app.endCatchUp();
      }
    } finally {
      ahead.shutdownNow();
    }
    aheadCpuNanos = cpu[0];
    if (fresh.height() != blocks) {
      throw new IllegalStateException("applied " + fresh.height());
    }
    return fresh.height();
  }

  /** Waits for the joining driver's loop to finish its current task (the last response made durable). */
  private void awaitLoop() throws InterruptedException {
    try {
      joinerDriver.call(p -> p.height()).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the joining driver did not answer", e);
    }
  }

  /** Bulk sync from one peer over TLS 1.3 on loopback. */
  @Benchmark
  public long syncTls() throws InterruptedException {
    TlsPeerTransport t = TlsPeerTransport.start(new TransportConfig(TlsIdentity.of(joiner),
        new PeerAddress("127.0.0.1", 0), params.chainId(), Map.of(), LIMITS));
    joinerTransport = t;
    connect(serverTls, t, serverTls.boundAddress(), t.boundAddress());
    joinerDriver = driver(joiner, fresh, t, freshVerifier);
    joinerDriver.start();
    await(fresh, blocks);
    awaitLoop();
    return fresh.height();
  }

  /** Bulk sync from one peer in-JVM (the driver and sync without TLS and sockets). */
  @Benchmark
  public long syncLocal() throws InterruptedException {
    LocalPeerTransport t = localNet.attach(joiner.publicKey(), LIMITS, 8192);
    joinerTransport = t;
    connect(serverLocal, t, new PeerAddress("local", 1), new PeerAddress("local", 1));
    joinerDriver = driver(joiner, fresh, t, freshVerifier);
    joinerDriver.start();
    await(fresh, blocks);
    awaitLoop();
    return fresh.height();
  }
}
