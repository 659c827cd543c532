package io.medledger.node;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorJournal;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorRecord;
import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Block;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.LedgerReplayException;
import io.medledger.chain.Limits;
import io.medledger.chain.ValidationResult;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.Action;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.ConsensusContext;
import io.medledger.consensus.ConsensusProtocol;
import io.medledger.consensus.FileSafetyStore;
import io.medledger.consensus.LedgerApp;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.SignatureVerifier;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.OwnerOnly;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.LogResources;
import io.medledger.tlog.NoteKeyBinding;
import io.medledger.tlog.TileLog;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server of one institution, running: its keys, its data directory with the block store and
 * consensus safety state, its ledger, and the consensus protocol driven over a
 * {@link PeerTransport} by a {@link ProtocolDriver}. Entries are submitted asynchronously with
 * {@link #submit}: concurrent submissions share blocks (the protocol's batching: at most
 * {@code max_block_entries} per block, the oldest waiting at most {@code batch_delay_ms}), and each
 * block is appended with one fsync on each node.
 *
 * <p>Everything the node needs after a restart comes from its data directory and the ledger: the
 * key store, the block store (replayed and verified on open), the safety store and the anchor
 * journal (pending receipts are rebuilt from it and the ledger).
 *
 * <p>Starting a node lowers the CPU priority of RocksDB's compaction threads (nice 19 on Linux) for
 * the whole process, so that compactions use the CPU time consensus leaves: this applies to any
 * other RocksDB database the embedding application runs through RocksJava's default environment.
 *
 * <p>Thread-safe.
 */
