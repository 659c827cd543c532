package io.medledger.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.Protocols;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.Json;
import io.medledger.internal.node.ConfigObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration of one node process, read from one JSON file (reference:
 * {@code docs/deployment.md}). Relative paths are resolved against the directory of the file.
 * Unknown fields are errors, and a bad value fails with a {@link NodeException} of reason
 * {@link NodeException.Reason#CONFIG} that names the field. Immutable; validated at construction.
 *
 * @param chain the chain name (its id is derived from it)
 * @param role what this node is
 * @param institution the operating institution's name (display only)
 * @param ledgerKey this node's ledger key (the key store must hold its private half)
 * @param listen the peer (consensus) address to bind; port 0 binds any free port
 * @param clientListen the client request address to bind; port 0 binds any free port
 * @param peers the other nodes: ledger key, address, role
 * @param clients keys of clients admitted besides participants registered on the ledger
 * @param dataDirectory where the block store, safety state and key store live
 * @param genesis the genesis block file
 * @param genesisHash the expected hash of the genesis block header
 * @param keySource where the key store's passphrase comes from
 * @param consensus protocol and timing
 * @param limits bounds on what clients may queue
 * @param tiles where to serve the ledger-wide log's tiles and checkpoint read-only over HTTP, if at all
 * @param storage the blob service's bounds (used by storage nodes)
 * @param anchoring the Bitcoin node and policy of the anchoring service, if this node runs it
 */
public record NodeConfig(String chain, ServerRole role, String institution, Ed25519PublicKey ledgerKey,
    PeerAddress listen, PeerAddress clientListen, List<PeerConfig> peers, List<Ed25519PublicKey> clients,
    Path dataDirectory, Path genesis, Digest genesisHash, KeySource keySource, ConsensusSettings consensus,
    NodeLimits limits, Optional<TileServing> tiles, StorageSettings storage, Optional<AnchoringConfig> anchoring) {
  /** Largest configuration file accepted, checked before reading it. */
  public static final int MAX_FILE_BYTES = 1 << 20;
  /** Most peers a node may list. */
  public static final int MAX_PEERS = 1024;
  /** Current format version. */
  public static final int VERSION = 1;

  /** Validates the fields. */
  public NodeConfig {
    Objects.requireNonNull(chain, "chain");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(institution, "institution");
    Objects.requireNonNull(ledgerKey, "ledgerKey");
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(clientListen, "clientListen");
    peers = List.copyOf(peers);
    clients = List.copyOf(clients);
    dataDirectory = dataDirectory.toAbsolutePath().normalize();
    genesis = genesis.toAbsolutePath().normalize();
    Objects.requireNonNull(genesisHash, "genesisHash");
    Objects.requireNonNull(keySource, "keySource");
    Objects.requireNonNull(consensus, "consensus");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(tiles, "tiles");
    Objects.requireNonNull(storage, "storage");
    if (storage.maxChunkBytes() + 64 > limits.maxRequestBytes()) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'storage.max_chunk_bytes' must be at least 64 bytes"
          + " below 'limits.max_request_bytes' (" + limits.maxRequestBytes() + ")");
    }
    Objects.requireNonNull(anchoring, "anchoring");
    if (anchoring.isPresent() && role == ServerRole.FEDERATION && anchoring.get().walletKeyFile().isEmpty()) {
      throw new NodeException(NodeException.Reason.CONFIG,
          "field 'anchoring.wallet_key_file': a federation server that anchors needs the anchoring wallet's key");
    }
    Set<Ed25519PublicKey> seen = new LinkedHashSet<>();
    seen.add(ledgerKey);
    for (PeerConfig p : peers) {
      if (!seen.add(p.key())) {
        throw new NodeException(NodeException.Reason.CONFIG,
            "field 'peers': key " + p.key().toHex() + " is listed twice or is this node's own key");
      }
    }
  }

  /** A configuration with the default storage settings and no anchoring service. */
  public NodeConfig(String chain, ServerRole role, String institution, Ed25519PublicKey ledgerKey,
      PeerAddress listen, PeerAddress clientListen, List<PeerConfig> peers, List<Ed25519PublicKey> clients,
      Path dataDirectory, Path genesis, Digest genesisHash, KeySource keySource, ConsensusSettings consensus,
      NodeLimits limits, Optional<TileServing> tiles) {
    this(chain, role, institution, ledgerKey, listen, clientListen, peers, clients, dataDirectory, genesis, genesisHash,
        keySource, consensus, limits, tiles, StorageSettings.defaults(), Optional.empty());
  }

  /** A configuration without a tile server, with the default storage settings and no anchoring service. */
  public NodeConfig(String chain, ServerRole role, String institution, Ed25519PublicKey ledgerKey,
      PeerAddress listen, PeerAddress clientListen, List<PeerConfig> peers, List<Ed25519PublicKey> clients,
      Path dataDirectory, Path genesis, Digest genesisHash, KeySource keySource, ConsensusSettings consensus,
      NodeLimits limits) {
    this(chain, role, institution, ledgerKey, listen, clientListen, peers, clients, dataDirectory, genesis, genesisHash,
        keySource, consensus, limits, Optional.empty());
  }

  /** This configuration with the tile server {@code t}. */
  public NodeConfig withTiles(Optional<TileServing> t) {
    return new NodeConfig(chain, role, institution, ledgerKey, listen, clientListen, peers, clients, dataDirectory,
        genesis, genesisHash, keySource, consensus, limits, t, storage, anchoring);
  }

  /** This configuration with the client keys {@code keys} admitted besides the ledger's participants. */
  public NodeConfig withClients(List<Ed25519PublicKey> keys) {
    return new NodeConfig(chain, role, institution, ledgerKey, listen, clientListen, peers, keys, dataDirectory,
        genesis, genesisHash, keySource, consensus, limits, tiles, storage, anchoring);
  }

  /** This configuration with the client limits {@code l}. */
  public NodeConfig withLimits(NodeLimits l) {
    return new NodeConfig(chain, role, institution, ledgerKey, listen, clientListen, peers, clients, dataDirectory,
        genesis, genesisHash, keySource, consensus, l, tiles, storage, anchoring);
  }

  /** This configuration with the storage settings {@code s}. */
  public NodeConfig withStorage(StorageSettings s) {
    return new NodeConfig(chain, role, institution, ledgerKey, listen, clientListen, peers, clients, dataDirectory,
        genesis, genesisHash, keySource, consensus, limits, tiles, s, anchoring);
  }

  /**
   * The bounds of a storage node's blob service ({@code docs/storage.md}).
   *
   * @param maxBlobBytes largest payload accepted
   * @param maxChunkBytes largest chunk of an upload or a read
   * @param sessionsPerClient uploads and reads one client may have open at once
   * @param maxSessions uploads and reads open at once on the node
   * @param sessionTimeout an upload or read idle this long is dropped
   * @param reserveDiskBytes an upload is refused if it would leave less free disk than this
   * @param threads threads doing the service's disk work
   * @param maxPendingBytesPerUploader bytes of blobs that no committed record references yet one
   *     uploader may hold at once (each blob counted as at least {@link #MIN_PENDING_CHARGE}
   *     bytes); at least {@code maxBlobBytes} and {@link #MIN_PENDING_CHARGE}
   * @param orphanGrace a blob no committed record references this long after its upload is deleted
   *     (1 minute to 365 days)
   */
  public record StorageSettings(long maxBlobBytes, int maxChunkBytes, int sessionsPerClient, int maxSessions,
      Duration sessionTimeout, long reserveDiskBytes, int threads, long maxPendingBytesPerUploader,
      Duration orphanGrace) {
    /** The least a pending blob counts against its uploader's quota, whatever its size. */
    public static final long MIN_PENDING_CHARGE = 4096;
    /** Default {@link #maxPendingBytesPerUploader()}: 1 GiB. */
    public static final long DEFAULT_MAX_PENDING_BYTES_PER_UPLOADER = 1L << 30;
    /** Default {@link #orphanGrace()}: 24 hours. */
    public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(24);
    /** Shortest {@link #orphanGrace()}. */
    public static final Duration MIN_ORPHAN_GRACE = Duration.ofMinutes(1);
    /** Longest {@link #orphanGrace()}. */
    public static final Duration MAX_ORPHAN_GRACE = Duration.ofDays(365);

    /** Validates the fields. */
    public StorageSettings {
      Objects.requireNonNull(sessionTimeout, "sessionTimeout");
      Objects.requireNonNull(orphanGrace, "orphanGrace");
      if (maxBlobBytes < 1 || maxBlobBytes > Integer.MAX_VALUE - 8 || maxChunkBytes < 1024
          || maxChunkBytes > 16 << 20 || sessionsPerClient < 1 || maxSessions < sessionsPerClient
          || maxSessions > 100_000 || sessionTimeout.toMillis() < 100 || reserveDiskBytes < 0 || threads < 1
          || threads > 64) {
        throw new IllegalArgumentException("storage settings out of range");
      }
      if (maxPendingBytesPerUploader < Math.max(maxBlobBytes, MIN_PENDING_CHARGE)
          || maxPendingBytesPerUploader > Long.MAX_VALUE / 4) {
        throw new IllegalArgumentException("the pending bytes per uploader must be at least the largest blob ("
            + maxBlobBytes + ") and " + MIN_PENDING_CHARGE + ", and at most 2^61 - 1");
      }
      if (orphanGrace.compareTo(MIN_ORPHAN_GRACE) < 0 || orphanGrace.compareTo(MAX_ORPHAN_GRACE) > 0) {
        throw new IllegalArgumentException("the orphan grace period must be between 1 minute and 365 days");
      }
    }

    /**
     * Settings with the default quota and orphan grace period
     * ({@link #DEFAULT_MAX_PENDING_BYTES_PER_UPLOADER}, or the largest blob if that is more, and
     * {@link #DEFAULT_ORPHAN_GRACE}).
     */
    public StorageSettings(long maxBlobBytes, int maxChunkBytes, int sessionsPerClient, int maxSessions,
        Duration sessionTimeout, long reserveDiskBytes, int threads) {
      this(maxBlobBytes, maxChunkBytes, sessionsPerClient, maxSessions, sessionTimeout, reserveDiskBytes, threads,
          Math.max(DEFAULT_MAX_PENDING_BYTES_PER_UPLOADER, maxBlobBytes), DEFAULT_ORPHAN_GRACE);
    }

    /**
     * Defaults: 256 MiB payloads in 1 MiB chunks, 4 sessions per client and 256 in all, dropped
     * after 60 s idle, 256 MiB of disk kept free, 2 disk threads, 1 GiB of unreferenced blobs per
     * uploader, deleted 24 hours after their upload.
     */
    public static StorageSettings defaults() {
      return new StorageSettings(256L << 20, 1 << 20, 4, 256, Duration.ofSeconds(60), 256L << 20, 2);
    }

    /** These settings with the quota {@code maxPendingBytesPerUploader} and grace period {@code orphanGrace}. */
    public StorageSettings withPending(long maxPendingBytesPerUploader, Duration orphanGrace) {
      return new StorageSettings(maxBlobBytes, maxChunkBytes, sessionsPerClient, maxSessions, sessionTimeout,
          reserveDiskBytes, threads, maxPendingBytesPerUploader, orphanGrace);
    }
  }

  /** This configuration with the anchoring service {@code a}. */
  public NodeConfig withAnchoring(Optional<AnchoringConfig> a) {
    return new NodeConfig(chain, role, institution, ledgerKey, listen, clientListen, peers, clients, dataDirectory,
        genesis, genesisHash, keySource, consensus, limits, tiles, storage, a);
  }

  /**
   * The read-only HTTP server of the ledger-wide log ({@code tlog-tiles}): the latest checkpoint at
   * {@code /<prefix>/checkpoint}, hash tiles at {@code /<prefix>/tile/...}, entry bundles at
   * {@code /<prefix>/tile/entries/...}.
   *
   * @param listen the address to bind; port 0 binds any free port
   * @param prefix the URL path prefix, segments of {@code [A-Za-z0-9._-]}
   */
  public record TileServing(PeerAddress listen, String prefix) {
    /** Checks the prefix. */
    public TileServing {
      Objects.requireNonNull(listen, "listen");
      if (!prefix.matches("[A-Za-z0-9._-]{1,64}(/[A-Za-z0-9._-]{1,64}){0,7}")
          || java.util.Arrays.asList(prefix.split("/")).stream().anyMatch(x -> x.equals(".") || x.equals(".."))) {
        throw new IllegalArgumentException("prefix must be 1 to 8 path segments of [A-Za-z0-9._-], not . or ..");
      }
    }
  }

  /** One other node. @param key its ledger key @param address where it listens for peers @param role its role */
  public record PeerConfig(Ed25519PublicKey key, PeerAddress address, ServerRole role) {
    /** Checks for nulls. */
    public PeerConfig {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(role, "role");
    }
  }

  /** Where the key store passphrase comes from; never the command line. */
  public sealed interface KeySource {
    /** The passphrase is the value of environment variable {@code name}. */
    record Environment(String name) implements KeySource {
      /** Checks the name. */
      public Environment {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
          throw new IllegalArgumentException("not an environment variable name");
        }
      }
    }

    /** The passphrase is the first line of {@code file}, which must be readable by its owner only. */
    record File(Path file) implements KeySource {
      /** Resolves the path. */
      public File {
        file = file.toAbsolutePath().normalize();
      }
    }
  }

  /**
   * Consensus protocol and tuning.
   *
   * @param protocol a name of {@link Protocols#names()}
   * @param roundTimeout first round timeout at a height
   * @param retransmitInterval period of status announcements
   * @param maxBlockEntries most entries per block
   * @param maxBlockBytes most entry bytes per block
   * @param batchDelay how long the oldest pending entry waits for its batch
   * @param maxPendingEntries bound of the pending-entry pool
   * @param registrarsFrom the chain's {@link io.medledger.chain.ChainParameters#registrarsFrom()}:
   *     the first height whose patient registrations need a registrar (0, the default, for a chain
   *     begun with the rule; the same on every node)
   * @param reusedKeysFrom the chain's {@link io.medledger.chain.ChainParameters#reusedKeysFrom()}:
   *     the first height whose re-added servers and key publications the rules on reused keys
   *     govern (0, the default, for a chain begun with them; the same on every node)
   * @param registrationsPerRegistrar the chain's
   *     {@link io.medledger.chain.ChainParameters#registrationsPerRegistrar()}: most patient
   *     registrations one registrar countersigns per block (default 64; the same on every node)
   * @param registrationBoundFrom the chain's
   *     {@link io.medledger.chain.ChainParameters#registrationBoundFrom()}: the first height that
   *     bound binds (0, the default, for a chain begun with it; the same on every node)
     */
    public record ConsensusSettings(String protocol, Duration roundTimeout, Duration retransmitInterval,
        int maxBlockEntries, int maxBlockBytes, Duration batchDelay, int maxPendingEntries, long registrarsFrom,
        long reusedKeysFrom, int registrationsPerRegistrar, long registrationBoundFrom) {
    /** Validates the fields. */
    public ConsensusSettings {
      if (!Protocols.names().contains(protocol)) {
        throw new IllegalArgumentException("unknown consensus protocol '" + protocol + "'");
      }
      toConsensusConfig(protocol, roundTimeout, retransmitInterval, maxBlockEntries, maxBlockBytes, batchDelay,
          maxPendingEntries);
      io.medledger.chain.ChainParameters.defaults("settings").withRegistrarsFrom(registrarsFrom)
          .withReusedKeysFrom(reusedKeysFrom).withRegistrationBound(registrationsPerRegistrar, registrationBoundFrom); // validates them
    }

    /** Settings whose chain has the rules on reused keys and the default per-registrar bound from its genesis. */
    public ConsensusSettings(String protocol, Duration roundTimeout, Duration retransmitInterval,
        int maxBlockEntries, int maxBlockBytes, Duration batchDelay, int maxPendingEntries, long registrarsFrom) {
      this(protocol, roundTimeout, retransmitInterval, maxBlockEntries, maxBlockBytes, batchDelay, maxPendingEntries,
          registrarsFrom, 0, io.medledger.chain.ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR, 0);
    }

    /**
     * Settings whose chain needs a registrar on every patient registration (registrarsFrom 0) and
     * bounds each registrar's registrations per block by the default from genesis.
     */
    public ConsensusSettings(String protocol, Duration roundTimeout, Duration retransmitInterval,
        int maxBlockEntries, int maxBlockBytes, Duration batchDelay, int maxPendingEntries) {
      this(protocol, roundTimeout, retransmitInterval, maxBlockEntries, maxBlockBytes, batchDelay, maxPendingEntries, 0);
    }

    /**
     * Defaults: rotating-audit, 1 s rounds, 500 ms retransmission, 1,000-entry blocks, 20 ms
     * batches. Every voter decodes and checks every entry of a proposal within the round, so a full
     * block must take well under a round timeout to validate (1,000 entries: about 0.1 s of one
     * core, signatures checked in batches).
     */
    public static ConsensusSettings defaults() {
      return new ConsensusSettings("rotating-audit", Duration.ofSeconds(1), Duration.ofMillis(500), 1000, 4 << 20,
          Duration.ofMillis(20), 100_000);
    }

    /** The protocol configuration these settings describe. */
    public ConsensusConfig toConsensusConfig() {
      return toConsensusConfig(protocol, roundTimeout, retransmitInterval, maxBlockEntries, maxBlockBytes, batchDelay,
          maxPendingEntries);
    }

    private static ConsensusConfig toConsensusConfig(String protocol, Duration round, Duration retransmit, int entries,
        int bytes, Duration delay, int pending) {
      ConsensusConfig d = ConsensusConfig.defaults();
      int maxMessage = TransportLimits.defaults().maxFrameBytes() - TransportLimits.FRAME_OVERHEAD;
      return new ConsensusConfig(entries, bytes, delay, round, d.maxBackoffExponent(), retransmit, pending,
          maxMessage, d.syncBatch());
    }
  }

  /**
   * Bounds on client work.
   *
   * @param maxPendingSubmissions submissions waiting for finality at once; more are refused
   * @param maxRequestBytes largest client request
   * @param maxPendingPerClient submissions one client key may have waiting at once; more from it
   *     are refused, so that one client cannot take the whole pool
   * @param clientRequestsPerSecond requests per second one client key may send, over all its
   *     connections (reading from it pauses beyond that)
   * @param maxPendingPerRegistrar patient registrations countersigned by one registrar that may
   *     wait at once, whichever clients submitted them; more are refused, so that one registrar
   *     cannot take the pending registrations of everyone else
   */
  public record NodeLimits(int maxPendingSubmissions, int maxRequestBytes, int maxPendingPerClient,
      int clientRequestsPerSecond, int maxPendingPerRegistrar) {
    /** Validates the fields. */
    public NodeLimits {
      if (maxPendingSubmissions < 1 || maxRequestBytes < 1024 || maxPendingPerClient < 1
          || clientRequestsPerSecond < 1 || maxPendingPerRegistrar < 1) {
        throw new IllegalArgumentException("limits out of range");
      }
    }

    /** Limits with the default share of one registrar ({@link #defaults()}). */
    public NodeLimits(int maxPendingSubmissions, int maxRequestBytes, int maxPendingPerClient,
        int clientRequestsPerSecond) {
      this(maxPendingSubmissions, maxRequestBytes, maxPendingPerClient, clientRequestsPerSecond, 1024);
    }

    /**
     * Defaults: 200,000 pending submissions, 20,000 per client, 1,024 registrations per registrar
     * (sixteen blocks at the default per-block bound, so that a registrar registering as fast as the
     * bound lets it is not refused while its registrations wait a few seconds for finality); 4 MiB
     * requests, 20,000 a second per client.
     */
    public static NodeLimits defaults() {
      return new NodeLimits(200_000, 4 << 20, 20_000, 20_000);
    }
  }

  /** This node's peers that take part in consensus (federation and audit servers). */
  public List<PeerConfig> consensusPeers() {
    return peers.stream().filter(p -> p.role() != ServerRole.STORAGE).toList();
  }

  /**
   * Reads and validates the configuration file {@code file} (at most {@link #MAX_FILE_BYTES}).
   *
   * @throws NodeException with reason CONFIG naming the file and the bad field, or if group or
   *     others may write the file (it chooses the keys the node admits)
   */
  public static NodeConfig read(Path file) {
    Path base = file.toAbsolutePath().getParent();
    try {
      ConfigObject o = ConfigObject.readTrusted(file, MAX_FILE_BYTES);
      return fromJson(o, base);
    } catch (ConfigObject.ConfigError e) {
      throw new NodeException(NodeException.Reason.CONFIG, "configuration " + file + ": " + e.getMessage());
    } catch (NodeException e) {
      throw new NodeException(NodeException.Reason.CONFIG, "configuration " + file + ": " + e.getMessage());
    }
  }

  /**
   * Parses configuration JSON; relative paths resolve against {@code base}.
   *
   * @throws NodeException with reason CONFIG naming the bad field
   */
  public static NodeConfig parse(byte[] json, Path base) {
    try {
      return fromJson(ConfigObject.parse(json, "configuration"), base);
    } catch (ConfigObject.ConfigError e) {
      throw new NodeException(NodeException.Reason.CONFIG, "configuration: " + e.getMessage());
    }
  }

  private static NodeConfig fromJson(ConfigObject o, Path base) {
    o.integer("version", VERSION, VERSION);
    String chain = o.string("chain", 200);
    ServerRole role = field(o, "role", () -> ServerRole.ofLabel(o.string("role", 20)));
    String institution = o.string("institution", 200);
    Ed25519PublicKey key = key(o, "ledger_key");
    PeerAddress listen = address(o, "listen");
    PeerAddress clientListen = address(o, "client_listen");
    List<PeerConfig> peers = o.objects("peers", MAX_PEERS).stream().map(p -> {
      PeerConfig pc = new PeerConfig(key(p, "key"), address(p, "address"),
          field(p, "role", () -> ServerRole.ofLabel(p.string("role", 20))));
      p.finish();
      return pc;
    }).toList();
    List<String> clientHex = o.has("clients") ? o.strings("clients", 100_000, 64) : List.of();
    List<Ed25519PublicKey> clients = new java.util.ArrayList<>();
    for (int i = 0; i < clientHex.size(); i++) {
      String h = clientHex.get(i);
      clients.add(field(o, "clients[" + i + "]", () -> Ed25519PublicKey.fromHex(h)));
    }
    Path data = o.path("data_dir", 4096, base);
    Path genesis = o.path("genesis", 4096, base);
    Digest genesisHash = field(o, "genesis_hash", () -> Digest.fromHex(o.string("genesis_hash", 64)));
    ConfigObject ks = o.object("passphrase");
    KeySource source;
    if (ks.has("env") == ks.has("file")) {
      throw o.error("passphrase", "must have exactly one of 'env' and 'file'");
    } else if (ks.has("env")) {
      source = field(ks, "env", () -> new KeySource.Environment(ks.string("env", 128)));
    } else {
      source = new KeySource.File(ks.path("file", 4096, base));
    }
    ks.finish();
    ConsensusSettings d = ConsensusSettings.defaults();
    ConfigObject c = o.optionalObject("consensus");
    String protocol = c.string("protocol", 40, d.protocol());
    if (!Protocols.names().contains(protocol)) {
      throw c.error("protocol", "must be one of " + Protocols.names());
    }
    ConsensusSettings cs = new ConsensusSettings(protocol,
        Duration.ofMillis(c.integer("round_timeout_ms", 10, 600_000, d.roundTimeout().toMillis())),
        Duration.ofMillis(c.integer("retransmit_ms", 10, 600_000, d.retransmitInterval().toMillis())),
        (int) c.integer("max_block_entries", 1, io.medledger.chain.Limits.MAX_BLOCK_ENTRIES, d.maxBlockEntries()),
        (int) c.integer("max_block_bytes", 4096, 8 << 20, d.maxBlockBytes()),
        Duration.ofMillis(c.integer("batch_delay_ms", 0, 60_000, d.batchDelay().toMillis())),
        (int) c.integer("max_pending_entries", 1, 10_000_000, d.maxPendingEntries()),
        c.integer("registrars_from", 0, Long.MAX_VALUE, d.registrarsFrom()),
        c.integer("reused_keys_from", 0, Long.MAX_VALUE, d.reusedKeysFrom()),
        (int) c.integer("registrations_per_registrar", 1, io.medledger.chain.Limits.MAX_BLOCK_ENTRIES,
            d.registrationsPerRegistrar()),
        c.integer("registration_bound_from", 0, Long.MAX_VALUE, d.registrationBoundFrom()));
    c.finish();
    NodeLimits dl = NodeLimits.defaults();
    ConfigObject l = o.optionalObject("limits");
    NodeLimits limits = new NodeLimits(
        (int) l.integer("max_pending_submissions", 1, 10_000_000, dl.maxPendingSubmissions()),
        (int) l.integer("max_request_bytes", 1024, 64 << 20, dl.maxRequestBytes()),
        (int) l.integer("max_pending_per_client", 1, 10_000_000, dl.maxPendingPerClient()),
        (int) l.integer("client_requests_per_second", 1, 10_000_000, dl.clientRequestsPerSecond()),
        (int) l.integer("max_pending_per_registrar", 1, 10_000_000, dl.maxPendingPerRegistrar()));
    l.finish();
    Optional<TileServing> tiles = Optional.empty();
    if (o.has("tiles")) {
      ConfigObject t = o.object("tiles");
      PeerAddress at = address(t, "listen");
      String prefix = t.string("prefix", 600, "log");
      tiles = Optional.of(field(t, "prefix", () -> new TileServing(at, prefix)));
      t.finish();
    }
    StorageSettings ds = StorageSettings.defaults();
    ConfigObject st = o.optionalObject("storage");
    StorageSettings storage = field(o, "storage", () -> new StorageSettings(
        st.integer("max_blob_bytes", 1, Integer.MAX_VALUE - 8, ds.maxBlobBytes()),
        (int) st.integer("max_chunk_bytes", 1024, 16 << 20, ds.maxChunkBytes()),
        (int) st.integer("sessions_per_client", 1, 100_000, ds.sessionsPerClient()),
        (int) st.integer("max_sessions", 1, 100_000, ds.maxSessions()),
        Duration.ofMillis(st.integer("session_timeout_ms", 100, 3_600_000, ds.sessionTimeout().toMillis())),
        st.integer("reserve_disk_bytes", 0, Long.MAX_VALUE, ds.reserveDiskBytes()),
        (int) st.integer("threads", 1, 64, ds.threads())));
    if (st.has("max_pending_bytes_per_uploader") || st.has("orphan_grace_ms")) {
      long quota = st.integer("max_pending_bytes_per_uploader", StorageSettings.MIN_PENDING_CHARGE, Long.MAX_VALUE / 4,
          Math.max(StorageSettings.DEFAULT_MAX_PENDING_BYTES_PER_UPLOADER, storage.maxBlobBytes()));
      if (quota < storage.maxBlobBytes()) {
        throw st.error("max_pending_bytes_per_uploader", "must be at least 'storage.max_blob_bytes' ("
            + storage.maxBlobBytes() + "), got " + quota);
      }
      Duration grace = Duration.ofMillis(st.integer("orphan_grace_ms", StorageSettings.MIN_ORPHAN_GRACE.toMillis(),
          StorageSettings.MAX_ORPHAN_GRACE.toMillis(), StorageSettings.DEFAULT_ORPHAN_GRACE.toMillis()));
      storage = storage.withPending(quota, grace);
    }
    st.finish();
    Optional<AnchoringConfig> anchoring = o.has("anchoring") ? Optional.of(AnchoringConfig.read(o.object("anchoring"), base))
        : Optional.empty();
    o.finish();
    return new NodeConfig(chain, role, institution, key, listen, clientListen, peers, clients, data, genesis,
        genesisHash, source, cs, limits, tiles, storage, anchoring);
  }

  interface Parse<T> {
    T get();
  }

  static <T> T field(ConfigObject o, String name, Parse<T> p) {
    try {
      return p.get();
    } catch (ConfigObject.ConfigError e) {
      throw e;
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw o.error(name, e.getMessage());
    }
  }

  private static Ed25519PublicKey key(ConfigObject o, String name) {
    return field(o, name, () -> Ed25519PublicKey.fromHex(o.string(name, 64)));
  }

  private static PeerAddress address(ConfigObject o, String name) {
    return field(o, name, () -> PeerAddress.parse(o.string(name, 300)));
  }

  /**
   * This configuration as JSON, with paths written relative to {@code base} where they lie under it.
   */
  public String toJson(Path base) {
    Path b = base.toAbsolutePath().normalize();
    return Json.write(true, g -> {
      g.writeStartObject();
      g.writeNumberField("version", VERSION);
      g.writeStringField("chain", chain);
      g.writeStringField("role", role.label());
      g.writeStringField("institution", institution);
      g.writeStringField("ledger_key", ledgerKey.toHex());
      g.writeStringField("listen", listen.toString());
      g.writeStringField("client_listen", clientListen.toString());
      g.writeArrayFieldStart("peers");
      for (PeerConfig p : peers) {
        g.writeStartObject();
        g.writeStringField("key", p.key().toHex());
        g.writeStringField("address", p.address().toString());
        g.writeStringField("role", p.role().label());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("clients");
      for (Ed25519PublicKey k : clients) {
        g.writeString(k.toHex());
      }
      g.writeEndArray();
      g.writeStringField("data_dir", relative(b, dataDirectory));
      g.writeStringField("genesis", relative(b, genesis));
      g.writeStringField("genesis_hash", genesisHash.toHex());
      g.writeObjectFieldStart("passphrase");
      if (keySource instanceof KeySource.Environment e) {
        g.writeStringField("env", e.name());
      } else {
        g.writeStringField("file", relative(b, ((KeySource.File) keySource).file()));
      }
      g.writeEndObject();
      g.writeObjectFieldStart("consensus");
      g.writeStringField("protocol", consensus.protocol());
      g.writeNumberField("round_timeout_ms", consensus.roundTimeout().toMillis());
      g.writeNumberField("retransmit_ms", consensus.retransmitInterval().toMillis());
      g.writeNumberField("max_block_entries", consensus.maxBlockEntries());
      g.writeNumberField("max_block_bytes", consensus.maxBlockBytes());
      g.writeNumberField("batch_delay_ms", consensus.batchDelay().toMillis());
      g.writeNumberField("max_pending_entries", consensus.maxPendingEntries());
      if (consensus.registrarsFrom() != 0) {
        g.writeNumberField("registrars_from", consensus.registrarsFrom());
      }
      if (consensus.reusedKeysFrom() != 0) {
        g.writeNumberField("reused_keys_from", consensus.reusedKeysFrom());
      }
      if (consensus.registrationsPerRegistrar() != io.medledger.chain.ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR) {
        g.writeNumberField("registrations_per_registrar", consensus.registrationsPerRegistrar());
      }
      if (consensus.registrationBoundFrom() != 0) {
        g.writeNumberField("registration_bound_from", consensus.registrationBoundFrom());
      }
      g.writeEndObject();
      g.writeObjectFieldStart("limits");
      g.writeNumberField("max_pending_submissions", limits.maxPendingSubmissions());
      g.writeNumberField("max_request_bytes", limits.maxRequestBytes());
      g.writeNumberField("max_pending_per_client", limits.maxPendingPerClient());
      g.writeNumberField("client_requests_per_second", limits.clientRequestsPerSecond());
      g.writeNumberField("max_pending_per_registrar", limits.maxPendingPerRegistrar());
      g.writeEndObject();
      if (role == ServerRole.STORAGE || !storage.equals(StorageSettings.defaults())) {
        g.writeObjectFieldStart("storage");
        g.writeNumberField("max_blob_bytes", storage.maxBlobBytes());
        g.writeNumberField("max_chunk_bytes", storage.maxChunkBytes());
        g.writeNumberField("sessions_per_client", storage.sessionsPerClient());
        g.writeNumberField("max_sessions", storage.maxSessions());
        g.writeNumberField("session_timeout_ms", storage.sessionTimeout().toMillis());
        g.writeNumberField("reserve_disk_bytes", storage.reserveDiskBytes());
        g.writeNumberField("threads", storage.threads());
        g.writeNumberField("max_pending_bytes_per_uploader", storage.maxPendingBytesPerUploader());
        g.writeNumberField("orphan_grace_ms", storage.orphanGrace().toMillis());
        g.writeEndObject();
      }
      if (tiles.isPresent()) {
        g.writeObjectFieldStart("tiles");
        g.writeStringField("listen", tiles.get().listen().toString());
        g.writeStringField("prefix", tiles.get().prefix());
        g.writeEndObject();
      }
      if (anchoring.isPresent()) {
        g.writeFieldName("anchoring");
        anchoring.get().write(g, b);
      }
      g.writeEndObject();
    }) + "\n";
  }

  static String relative(Path base, Path p) {
    return p.startsWith(base) ? base.relativize(p).toString() : p.toString();
  }
}
