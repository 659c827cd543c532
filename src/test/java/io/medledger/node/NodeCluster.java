package io.medledger.node;

import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Ledger;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.ConsensusContext;
import io.medledger.consensus.ConsensusProtocol;
import io.medledger.consensus.InMemorySafetyStore;
import io.medledger.consensus.LedgerApp;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.RotatingAuditProtocol;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.storage.InMemoryBlockStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Test fixture: the servers of a {@link ChainFixture} federation, each with its own in-memory
 * ledger from the same genesis, its own protocol instance and {@link ProtocolDriver}, over TLS on
 * loopback or over a {@link LocalNetwork}. Closes everything it started.
 */
final class NodeCluster implements AutoCloseable {
  static final TransportLimits LIMITS = TransportLimits.defaults().withTiming(Duration.ofSeconds(10),
      Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofMillis(500));

  final ChainFixture fixture;
  final String protocol;
  final boolean tls;
  final List<Actor> members = new ArrayList<>();
  final List<Ledger> ledgers = new ArrayList<>();
  final List<LedgerApp> apps = new ArrayList<>();
  final List<PeerTransport> transports = new ArrayList<>();
  final List<ProtocolDriver> drivers = new ArrayList<>();
  final Map<Ed25519PublicKey, PeerAddress> addresses = new HashMap<>();
  private final LocalNetwork local = new LocalNetwork();

  NodeCluster(String protocol, boolean tls, int federation, int audit) {
    this.fixture = ChainFixture.builder().federationServers(federation).auditServers(audit).build();
    fixture.clock.set(System.currentTimeMillis());
    this.protocol = protocol;
    this.tls = tls;
    members.addAll(fixture.federation);
    if (protocol.equals(RotatingAuditProtocol.NAME)) {
      members.addAll(fixture.auditors);
    }
  }

  int maxBlockEntries = 100;
  /** The signature verifier every node's consensus uses. */
  io.medledger.consensus.SignatureVerifier verifier = io.medledger.consensus.SignatureVerifier.DIRECT;
  /** Most blocks a driver asks for in one bulk-sync request. */
  int syncBatch = 256;
  /** Bytes of sync responses a driver serves one peer per second. */
  long syncServeBytesPerSecond = DriverOptions.defaults().syncServeBytesPerSecond();

  ConsensusConfig consensusConfig() {
    ConsensusConfig d = ConsensusConfig.defaults().withBatching(maxBlockEntries, 1 << 20, Duration.ofMillis(20))
        .withTiming(Duration.ofMillis(1500), Duration.ofMillis(300));
    return new ConsensusConfig(d.maxBlockEntries(), d.maxBlockBytes(), d.maxBatchDelay(), d.roundTimeout(),
        d.maxBackoffExponent(), d.retransmitInterval(), d.maxPendingEntries(),
        LIMITS.maxFrameBytes() - TransportLimits.FRAME_OVERHEAD, d.syncBatch());
  }

  /** A fresh ledger holding only the genesis block. */
  Ledger newLedger() {
    Ledger l = Ledger.builder(fixture.params).store(new InMemoryBlockStore()).clock(Clock.systemUTC())
        .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open();
    CertifiedBlock genesis = fixture.ledger.block(0);
    l.append(genesis);
    return l;
  }

  /** Creates (but does not start) the node of every member, with empty ledgers. */
  void create() {
    for (Actor a : members) {
      ledgers.add(newLedger());
      transports.add(transport(a));
    }
    updatePeers();
  }

  PeerTransport transport(Actor a) {
    PeerTransport t;
    if (tls) {
      TlsPeerTransport tt = TlsPeerTransport.start(new TransportConfig(TlsIdentity.of(a.key()),
          new PeerAddress("127.0.0.1", 0), fixture.params.chainId(), Map.of(), LIMITS));
      addresses.put(a.publicKey(), tt.boundAddress());
      t = tt;
    } else {
      t = local.attach(a.publicKey(), LIMITS, 8192);
      addresses.put(a.publicKey(), new PeerAddress("local", 1));
    }
    return t;
  }

  void updatePeers() {
    for (PeerTransport t : transports) {
      t.updatePeers(addresses);
    }
  }

  ProtocolDriver driver(int i, Ledger ledger, PeerTransport t, ConsensusListener listener) {
    return driver(i, ledger, t, listener, DriverOptions.defaults()
        .withSync(Duration.ofMillis(200), Duration.ofSeconds(2), syncBatch, Duration.ofSeconds(2))
        .withSyncServeRate(syncServeBytesPerSecond));
  }

  ProtocolDriver driver(int i, Ledger ledger, PeerTransport t, ConsensusListener listener, DriverOptions options) {
    LedgerApp app = new LedgerApp(ledger);
    ConsensusContext ctx = new ConsensusContext(members.get(i).key(), Clock.systemUTC(), new SecureRandom(),
        new InMemorySafetyStore(), verifier);
    ConsensusProtocol p = Protocols.create(protocol, app, ctx, consensusConfig());
    return new ProtocolDriver(p, app, t, listener, options, LIMITS.maxFrameBytes());
  }

  void startAll() {
    startAllBut(-1);
  }

  /**
   * Starts the driver of every member but {@code skipped} (none when -1), in member order: the
   * skipped member's transport stays connected, for a test to speak through it.
   */
  void startAllBut(int skipped) {
    for (int i = 0; i < members.size(); i++) {
      if (i != skipped) {
        ProtocolDriver d = driver(i, ledgers.get(i), transports.get(i), new ConsensusListener() {});
        drivers.add(d);
        d.start();
      }
    }
  }

  static void await(BooleanSupplier c, long millis, String what) throws InterruptedException {
    await(c, millis, () -> what);
  }

  static void await(BooleanSupplier c, long millis, java.util.function.Supplier<String> what) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000L;
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + millis + " ms waiting for " + what.get());
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    for (ProtocolDriver d : drivers) {
      d.close();
    }
    for (PeerTransport t : transports) {
      t.close();
    }
  }
}