public final class Node implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Node.class.getName());
  /**
   * A pending submission is re-checked against the tip (and re-sent) by the sweeper after this
   * long, then after twice as long each time, up to {@link #RECHECK_MAX_MILLIS}. A re-check hashes
   * the entry and checks its authorization against the tip; its signatures are found in the
   * ledger's cache of verified encodings until the entry has aged out of it, and only then
   * verified again. Under load every submission waits, so a fixed period would add work exactly
   * when the node has none to spare.
   */
  private static final long RECHECK_MILLIS = 2_000;
  private static final long RECHECK_MAX_MILLIS = 30_000;
  /** Sub-directory of the block store in the data directory. */
  static final String BLOCKS = "blocks";
  /** Sub-directory of the ledger-wide log's tiles and checkpoints in the data directory. */
  static final String LOG_DIR = "log";
  /** The ledger state (participants, grants, records, indexes) in RocksDB, so reopening replays nothing. */
  static final String STATE_DIR = "state";
  /** File of the consensus safety state in the data directory. */
  static final String SAFETY = "consensus-safety";
  /** Sub-directory of the key cards published to this node. */
  static final String KEY_CARDS = "keycards";
  /** Sub-directory of the anchor journal in the data directory. */
  static final String ANCHORS = "anchors";
  /** Sub-directory of {@link #ANCHORS} with the anchor entries the ledger records, one file per submitter, rebuilt on start. */
  static final String RECORDED_ANCHORS = "recorded";
  /** Most anchors of the journal, from an entry's height up, that {@link #pendingReceipt} tries. */
  static final int RECEIPT_ANCHORS = 64;

  private final NodeConfig config;
  /** {@link NodeConfig#clients()} as a set: every client request asks it, and the list may hold 100,000 keys. */
  private final Set<Ed25519PublicKey> clientKeys;
  private final NodeKeys keys;
  private final Ledger ledger;
  private final LedgerApp app;
  private final PeerTransport transport;
  private final boolean ownsTransport;
  private final ProtocolDriver driver;
  private final NodeMetrics metrics;
  private final ProxyService proxy;
  private final StorageService storage;
  private final AnchorJournal anchors;
  private final LedgerAnchorView anchorView;
  private volatile AnchoringService anchoring;
  private final TileLog tiles;
  private final CheckpointService checkpoints;
  private final KeyCardStore cards;
  private final LedgerRequests ledgerRequests;
  private volatile io.medledger.internal.transport.TileHttpServer tileServer;
  private final Map<Digest, Pending> pending = new ConcurrentHashMap<>();
  /** Pending submissions per client key of the client endpoint. */
  private final io.medledger.internal.KeyedCounts<Ed25519PublicKey> pendingByClient =
      new io.medledger.internal.KeyedCounts<>();
  /** Pending patient registrations per registrar that countersigned them, whoever submitted them. */
  private final io.medledger.internal.KeyedCounts<io.medledger.access.ParticipantId> pendingByRegistrar =
      new io.medledger.internal.KeyedCounts<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final ScheduledExecutorService sweeper;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private volatile boolean closed;
  /** The keys this node opened itself (and so destroys on close), or null when its starter gave them. */
  private volatile NodeKeys ownedKeys;
  private volatile Throwable failure;
  private volatile PeerAddress clientAddress;

  /**
   * Certificate signatures remembered between the check ahead on the sync decoder thread, the
   * engine's check and the ledger's: a sync response of 256 blocks with up to 16 signers each.
   */
  private static final int CERTIFICATE_SIGNATURES_REMEMBERED = 4096;

  private static final class Pending {
    final Entry entry;
    final byte[] encoded;
    final long startNanos = System.nanoTime();
    final CompletableFuture<Finality> future = new CompletableFuture<>();
    /** Sweeper thread only. */
    long nextCheckMillis = System.currentTimeMillis() + RECHECK_MILLIS;
    long recheckMillis = RECHECK_MILLIS;

    Pending(Entry entry) {
      this.entry = entry;
      this.encoded = entry.encode();
    }
  }

  private Node(NodeConfig config, NodeKeys keys, Ledger ledger, TileLog tiles, PeerTransport transport,
      boolean ownsTransport, NodeMetrics metrics, SignatureVerifier verifier) {
    this.config = config;
    this.clientKeys = Set.copyOf(config.clients());
    this.keys = keys;
    this.ledger = ledger;
    this.tiles = tiles;
    this.checkpoints = new CheckpointService(ledger, tiles,
        CheckpointStore.open(config.dataDirectory().resolve(LOG_DIR)), transport,
        config.role() == ServerRole.FEDERATION ? Optional.of(keys.ledgerSecretKey()) : Optional.empty());
    this.app = new LedgerApp(ledger);
    this.transport = transport;
    this.ownsTransport = ownsTransport;
    this.metrics = metrics;
    this.anchors = AnchorJournal.inDirectory(config.dataDirectory().resolve(ANCHORS));
    this.anchorView = new LedgerAnchorView(ledger, config.dataDirectory().resolve(ANCHORS).resolve(RECORDED_ANCHORS));
    this.cards = KeyCardStore.open(config.dataDirectory().resolve(KEY_CARDS));
    // removals and key publications committed before a crash let it delete them
    int dropped = cards.forgetAll(c -> removed(ledger, c.id()) || KeyCardStore.contradicted(ledger, c));
    if (dropped > 0) {
      LOG.log(Level.INFO, () -> "dropped the key cards of " + dropped + " participants the ledger removed or whose"
          + " key publications contradict them");
    }
    this.proxy = config.role() == ServerRole.FEDERATION ? new ProxyService(ledger,
        io.medledger.access.ParticipantId.of(keys.ledgerKey()), keys.encryptionSecretKey(), metrics, cards::lookup) : null;
    this.ledgerRequests = new LedgerRequests(ledger, config.chain(), config.consensus().protocol(),
        k -> clientKeys.contains(k) || k.equals(keys.ledgerKey()), cards, proxy,
        clientLimits(config.limits()).maxFrameBytes());
    if (proxy != null) {
      proxy.replay();
    }
    ConsensusConfig cc = consensusConfig(config);
    int maxFrame = transportFrameCap(cc);
    ConsensusContext ctx = new ConsensusContext(keys.ledgerSecretKey(), Clock.systemUTC(), new SecureRandom(),
        new FileSafetyStore(config.dataDirectory().resolve(SAFETY), cc), verifier);
    ConsensusProtocol protocol = Protocols.create(config.consensus().protocol(), app, ctx, cc);
    this.driver = new ProtocolDriver(protocol, app, transport, new Listener(), DriverOptions.defaults(), maxFrame);
    String tag = keys.ledgerKey().toHex().substring(0, 8);
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "medledger-node-sweeper-" + tag);
      t.setDaemon(true);
      return t;
    });
    // last, so that nothing after it can fail and leave its threads and its index's lock behind
    this.storage = config.role() == ServerRole.STORAGE ? storageService(config, ledger, clientKeys, keys.signer()) : null;
  }

  private static StorageService storageService(NodeConfig config, Ledger ledger, Set<Ed25519PublicKey> clientKeys,
      LedgerSigner signer) {
    try {
      return new StorageService(ledger, config.dataDirectory(), config.storage(), clientKeys, signer);
    } catch (StoreException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "storage service in " + config.dataDirectory() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The protocol's configuration: the consensus settings, and the registrar share
   * ({@code limits.max_pending_per_registrar}) as the most of one registrar's registrations one
   * peer's gossip holds, counted per peer apart from this node's clients' share, so that no peer
   * can use that share up.
   */
  static ConsensusConfig consensusConfig(NodeConfig config) {
    return config.consensus().toConsensusConfig().withGossipedPerShare(config.limits().maxPendingPerRegistrar());
  }

  private static int transportFrameCap(ConsensusConfig cc) {
    return (int) Math.min(TransportLimits.defaults().maxFrameBytes(),
        (long) cc.maxMessageBytes() + TransportLimits.FRAME_OVERHEAD);
  }

  /**
   * Starts a node over {@code transport} (which the node closes when {@code ownsTransport}, also
   * when the start fails) with keys already opened: opens the data directory and the ledger (writing the genesis block on
   * first start), admits the configured peers that the ledger lists, and starts consensus.
   *
   * @throws NodeException if the keys do not match the configuration, the data directory is in use,
   *     holds another chain or cannot be used (a file where the node keeps a directory), or the
   *     genesis file is missing or wrong
   */
  public static Node start(NodeConfig config, NodeKeys keys, PeerTransport transport, boolean ownsTransport,
      NodeMetrics metrics) {
    return start(config, keys, transport, ownsTransport, metrics, Clock.systemUTC());
  }

  /** {@link #start(NodeConfig, NodeKeys, PeerTransport, boolean, NodeMetrics)} with the clock anchoring reads (tests). */
  static Node start(NodeConfig config, NodeKeys keys, PeerTransport transport, boolean ownsTransport,
      NodeMetrics metrics, Clock anchoringClock) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(anchoringClock, "anchoringClock");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(metrics, "metrics");
    TileLog[] log = new TileLog[1];
    // one verifier for the engine and the ledger's certificate policy: each certificate is verified once
    SignatureVerifier verifier = SignatureVerifier.remembering(CERTIFICATE_SIGNATURES_REMEMBERED);
    Ledger ledger = null;
    Node n;
    try {
      if (!keys.ledgerKey().equals(config.ledgerKey())) {
        throw new NodeException(NodeException.Reason.CONFIG, "field 'ledger_key' names " + config.ledgerKey().toHex()
            + " but the key store holds " + keys.ledgerKey().toHex());
      }
      ledger = openLedger(config, log, verifier);
      checkRole(config, ledger);
      n = new Node(config, keys, ledger, log[0], transport, ownsTransport, metrics, verifier);
    } catch (RuntimeException e) {
      if (ledger != null) {
        ledger.close();
      }
      if (ownsTransport) {
        closeQuietly(transport);
      }
      if (e instanceof java.io.UncheckedIOException u) {
        throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot use the data directory "
            + config.dataDirectory() + ": " + u.getCause(), u);
      }
      throw e;
    }
    n.closeWith(n.checkpoints);
    if (n.storage != null) {
      n.closeWith(n.storage);
    }
    if (config.tiles().isPresent()) {
      NodeConfig.TileServing ts = config.tiles().get();
      try {
        n.tileServer = io.medledger.internal.transport.TileHttpServer.start(
            new java.net.InetSocketAddress(ts.listen().host(), ts.listen().port()), ts.prefix(),
            new LogResources(n.tiles, n.checkpoints.store(), LogResources.ledgerLeaves(ledger)));
        n.closeWith(n.tileServer);
      } catch (Exception e) { // Netty throws a BindException undeclared
        n.close();
        throw new NodeException(NodeException.Reason.PORT, "cannot listen on " + ts.listen() + " (field 'tiles.listen'): "
            + e.getMessage(), e);
      }
    }
    n.updatePeers();
    n.checkpoints.started(ledger.tip().orElseThrow());
    n.driver.start();
    n.sweeper.scheduleWithFixedDelay(n::sweep, 500, 500, TimeUnit.MILLISECONDS);
    if (config.anchoring().isPresent()) {
      try {
        n.anchoring = new AnchoringService(n, n.anchorView, config.anchoring().get(), keys.ledgerSecretKey(), n.anchors,
            config.dataDirectory().resolve(ANCHORS), anchoringClock);
      } catch (RuntimeException e) {
        n.close();
        throw e;
      }
      n.closeWith(n.anchoring);
      n.anchoring.start();
    }
    LOG.log(Level.INFO, () -> "node " + config.role().label() + " " + keys.ledgerKey().toHex() + " started at height "
        + n.ledger.height());
    return n;
  }

  /**
   * Starts the node {@code config} describes, as its own server: reads the passphrase from the
   * configured source, opens the key store in the data directory, and listens for peers with TLS
   * 1.3 (certificates bound to the ledger key) on {@code listen}. The keys are the node's own: they
   * are destroyed when it closes (or fails to start).
   *
   * @throws NodeException for a bad passphrase or key store (PASSPHRASE, KEY_STORE), a port in
   *     use (PORT), or any reason of {@link #start(NodeConfig, NodeKeys, PeerTransport, boolean, NodeMetrics)}
   */
  public static Node start(NodeConfig config, NodeMetrics metrics) {
    char[] pass = NodeKeys.passphrase(config.keySource());
    NodeKeys keys;
    try {
      keys = NodeKeys.open(config.dataDirectory().resolve(NodeKeys.FILE_NAME), pass);
    } finally {
      java.util.Arrays.fill(pass, '\0');
    }
    try {
      return startWith(config, keys, metrics);
    } catch (RuntimeException e) {
      keys.destroy();
      throw e;
    }
  }

  private static Node startWith(NodeConfig config, NodeKeys keys, NodeMetrics metrics) {
    TlsPeerTransport t;
    try {
      t = TlsPeerTransport.start(new TransportConfig(TlsIdentity.of(keys.ledgerSecretKey()), config.listen(),
          parameters(config).chainId(), Map.of(), TransportLimits.defaults()));
    } catch (Exception e) { // Netty throws a BindException undeclared
      Throwable c = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
      throw new NodeException(NodeException.Reason.PORT, "cannot listen on " + config.listen() + " (field 'listen'): "
          + c.getMessage(), e);
    }
    Node n;
    try {
      n = start(config, keys, t, true, metrics);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    n.ownedKeys = keys;
    try {
      NodeEndpoint ep = NodeEndpoint.start(config.clientListen(), TlsIdentity.of(keys.ledgerSecretKey()), n::admitsClient,
          n::handleRequest, clientLimits(config.limits()));
      n.clientAddress = ep.boundAddress();
      n.closeWith(ep);
    } catch (Exception e) { // Netty throws a BindException undeclared
      n.close();
      Throwable c = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
      throw new NodeException(NodeException.Reason.PORT, "cannot listen on " + config.clientListen()
          + " (field 'client_listen'): " + c.getMessage(), e);
    }
    return n;
  }

  /** The client endpoint's transport bounds: frames up to the largest request, the configured rate per client. */
  static TransportLimits clientLimits(NodeConfig.NodeLimits l) {
    TransportLimits t = TransportLimits.defaults().withMaxFrameBytes(l.maxRequestBytes());
    return t.withInbound(t.inboundMemoryBytes(), t.inboundBytesPerSecond(), l.clientRequestsPerSecond());
  }

  /** The chain parameters of {@code config}'s chain under its consensus protocol. */
  public static ChainParameters parameters(NodeConfig config) {
    NodeConfig.ConsensusSettings c = config.consensus();
    return ChainParameters.defaults(config.chain()).withRegistrarsFrom(c.registrarsFrom())
        .withReusedKeysFrom(c.reusedKeysFrom())
        .withRegistrationBound(c.registrationsPerRegistrar(), c.registrationBoundFrom());
  }

  /** Closes what a failed open left open; closing an already closed store is harmless. */
  private static void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception ignored) {
        // the open already failed; its error is the one reported
      }
    }
  }

  private static Ledger openLedger(NodeConfig config, TileLog[] log, SignatureVerifier verifier) {
    Path data = config.dataDirectory();
    try {
      OwnerOnly.createDirectories(data);
      String p = OwnerOnly.problem(data);
      if (p != null) {
        throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "data directory " + p);
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot create data directory " + data + ": " + e.getMessage());
    }
    FileBlockStore store;
    try {
      store = FileBlockStore.open(data.resolve(BLOCKS));
    } catch (StoreException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "block store in " + data + ": " + e.getMessage(), e);
    }
    TileLog tiles;
    try {
      tiles = TileLog.open(data.resolve(LOG_DIR));
    } catch (StoreException e) {
      store.close();
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "ledger-wide log in " + data + ": " + e.getMessage(), e);
    }
    log[0] = tiles;
    StateStore state;
    try {
      state = StateStore.rocksDb(data.resolve(STATE_DIR));
    } catch (StoreException e) {
      tiles.close();
      store.close();
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "ledger state in " + data + ": " + e.getMessage(), e);
    }
    try {
      // compactions yield to consensus: a compaction's burst of CPU would otherwise stall heights
      // (docs/deployment.md, "Processes and CPU")
      io.medledger.internal.rocksdb.RocksStateStore.lowerCompactionPriority();
    } catch (StoreException e) {
      closeQuietly(state, tiles, store);
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "ledger state in " + data + ": " + e.getMessage(), e);
    }
    Ledger ledger;
    try {
      ledger = Ledger.builder(parameters(config)).store(store).state(state).log(tiles).clock(Clock.systemUTC())
          .certificatePolicy(LedgerApp.certificatePolicy(config.consensus().protocol(), verifier)).open();
    } catch (LedgerReplayException | StoreException e) {
      closeQuietly(state, tiles, store);
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "the chain in " + data + " does not verify: " + e.getMessage(), e);
    }
    try {
      if (ledger.height() < 0) {
        CertifiedBlock g = readGenesis(config);
        ValidationResult<CertifiedBlock> r = ledger.append(g);
        if (!r.isAccepted()) {
          throw new NodeException(NodeException.Reason.CONFIG, "genesis " + config.genesis() + " does not validate: " + r.reason());
        }
      } else if (!ledger.header(0).hash().equals(config.genesisHash())) {
        throw new NodeException(NodeException.Reason.DATA_DIRECTORY,
            "data directory " + data + " holds another chain (genesis " + ledger.header(0).hash() + ")");
      }
    } catch (RuntimeException e) {
      ledger.close();
      throw e;
    }
    return ledger;
  }

  /**
   * Reads and checks the genesis block file named by {@code config}.
   *
   * @throws NodeException with reason CONFIG if it is missing, not a regular file, malformed or not
   *     the configured hash
   */
  public static CertifiedBlock readGenesis(NodeConfig config) {
    byte[] bytes;
    try (InputStream in = io.medledger.internal.BoundedInput.openRegularFile(config.genesis())) {
      bytes = in.readNBytes(Limits.MAX_BLOCK_BYTES + 1);
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.CONFIG, "cannot read genesis " + config.genesis() + ": " + e.getMessage());
    }
    CertifiedBlock g;
    try {
      if (bytes.length > Limits.MAX_BLOCK_BYTES) {
        throw new MalformedEncodingException("larger than a block may be");
      }
      g = CertifiedBlock.decode(bytes);
    } catch (MalformedEncodingException e) {
      throw new NodeException(NodeException.Reason.CONFIG, "genesis " + config.genesis() + " is not a block: " + e.getMessage());
    }
    if (g.header().height() != 0 || !g.header().hash().equals(config.genesisHash())) {
      throw new NodeException(NodeException.Reason.CONFIG,
          "genesis " + config.genesis() + " does not match field 'genesis_hash'");
    }
    return g;
  }

  /**
   * Refuses a configuration this node's own chain contradicts: {@code ledger_key} registered as
   * another kind of participant than {@code role} names. A key the chain does not list as a serving
   * server of the role is not refused: the local chain may be behind the block that added it (a new
   * or rotated server starting from the genesis block), reinstated it or added it back. Such a node
   * starts, follows the chain from its peers (who admit it once their ledgers list it) and takes
   * part from the height its own ledger lists it; a warning says so.
   */
  private static void checkRole(NodeConfig config, Ledger ledger) {
    Ed25519PublicKey k = config.ledgerKey();
    ParticipantKind kind = switch (config.role()) {
      case FEDERATION -> ParticipantKind.FEDERATION_SERVER;
      case AUDIT -> ParticipantKind.AUDIT_SERVER;
      case STORAGE -> ParticipantKind.STORAGE_NODE;
    };
    Optional<io.medledger.access.Participant> listed = ledger.participant(io.medledger.access.ParticipantId.of(k));
    if (listed.isPresent() && listed.get().kind() != kind) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'role': the ledger registers key " + k.toHex() + " as "
          + listed.get().kind().label() + ", not as " + kind.label());
    }
    boolean serving = switch (config.role()) {
      case FEDERATION -> ledger.membership().federationKeys().contains(k);
      case AUDIT -> ledger.membership().auditKeys().contains(k);
      case STORAGE -> listed.filter(io.medledger.access.Participant::active).isPresent();
    };
    if (!serving) {
      LOG.log(Level.WARNING, () -> "the ledger at height " + ledger.height() + " does not list key " + k.toHex()
          + " as a serving " + kind.label() + " (" + (listed.isEmpty() ? "not registered" : listed.get().active()
          ? "suspended" : "removed") + "): following the chain; this node takes part once a block lists it");
    }
  }

  /** Admits the configured peers that the ledger currently lists as servers or storage nodes. */
  private void updatePeers() {
    Map<Ed25519PublicKey, PeerAddress> allowed = new LinkedHashMap<>();
    io.medledger.chain.Membership m = ledger.membership();
    for (NodeConfig.PeerConfig p : config.peers()) {
      boolean listed = m.federationKeys().contains(p.key()) || m.auditKeys().contains(p.key())
          || ledger.participant(io.medledger.access.ParticipantId.of(p.key()))
              .filter(x -> x.active() && x.kind() == ParticipantKind.STORAGE_NODE).isPresent();
      if (listed) {
        allowed.put(p.key(), p.address());
      } else {
        LOG.log(Level.WARNING, () -> "peer " + p.key().toHex() + " is configured but not listed on the ledger; refused");
      }
    }
    transport.updatePeers(allowed);
  }

  // ------------------------------------------------------------------ submissions

  /**
   * Submits a signed entry. The future completes with where it became final on this node's
   * ledger, or fails with {@link SubmissionRefusedException}: a ledger rule refused it (checked on
   * submission against the tip, and again while it waits), the node holds its maximum of pending
   * submissions, the patient registration's registrar holds its share of them
   * ({@link NodeConfig.NodeLimits#maxPendingPerRegistrar()}, cause REGISTRAR_SHARE), or the node
   * closed. Submitting an entry that is already final completes at once;
   * submitting one that is pending returns the same future.
   */
  public CompletableFuture<Finality> submit(Entry entry) {
    Objects.requireNonNull(entry, "entry");
    if (closed) {
      return refused(SubmissionRefusedException.Cause.CLOSED, "the node is shutting down");
    }
    Digest id = entry.id();
    Pending existing = pending.get(id);
    if (existing != null) {
      return existing.future;
    }
    io.medledger.access.ParticipantId registrar = entry instanceof io.medledger.chain.PatientRegistration r
        ? r.registrar().orElse(null) : null;
    int share = config.limits().maxPendingPerRegistrar();
    if (registrar != null && !pendingByRegistrar.tryAdd(registrar, share)) {
      return refused(SubmissionRefusedException.Cause.REGISTRAR_SHARE, "registrar " + registrar + " already has "
          + share + " patient registrations pending at this node, its share (limits.max_pending_per_registrar);"
          + " retry once some are final");
    }
    if (pendingCount.incrementAndGet() > config.limits().maxPendingSubmissions()) {
      pendingCount.decrementAndGet();
      release(registrar);
      return refused(SubmissionRefusedException.Cause.BUSY,
          "the node holds " + config.limits().maxPendingSubmissions() + " pending submissions; retry later");
    }
    Pending p = new Pending(entry);
    Pending raced = pending.putIfAbsent(id, p);
    if (raced != null) {
      pendingCount.decrementAndGet();
      release(registrar);
      return raced.future;
    }
    p.future.whenComplete((f, t) -> {
      if (pending.remove(id, p)) {
        pendingCount.decrementAndGet();
      }
      release(registrar);
    });
    // Registered, then closed read again: a close() that began after the first read either sees
    // this registration when it fails the pending submissions, or is seen here.
    if (closed) {
      failClosed(p);
      return p.future;
    }
    // Registered first, then checked once: a block holding the entry that was appended before the
    // check makes the rules refuse a duplicate, and the entry's place is then looked up; one
    // appended after it reaches the commit listener, which finds the registration.
    try {
      sendOrSettle(id, p, false);
    } catch (RuntimeException e) {
      if (!closed) {
        throw e;
      }
      failClosed(p); // the ledger closed under the check
    }
    return p.future;
  }

  /** Counts one pending registration less for {@code registrar}; nothing when null. */
  private void release(io.medledger.access.ParticipantId registrar) {
    if (registrar != null) {
      pendingByRegistrar.remove(registrar);
    }
  }

  /** Fails a registered submission with cause CLOSED (a no-op if it already completed). */
  private static void failClosed(Pending p) {
    p.future.completeExceptionally(new SubmissionRefusedException(SubmissionRefusedException.Cause.CLOSED,
        "the node shut down; the entry may still become final on other nodes"));
  }

  /**
   * Sends a registered submission to consensus if the ledger's rules accept it at the tip.
   * Otherwise it fails with the rule, unless the ledger holds its entry: then it completes where
   * the entry is final ({@code timed}: as a finality of its own, counted in the metrics). The rules
   * come first, so that a block appended between a lookup and the commit listener's call, which
   * makes the rules see a final entry as a duplicate, is found by the lookup that follows.
   */
  private void sendOrSettle(Digest id, Pending p, boolean timed) {
    ValidationResult<Entry> v = ledger.checkEntry(p.entry);
    if (v.isAccepted()) {
      driver.submit(p.encoded);
      return;
    }
    Optional<Finality> f = finality(id);
    if (f.isEmpty()) {
      refuse(p, v.reason());
    } else if (timed) {
      complete(p, f.get());
    } else {
      p.future.complete(f.get()); // final before this submission: not a finality of its own to time
    }
  }

  /** Fails a registered submission with the ledger rule that refused it. */
  private void refuse(Pending p, String reason) {
    metrics.submissionRefused(SubmissionRefusedException.Cause.RULE);
    p.future.completeExceptionally(new SubmissionRefusedException(SubmissionRefusedException.Cause.RULE, reason));
  }

  /**
   * Decodes and submits an encoded entry (as {@link #submit(Entry)}); undecodable bytes fail the
   * future with cause MALFORMED.
   */
  public CompletableFuture<Finality> submit(byte[] encodedEntry) {
    Entry e;
    try {
      e = decodeSubmitted(encodedEntry);
    } catch (MalformedEncodingException ex) {
      return refused(SubmissionRefusedException.Cause.MALFORMED, "not an entry: " + ex.getMessage());
    }
    return submit(e);
  }

  private static Entry decodeSubmitted(byte[] encodedEntry) {
    if (encodedEntry.length > Limits.MAX_ENTRY_BYTES) {
      throw new MalformedEncodingException("larger than an entry may be");
    }
    return Entry.decode(encodedEntry);
  }

  private CompletableFuture<Finality> refused(SubmissionRefusedException.Cause cause, String why) {
    metrics.submissionRefused(cause);
    return CompletableFuture.failedFuture(new SubmissionRefusedException(cause, why));
  }

  /** Where entry {@code id} is final on this node's ledger, if it is. */
  public Optional<Finality> finality(Digest id) {
    return ledger.locate(id).map(l -> new Finality(id, l.height(), ledger.header(l.height()).hash()));
  }

  private void complete(Pending p, Finality f) {
    if (p.future.complete(f)) {
      metrics.submissionFinal(System.nanoTime() - p.startNanos);
    }
  }

  /** Re-checks submissions that have waited a while: refused ones fail, live ones are re-sent. */
  private void sweep() {
    try {
      long now = System.currentTimeMillis();
      for (Map.Entry<Digest, Pending> e : pending.entrySet()) {
        Pending p = e.getValue();
        if (now < p.nextCheckMillis) {
          continue;
        }
        p.recheckMillis = Math.min(RECHECK_MAX_MILLIS, 2 * p.recheckMillis);
        p.nextCheckMillis = now + p.recheckMillis;
        sendOrSettle(e.getKey(), p, true);
      }
      metrics.peers(transport.connectedPeers().size(), config.peers().size());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "submission sweep failed", e);
    }
  }

  /** The participant {@code e} removes from the ledger, if it removes one. */
  private static Optional<io.medledger.access.ParticipantId> leftParticipant(Entry e) {
    if (e instanceof io.medledger.chain.AffiliateRemoval r) {
      return Optional.of(r.member());
    }
    if (e instanceof io.medledger.chain.MembershipChange m && m.action() == io.medledger.chain.MembershipChange.Operation.REMOVE) {
      return Optional.of(io.medledger.access.ParticipantId.of(m.memberKey()));
    }
    return Optional.empty();
  }

  /** Whether {@code ledger} lists {@code id} as a participant no longer active. */
  private static boolean removed(Ledger ledger, io.medledger.access.ParticipantId id) {
    return ledger.participant(id).filter(p -> !p.active()).isPresent();
  }

  /**
   * Drops the key cards of the participants {@code entries} (a committed block's) remove, if
   * {@code ledger} lists them as removed now, and those their key publications contradict now
   * ({@link KeyCardStore#contradicted}); a card that cannot be deleted goes on the next start.
   */
  static void forgetCards(List<Entry> entries, Ledger ledger, KeyCardStore cards) {
    for (Entry e : entries) {
      if (e instanceof io.medledger.chain.KeyPublication k) {
        try {
          if (cards.forgetIf(k.participant(), c -> KeyCardStore.contradicted(ledger, c))) {
            LOG.log(Level.INFO, () -> "dropped the key card of " + k.participant() + ", which its key publication"
                + " contradicts");
          }
        } catch (java.io.UncheckedIOException ex) {
          LOG.log(Level.WARNING, () -> "could not drop the key card of " + k.participant() + ", which its key"
              + " publication contradicts (dropped on the next start): " + ex.getMessage());
        }
        continue;
      }
      if (e instanceof io.medledger.chain.InstitutionRemoval x && removed(ledger, x.institution())) {
        // its affiliates read as removed now too, and the ledger lists no institution's affiliates: every card is checked
        try {
          int n = cards.forgetAll(c -> removed(ledger, c.id()));
          LOG.log(Level.DEBUG, () -> "dropped " + n + " key cards on the removal of institution " + x.institution());
        } catch (java.io.UncheckedIOException ex) {
          LOG.log(Level.WARNING, () -> "could not drop the key cards of institution " + x.institution()
              + "'s affiliates (dropped on the next start): " + ex.getMessage());
        }
        continue;
      }
      Optional<io.medledger.access.ParticipantId> left = leftParticipant(e);
      if (left.isEmpty() || !removed(ledger, left.get())) {
        continue;
      }
      io.medledger.access.ParticipantId id = left.get();
      try {
        if (cards.forget(id)) {
          LOG.log(Level.DEBUG, () -> "dropped the key card of " + id + ", whom the ledger removed");
        }
      } catch (java.io.UncheckedIOException ex) {
        LOG.log(Level.WARNING, () -> "could not drop the key card of " + id + " (dropped on the next start): "
            + ex.getMessage());
      }
    }
  }

  private final class Listener implements ConsensusListener {
    @Override
    public void committed(Action.Committed c) {
      CertifiedBlock b = ledger.block(c.height());
      Digest hash = b.header().hash();
      boolean membership = false;
      boolean keys = false;
      List<Entry> entries = b.block().entries();
      List<Digest> ids = b.block().entryIds();
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        Pending p = pending.get(ids.get(i));
        if (p != null) {
          complete(p, new Finality(ids.get(i), c.height(), hash));
        }
        membership |= e instanceof io.medledger.chain.MembershipChange || e instanceof io.medledger.chain.AffiliateRegistration
            || e instanceof io.medledger.chain.AffiliateRemoval || e instanceof io.medledger.chain.InstitutionRemoval;
        keys |= e instanceof io.medledger.chain.KeyPublication;
      }
      if (membership || keys) {
        forgetCards(entries, ledger, cards);
      }
      anchorView.observe(b);
      metrics.blockCommitted(c.height(), c.entries(), (int) b.header().round());
      checkpoints.committed(b.header());
      if (proxy != null) {
        proxy.onBlock(b.block());
      }
      if (storage != null) {
        storage.committed();
      }
      if (membership) {
        updatePeers();
      }
    }

    @Override
    public void checkpointReceived(Ed25519PublicKey from, byte[] payload) {
      checkpoints.received(from, payload);
    }

    @Override
    public void evidenceFound(Action.EvidenceFound f) {
      Entry ev = app.evidenceEntry(f.evidence(), keys.ledgerSecretKey(), System.currentTimeMillis());
      LOG.log(Level.WARNING, () -> "evidence against " + f.evidence().signer().toHex() + " submitted as entry " + ev.id());
      driver.submit(ev.encode());
    }

    @Override
    public void proposalRejected(Action.ProposalRejected r) {
      metrics.proposalRejected(r.height(), r.round());
      LOG.log(Level.INFO, () -> "refused proposal at height " + r.height() + " round " + r.round() + ": " + r.reason());
    }

    @Override
    public void failed(Throwable cause) {
      failure = cause;
      LOG.log(Level.ERROR, "consensus stopped; restart the node from its data directory", cause);
      for (Pending p : pending.values()) {
        p.future.completeExceptionally(new SubmissionRefusedException(SubmissionRefusedException.Cause.CLOSED,
            "consensus stopped on this node: " + cause.getMessage()));
      }
    }
  }

  // ------------------------------------------------------------------ proxy

  /**
   * As re-encryption proxy (federation servers): transforms the capsule of the record named by
   * access event {@code accessEventId} for its grantee, as {@code internal.ProxyRules} allows: the
   * event final on this node's ledger, its grant active, of the right purpose and covering the
   * record, its reader the grantee, and the record not erased.
   *
   * @throws io.medledger.client.AccessRefusedException naming the missing right
   * @throws io.medledger.client.RecordErasedException if the record is erased
   * @throws io.medledger.pre.EnvelopeException if this proxy holds no fragment of the grant
   * @throws IllegalStateException if this node is not a federation server
   */
  public io.medledger.pre.ProxyResponse reencrypt(Digest accessEventId) {
    if (proxy == null) {
      throw new IllegalStateException("only federation servers run re-encryption proxies");
    }
    return proxy.reencrypt(accessEventId, Optional.empty());
  }

  /** Whether this node's proxy holds a key fragment of grant {@code grantId}. */
  public boolean holdsFragment(Digest grantId) {
    return proxy != null && proxy.holds(grantId);
  }

  // ------------------------------------------------------------------ anchors

  /**
   * This node's anchor journal, in {@code data/anchors} of its data directory ({@link
   * AnchorJournal#inDirectory}: one file per anchor, replaced atomically and fsynced, finished ones
   * under {@code finished/} with an index by height): give it to the {@link io.medledger.anchor.Anchorer}
   * that anchors this node's ledger, so that its anchors, sent or not yet confirmed, survive a restart.
   */
  public AnchorJournal anchorJournal() {
    return anchors;
  }

  /**
   * The pending receipt of entry {@code entryId} under the earliest anchor of the journal that
   * covers it: the entry, its path to the anchored ledger-wide log root, its block header and the
   * commitment (complete it with the anchor's Bitcoin part once the anchor is final). Built from
   * the ledger and the journal, so it survives a restart. Anchors of another chain, or whose
   * commitment does not match this ledger's header at its height, are ignored (of the journal's
   * first {@value #RECEIPT_ANCHORS} anchors from the entry's height up, read by height without
   * loading the others).
   *
   * @return empty if the entry is not final here or no anchor of the journal covers it yet
   */
  public Optional<AnchorReceipt> pendingReceipt(Digest entryId) {
    Optional<io.medledger.chain.EntryLocation> at = ledger.locate(entryId);
    if (at.isEmpty()) {
      return Optional.empty();
    }
    long tip = ledger.height();
    for (AnchorRecord r : anchors.from(at.get().height(), RECEIPT_ANCHORS)) {
      long h = r.commitment().height();
      if (h > tip) {
        break;
      }
      if (LedgerAnchors.commitment(ledger.header(h)).equals(r.commitment())) {
        return LedgerAnchors.pendingReceipt(ledger, entryId, h);
      }
    }
    return Optional.empty();
  }

  /**
   * The receipt of entry {@code entryId} under the first anchor recorded on the ledger that covers
   * it: complete (with the Bitcoin transaction and its Merkle branch, checked against the Bitcoin
   * node's headers) when this node runs the anchoring service and its Bitcoin node proves the
   * anchor, pending (ledger part and commitment; complete it from any Bitcoin node with the
   * anchor's txid) otherwise. Any node serves it, whichever server anchored. It carries this
   * node's latest checkpoint and the entry's proof in it when one covers the entry
   * ({@link #withCheckpoint}).
   *
   * @return empty if the entry is not final here or no recorded anchor covers it yet
   */
  public Optional<AnchorReceipt> receipt(Digest entryId) {
    AnchoringService a = anchoring;
    return AnchoringService.receipt(ledger, anchorView, entryId,
        r -> a == null ? Optional.empty() : a.bitcoinPart(r)).map(this::withCheckpoint);
  }

  /** The anchoring service, when configured (tests). */
  Optional<AnchoringService> anchoringService() {
    return Optional.ofNullable(anchoring);
  }

  /**
   * {@code receipt} with this node's latest checkpoint of the ledger-wide log (the server
   * signatures and witness cosignatures gathered so far) and the entry's inclusion proof in it,
   * next to the Bitcoin anchor: verifiable within seconds by the cosignatures
   * ({@link AnchorReceipt#verifyCheckpoint}), and for good by Bitcoin; a checkpoint of another
   * size than the anchored log comes with the consistency proof that links the two. The receipt is
   * returned as it is when no checkpoint covers its entry yet.
   *
   * @throws IllegalArgumentException if the receipt's entry is not the leaf of this node's log
   *     at the receipt's index
   */
  public AnchorReceipt withCheckpoint(AnchorReceipt receipt) {
    Optional<io.medledger.tlog.SignedNote> latest = checkpoints.store().latest();
    long leaf = receipt.logProof().leafIndex();
    if (latest.isEmpty()) {
      return receipt;
    }
    long size = io.medledger.tlog.Checkpoint.parse(latest.get().text()).size();
    if (leaf >= size || size > tiles.size()) {
      return receipt; // a checkpoint ahead of this node's log (stored before a crash lost blocks) proves nothing yet
    }
    if (!tiles.leafHash(leaf).equals(receipt.leafHash())) {
      throw new IllegalArgumentException("the receipt's entry is not leaf " + leaf + " of this node's log");
    }
    long anchored = receipt.commitment().logSize();
    if (anchored > tiles.size()) {
      return receipt; // the anchored log is ahead of this node's log: no consistency proof to give yet
    }
    if (size == anchored) {
      return receipt.withCheckpoint(latest.get(), tiles.inclusionProof(leaf, size));
    }
    return receipt.withCheckpoint(latest.get(), tiles.inclusionProof(leaf, size),
        tiles.consistencyProof(Math.min(size, anchored), Math.max(size, anchored)));
  }

  // ------------------------------------------------------------------ client requests

  /**
   * Serves one client request of the client endpoint's encoding ({@code internal.node.ClientWire}):
   * submit (answered when final or refused), status, contains, checkpoint, and on storage nodes the
   * blob service ({@code internal.node.StorageWire}, codes 64-79). Malformed requests fail the future.
   */
  public CompletableFuture<byte[]> handleRequest(Ed25519PublicKey client, byte[] request) {
    if (request.length == 0) {
      return CompletableFuture.failedFuture(new MalformedEncodingException("empty request"));
    }
    if (io.medledger.internal.node.StorageWire.isStorage(request[0])) {
      return storage != null ? storage.handle(client, request) : CompletableFuture.completedFuture(
          io.medledger.internal.node.StorageWire.refused(io.medledger.internal.node.StorageWire.Refusal.NOT_ALLOWED,
              "this node is a " + config.role().label() + " server, not a storage node"));
    }
    if (!LedgerRequests.serves(request[0]) && !admitsClient(client)) {
      // admitted at the handshake, removed since (ledger requests check the caller themselves)
      return CompletableFuture.completedFuture(ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(),
          "client " + io.medledger.access.ParticipantId.of(client) + " is neither an active participant nor a configured"
              + " client"));
    }
    try {
      switch (request[0]) {
        case ClientWire.SUBMIT: {
          Entry entry = null;
          String malformed = null;
          try {
            entry = decodeSubmitted(java.util.Arrays.copyOfRange(request, 1, request.length));
          } catch (MalformedEncodingException ex) {
            malformed = ex.getMessage();
          }
          CompletableFuture<Finality> submitted;
          if (entry == null) {
            submitted = refused(SubmissionRefusedException.Cause.MALFORMED, "not an entry: " + malformed);
          } else if (entry.kind() == io.medledger.chain.EntryKind.PATIENT_REGISTRATION && !registersPatients(client)) {
            submitted = refused(SubmissionRefusedException.Cause.RULE, "client "
                + io.medledger.access.ParticipantId.of(client) + " may not register patients at this node: only its"
                + " configured clients and its operator do");
          } else if (pendingByClient.tryAdd(client, config.limits().maxPendingPerClient())) {
            submitted = submit(entry);
            submitted.whenComplete((f, t) -> pendingByClient.remove(client));
          } else {
            submitted = refused(SubmissionRefusedException.Cause.BUSY, "this client has "
                + config.limits().maxPendingPerClient() + " submissions pending; retry later");
          }
          return submitted.handle((f, t) -> {
            if (t == null) {
              return ClientWire.finalAt(f.height(), f.blockHash());
            }
            Throwable c = t instanceof java.util.concurrent.CompletionException ? t.getCause() : t;
            if (c instanceof SubmissionRefusedException r) {
              return ClientWire.refused(r.refusal().ordinal(), r.getMessage());
            }
            return ClientWire.refused(SubmissionRefusedException.Cause.CLOSED.ordinal(), "internal error");
          });
        }
        case ClientWire.STATUS:
          return CompletableFuture.completedFuture(
              ClientWire.ok(status().toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        case ClientWire.CONTAINS: {
          List<Digest> ids = ClientWire.containsIds(request);
          return CompletableFuture.completedFuture(ClientWire.ok(ClientWire.bitmap(ledger.contains(ids))));
        }
        case ClientWire.CHECKPOINT:
          return CompletableFuture.completedFuture(checkpointResponse(ClientWire.checkpointId(request)));
        case ClientWire.RECEIPT: {
          Digest id = ClientWire.receiptId(request);
          java.util.function.Supplier<byte[]> answer = () -> ClientWire.receiptResponse(receipt(id).map(AnchorReceipt::toJson));
          AnchoringService a = anchoring;
          return a == null ? CompletableFuture.completedFuture(answer.get()) : a.serve(answer);
        }
        default:
          if (LedgerRequests.serves(request[0])) {
            return CompletableFuture.completedFuture(ledgerRequests.handle(client, request));
          }
          return CompletableFuture.failedFuture(new MalformedEncodingException("unknown request type " + request[0]));
      }
    } catch (MalformedEncodingException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private byte[] checkpointResponse(Optional<Digest> id) {
    Optional<CheckpointProof> p = checkpointProof(id);
    if (p.isEmpty()) {
      return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "no checkpoint published yet");
    }
    return ClientWire.ok(ClientWire.checkpointBody(p.get().note().toBytes(),
        p.get().bindings().stream().map(NoteKeyBinding::encode).toList(), p.get().inclusion().orElse(null)));
  }

  /**
   * The latest checkpoint this node holds, with the federation servers' note key bindings it
   * knows and, for entry {@code id} when given and covered by the checkpoint, its inclusion proof
   * (none while the checkpoint is ahead of this node's log). Empty before the first checkpoint.
   */
  public Optional<CheckpointProof> checkpointProof(Optional<Digest> id) {
    Optional<io.medledger.tlog.SignedNote> latest = checkpoints.store().latest();
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    long size = io.medledger.tlog.Checkpoint.parse(latest.get().text()).size();
    Optional<io.medledger.merkle.InclusionProof> proof = id.flatMap(ledger::locate)
        .filter(l -> l.ledgerIndex() < size && size <= tiles.size()).map(l -> tiles.inclusionProof(l.ledgerIndex(), size));
    return Optional.of(new CheckpointProof(latest.get(), checkpoints.bindings(), proof));
  }

  /**
   * Whether {@code client} may submit patient registrations here: a configured client key (an
   * institution's gateway) or this node's own key. A registration is self-signed, so whoever
   * submits one creates a participant; an admitted participant who could submit them would mint
   * keys of its own, each with its own per-key bounds.
   */
  public boolean registersPatients(Ed25519PublicKey client) {
    return clientKeys.contains(client) || client.equals(keys.ledgerKey());
  }

  /**
   * Whether {@code client} may use the client endpoint: a configured client key, this node's own
   * key (the operator's tools), or an active participant registered on the ledger.
   */
  public boolean admitsClient(Ed25519PublicKey client) {
    return clientKeys.contains(client) || client.equals(keys.ledgerKey())
        || ledger.participant(io.medledger.access.ParticipantId.of(client)).filter(Participant::active).isPresent();
  }

  // ------------------------------------------------------------------ reads

  /** The configuration. */
  public NodeConfig config() {
    return config;
  }

  /** The role. */
  public ServerRole role() {
    return config.role();
  }

  /** This node's ledger key. */
  public Ed25519PublicKey ledgerKey() {
    return keys.ledgerKey();
  }

  /** This node's copy of the ledger (read it freely; only consensus appends). */
  public Ledger ledger() {
    return ledger;
  }

  /** The transport to peers. */
  public PeerTransport transport() {
    return transport;
  }

  /** The bound peer address (the actual port when port 0 was configured). */
  public PeerAddress peerAddress() {
    return transport instanceof TlsPeerTransport t ? t.boundAddress() : config.listen();
  }

  /** The bound client endpoint address, when this node serves one. */
  public Optional<PeerAddress> clientAddress() {
    return Optional.ofNullable(clientAddress);
  }

  /** The bound address of the read-only tile server, when {@code tiles} is configured. */
  public Optional<PeerAddress> tilesAddress() {
    io.medledger.internal.transport.TileHttpServer t = tileServer;
    return t == null ? Optional.empty() : Optional.of(new PeerAddress(config.tiles().orElseThrow().listen().host(), t.port()));
  }

  /** The signed checkpoints of the ledger-wide log this node holds, with their signatures and cosignatures. */
  public CheckpointStore checkpoints() {
    return checkpoints.store();
  }

  /**
   * This federation server's note key binding (its checkpoint-signing key, signed by its ledger
   * key); empty on audit and storage nodes.
   */
  public Optional<NoteKeyBinding> noteKeyBinding() {
    return checkpoints.binding();
  }

  /** Whether consensus runs (false after a failure or {@link #close()}). */
  public boolean isRunning() {
    return !closed && failure == null && driver.isRunning();
  }

  /** A snapshot of this node's state. */
  public NodeStatus status() {
    BlockHeader tip = ledger.tip().orElseThrow();
    return new NodeStatus(config.role(), keys.ledgerKey().toHex(), tip.height(), tip.hash().toHex(), tip.ledgerSize(),
        transport.connectedPeers().size(), config.peers().size(), pendingCount.get(), true);
  }

  /** Registers something to close with the node (after consensus stops, before the ledger closes). */
  void closeWith(AutoCloseable c) {
    closeables.add(c);
  }

  /**
   * Stops consensus and the transport (when owned), wipes the key fragments a federation server's
   * proxy holds, fails pending submissions with cause CLOSED (they may still become final on other
   * nodes), and closes the ledger. Keys the node opened itself ({@link #start(NodeConfig,
   * NodeMetrics)}) are then destroyed; keys its starter gave are left as they are. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    sweeper.shutdownNow();
    driver.close();
    if (proxy != null) {
      proxy.close(); // the decrypted key fragments: wiped, not left to the garbage collector
    }
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing " + c, e);
      }
    }
    if (ownsTransport) {
      transport.close();
    }
    for (Pending p : pending.values()) {
      failClosed(p);
    }
    anchorView.save(); // a restart reads only the blocks after it
    ledger.close();
    NodeKeys own = ownedKeys;
    if (own != null) {
      own.destroy(); // last: until the transports closed, handshakes signed with the ledger key
    }
    LOG.log(Level.INFO, () -> "node " + keys.ledgerKey().toHex() + " closed");
  }

  @Override
  public String toString() {
    return "Node[" + config.role().label() + " " + config.institution() + " " + keys.ledgerKey().toHex() + "]";
  }

  /** The checkpoint service (for tests). */
  CheckpointService checkpointService() {
    return checkpoints;
  }

  /** The blob service of a storage node (for tests). */
  Optional<StorageService> storageService() {
    return Optional.ofNullable(storage);
  }

  /** The block at {@code height} (for status and tests). */
  Block block(long height) {
    return ledger.block(height).block();
  }
}
