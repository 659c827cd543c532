package io.medledger.node;

import io.medledger.MedLedgerException;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.LedgerInclusionProof;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Limits;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordErasure;
import io.medledger.chain.RecordQuery;
import io.medledger.chain.ValidationResult;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.ErasureReport;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.LedgerConnection;
import io.medledger.client.ProxyFailureException;
import io.medledger.client.RecordErasedException;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.client.UnverifiableAnswerException;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.LedgerApp;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.PageWalk;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.pre.CapsuleFrag;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.PublicKey;
import io.medledger.storage.ReplicatedBlobStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link LedgerConnection} of a client talking to remote nodes over mutually authenticated
 * TLS: the client presents its participant key ({@link Identity}) in its certificate, and each node
 * checks it against its ledger. Reads and submissions go to the first node that answers (in the
 * order given, failing over to the next), but what gates a decision needs
 * {@link Builder#confirmations} ledger nodes, f + 1 of a federation that tolerates f faulty ones
 * (see {@link #confirmations(int)}): a submission, an entry and a header are believed final by
 * their block's certificate, checked against the voters in force at its height as the client
 * follows them from the configured ones through the certified blocks (below a pinned block,
 * {@link Builder#trustedBlock}, by being one of its ancestors; see {@link #header}), or
 * else only once that many nodes locate the submission or serve the header, the height as that
 * many report it, a
 * patient's history and the index pages only from a node no lower than that height, less a small
 * lag (see {@link #patientHistory(ParticipantId)}), whether a grant is active or revoked, a record
 * erased or a participant active only as that many such nodes answer alike (see
 * {@link #isGrantActive}), an entry or key card from a node that proves it and its absence only as
 * that many say so (see {@link #entry}), and the chain only as every ledger node
 * that answers states it, that many at least. The proxy list is not taken from any node's word:
 * the client derives it from the membership it follows and the proxies' own key publications,
 * proven final (see {@link #proxyKeys}). A storage node in the list is trusted with keeping
 * ciphertext available only: it may take a submission or serve a block, but its word counts toward
 * no confirmation or agreement; re-encryption goes to the federation server the grant names as proxy, and key cards are
 * published to every node. Responses are decoded with bounds;
 * a node that cannot be reached is named in the {@link NodeException} (reason UNREACHABLE), a
 * proxy that fails in the {@link ProxyFailureException}, and a refusal names its
 * {@link AccessRight}. Uses Netty (optional dependency) through {@link ClientChannel}.
 *
 * <p>Payloads go to the {@link ReplicatedBlobStore} given to {@link Builder#payloads}: over the
 * storage nodes' service, a store of {@link StorageNodeClient}s, streamed in bounded memory. An
 * anchor receipt ({@link #receipt}) is taken from the first node whose receipt's ledger part holds.
 *
 * <p>Thread-safe; close it to close its channels.
 */
public final class RemoteConnection implements LedgerConnection, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RemoteConnection.class.getName());
  /** Blocks ahead of the followed membership that are read one by one (see {@link #votersAt}). */
  static final int FOLLOW_BLOCK_BY_BLOCK = 64;
  /** Most membership-changing blocks the client takes from one node's list (see {@link #jump}). */
  private static final int MAX_FOLLOWED_CHANGES = 65_536;
  /** Blocks a patient's history may be older than the freshness floor by default. */
  public static final int DEFAULT_HISTORY_LAG = 2;

  private final List<ClientConfig.NodeEndpointConfig> nodes;
  private final TlsIdentity identity;
  private final TransportLimits limits;
  private final Duration timeout;
  private final Duration submitTimeout;
  private final Optional<ReplicatedBlobStore> payloads;
  private final String expectedChain;
  private final long registrarsFrom;
  private final long reusedKeysFrom;
  private final int registrationsPerRegistrar;
  private final long registrationBoundFrom;
  private final int historyLag;
  private final int quorum;
  /** The block the client pins, or null. */
  private final ClientConfig.TrustedBlock trusted;
  /** Where the headers read back from the pinned block are kept between connections, or null. */
  private final HeaderCache headerCache;
  private final Map<Ed25519PublicKey, ClientChannel> channels = new ConcurrentHashMap<>();
  /** The proxies' keys proven so far (see {@link #proxyKey}), by federation server. */
  private final Map<ParticipantId, PublicKey> provenProxyKeys = new ConcurrentHashMap<>();
  private volatile Chain chain;
  private volatile boolean closed;
  /** How far ahead the client reads every block rather than the membership changes alone. */
  private final int followBlockByBlock;
  /** Guards the followed membership: the fields from {@link #trail} to {@link #stuckAt}. */
  private final Object following = new Object();
  /** The membership followed from the configured voters through the certified blocks; null until the chain is known. */
  private VoterTrail trail;
  /** The hash of block {@code trail.height()}, null at the starting point. */
  private Digest trailHash;
  /** The voters in force from each height at which they changed (from height 1: the configured ones). */
  private final java.util.TreeMap<Long, List<Ed25519PublicKey>> votersFrom = new java.util.TreeMap<>();
  /**
   * The hashes of blocks 1 to the pinned height, 32 bytes each, once the client has read them back
   * from the pinned block; null until then (or without a pin).
   */
  private byte[] pinnedHashes;
  /** The hash of genesis, the parent block 1 names on the pinned chain; null until read back (or without a pin). */
  private Digest pinnedGenesis;
  /** The ledger node that served the last followed block, asked first for the next. */
  private int trailSource;
  /** The block no ledger node served so when last asked (0: none), so that it is logged once. */
  private long stuckAt;

  /** The chain, its certificate policy and its consensus protocol's name. */
  private record Chain(ChainParameters parameters, CertificatePolicy policy, String protocol) {}

  private RemoteConnection(Builder b, int confirmations, HeaderCache headerCache) {
    this.nodes = List.copyOf(b.nodes);
    this.identity = b.identity;
    this.limits = b.limits;
    this.timeout = b.timeout;
    this.submitTimeout = b.submitTimeout;
    this.payloads = Optional.ofNullable(b.payloads);
    this.expectedChain = b.chain;
    this.registrarsFrom = b.registrarsFrom;
    this.reusedKeysFrom = b.reusedKeysFrom;
    this.registrationsPerRegistrar = b.registrationsPerRegistrar;
    this.registrationBoundFrom = b.registrationBoundFrom;
    this.historyLag = b.historyLag;
    this.quorum = confirmations;
    this.followBlockByBlock = b.followBlockByBlock;
    this.trusted = b.trustedBlock;
    this.headerCache = headerCache;
  }

  /** A builder for a client with {@code identity}'s participant key. */
  public static Builder builder(Identity identity) {
    return new Builder(TlsIdentity.of(Objects.requireNonNull(identity, "identity").secretSigningKey()));
  }

  /** A builder for a client authenticating as {@code identity} (for example an operator key of a node's configuration). */
  public static Builder builder(TlsIdentity identity) {
    return new Builder(identity);
  }

  /** Builds a {@link RemoteConnection}. Not thread-safe. */
  public static final class Builder {
    private final TlsIdentity identity;
    private final List<ClientConfig.NodeEndpointConfig> nodes = new ArrayList<>();
    private TransportLimits limits = TransportLimits.defaults();
    private Duration timeout = Duration.ofSeconds(30);
    private Duration submitTimeout = Duration.ofSeconds(120);
    private ReplicatedBlobStore payloads;
    private String chain;
    private int historyLag = DEFAULT_HISTORY_LAG;
    private int confirmations;
    private long registrarsFrom;
    private long reusedKeysFrom;
    private int registrationsPerRegistrar = ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR;
    private long registrationBoundFrom;
    private int followBlockByBlock = FOLLOW_BLOCK_BY_BLOCK;
    private ClientConfig.TrustedBlock trustedBlock;
    private java.nio.file.Path headerCache;

    private Builder(TlsIdentity identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
    }

    /** Adds a node's client endpoint: its ledger key, address and role. */
    public Builder node(Ed25519PublicKey key, PeerAddress address, ServerRole role) {
      nodes.add(new ClientConfig.NodeEndpointConfig(key, address, role));
      return this;
    }

    /** Adds the nodes of a client configuration ({@code client.json}); the nodes must be on its chain. */
    public Builder nodes(ClientConfig config) {
      nodes.addAll(config.nodes());
      this.chain = config.chain();
      this.registrarsFrom = config.registrarsFrom();
      this.reusedKeysFrom = config.reusedKeysFrom();
      this.registrationsPerRegistrar = config.registrationsPerRegistrar();
      this.registrationBoundFrom = config.registrationBoundFrom();
      config.trustedBlock().ifPresent(this::trustedBlock);
      config.headerCache().ifPresent(this::headerCache);
      return this;
    }

    /**
     * Keeps the headers a pinned connection reads back ({@link #trustedBlock}) in {@code dir} (or
     * the configuration's {@code header_cache}), so that the next connection with the same pin
     * reads none of them from the nodes: one file per pin, at most 1 GiB, checked header by header
     * when loaded (each must hash to the parent hash its child names, the first to the pinned hash)
     * and read from the nodes and written again when it does not hold. {@code dir} is created
     * owner-only if missing; {@link #build} refuses one that group or others may write. Without a
     * pin it is not used.
     */
    public Builder headerCache(java.nio.file.Path dir) {
      this.headerCache = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Pins {@code block} (or the configuration's {@code trusted_block}): the connection refuses a
     * chain whose block at its height has another hash ({@link TrustedBlockMismatchException}),
     * takes a block at or below it as final only when it is that block or one of its ancestors,
     * and follows the membership below it along those ancestors alone, reading their headers and
     * in full only the ones ledger nodes list as membership changes (see
     * {@link RemoteConnection#header}); above it the membership is followed as without a pin.
     */
    public Builder trustedBlock(ClientConfig.TrustedBlock block) {
      this.trustedBlock = Objects.requireNonNull(block, "block");
      return this;
    }

    /**
     * The chain's bound on the patient registrations one registrar countersigns per block and the
     * height it binds from ({@link ChainParameters#registrationsPerRegistrar()} and
     * {@link ChainParameters#registrationBoundFrom()}, default 64 from 0, or the configuration's
     * fields of those names): what {@link RemoteConnection#parameters()} gives an auditor checking
     * the chain, never taken from the nodes.
     *
     * @throws IllegalArgumentException if out of range
     */
    public Builder registrationBound(int perBlock, long fromHeight) {
      ChainParameters.defaults("bound").withRegistrationBound(perBlock, fromHeight); // validates them
      this.registrationsPerRegistrar = perBlock;
      this.registrationBoundFrom = fromHeight;
      return this;
    }

    /**
     * The height from which the chain's patient registrations carry a registrar's countersignature
     * ({@link ChainParameters#registrarsFrom()}, default 0, or the configuration's {@code
     * registrars_from}): what {@link RemoteConnection#parameters()} gives an auditor checking the chain. The nodes
     * do not tell it, since a client must not take a chain rule from the nodes it checks.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder registrarsFrom(long height) {
      if (height < 0) {
        throw new IllegalArgumentException("registrarsFrom " + height);
      }
      this.registrarsFrom = height;
      return this;
    }

    /**
     * The height from which the chain's rules on reused keys bind ({@link ChainParameters#reusedKeysFrom()},
     * default 0, or the configuration's {@code reused_keys_from}), for {@link RemoteConnection#parameters()}
     * as {@link #registrarsFrom}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder reusedKeysFrom(long height) {
      if (height < 0) {
        throw new IllegalArgumentException("reusedKeysFrom " + height);
      }
      this.reusedKeysFrom = height;
      return this;
    }

    /**
     * How many blocks ahead of the membership it has followed the connection reads every block
     * (default {@value RemoteConnection#FOLLOW_BLOCK_BY_BLOCK}); further ahead it reads only the
     * blocks that changed the membership, as the ledger nodes list them (see
     * {@link RemoteConnection#header}).
     *
     * @throws IllegalArgumentException if negative
     */
    Builder followBlockByBlock(int blocks) {
      if (blocks < 0) {
        throw new IllegalArgumentException("followBlockByBlock " + blocks);
      }
      this.followBlockByBlock = blocks;
      return this;
    }

    /** The transport limits (frame size, timeouts of the handshake). */
    public Builder limits(TransportLimits l) {
      this.limits = Objects.requireNonNull(l, "limits");
      return this;
    }

    /** How long a read may take (default 30 s) and how long a submission may wait to be final (default 120 s). */
    public Builder timeouts(Duration read, Duration submit) {
      this.timeout = Objects.requireNonNull(read, "read");
      this.submitTimeout = Objects.requireNonNull(submit, "submit");
      return this;
    }

    /**
     * How many blocks a patient's history may be older than the freshness floor (the highest
     * height {@link #confirmations} ledger nodes report) and still be taken (default
     * {@value RemoteConnection#DEFAULT_HISTORY_LAG}): the nodes may lag one another by a block or two.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder historyLag(int blocks) {
      if (blocks < 0) {
        throw new IllegalArgumentException("a history lag of " + blocks + " blocks");
      }
      this.historyLag = blocks;
      return this;
    }

    /**
     * How many ledger nodes must confirm what gates a decision (the freshness floor and
     * {@link RemoteConnection#height()}, whether a grant is active or revoked, a record erased, a
     * participant active, that an entry or key card does not exist, a header, or the least number of
     * voters in force whose precommits in a block's certificate make it final): at least the default,
     * {@link RemoteConnection#confirmations(int)} of the ledger nodes configured, and at most their
     * number. More confirmations hold off more colluding nodes, and fail more reads while nodes are
     * down or lag.
     *
     * @throws IllegalArgumentException if less than one (the bounds of the nodes are checked by {@link #build})
     */
    public Builder confirmations(int nodes) {
      if (nodes < 1) {
        throw new IllegalArgumentException(nodes + " confirmations");
      }
      this.confirmations = nodes;
      return this;
    }

    /** Where encrypted payloads are written and read. */
    public Builder payloads(ReplicatedBlobStore store) {
      this.payloads = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The connection; channels open on first use.
     *
     * @throws IllegalArgumentException if no node was given, or the {@link #confirmations} asked
     *     are fewer than the default for the ledger nodes given or more than there are
     * @throws NodeException with reason CONFIG if the {@link #headerCache} directory cannot be
     *     created, is not a directory, or group or others may write it
     */
    public RemoteConnection build() {
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("a remote connection needs at least one node");
      }
      int ledgerNodes = (int) nodes.stream().filter(n -> n.role() != ServerRole.STORAGE).count();
      int least = RemoteConnection.confirmations(ledgerNodes);
      if (confirmations != 0 && confirmations < least) {
        throw new IllegalArgumentException(confirmations + " confirmations: " + ledgerNodes
            + " ledger nodes tolerate " + (ledgerNodes - 1) / 3 + " faulty ones, so at least " + least + " must confirm");
      } else if (confirmations > Math.max(ledgerNodes, 1)) {
        throw new IllegalArgumentException(confirmations + " confirmations from " + ledgerNodes + " ledger nodes");
      }
      return new RemoteConnection(this, confirmations == 0 ? least : confirmations,
          headerCache == null ? null : HeaderCache.open(headerCache, HeaderCache.MAX_FILE_BYTES));
    }
  }

  /**
   * The confirmations a connection to {@code ledgerNodes} ledger nodes needs by default: f + 1,
   * where f = (n - 1) / 3 (rounded down) is how many faulty nodes a federation of n ledger nodes
   * tolerates, and never fewer than two when two or more are configured (one node's word is what
   * a single lagging or hostile node gives). f is taken from the nodes configured, not from the
   * on-ledger membership (which the connection would learn from those same nodes): configuring
   * fewer nodes than the federation runs lowers it, and a connection to one ledger node takes that
   * node's word.
   *
   * @throws IllegalArgumentException if negative
   */
  public static int confirmations(int ledgerNodes) {
    if (ledgerNodes < 0) {
      throw new IllegalArgumentException(ledgerNodes + " ledger nodes");
    }
    return Math.max(1, Math.max((ledgerNodes - 1) / 3 + 1, Math.min(2, ledgerNodes)));
  }

  // ---------------------------------------------------------------- transport

  private ClientChannel channel(ClientConfig.NodeEndpointConfig n) {
    ensureOpen();
    ClientChannel c = channels.get(n.key());
    if (c != null && c.isOpen()) {
      return c;
    }
    synchronized (channels) {
      ensureOpen(); // read again under the lock that close() takes: no channel opens after close
      c = channels.get(n.key());
      if (c == null || !c.isOpen()) {
        if (c != null) {
          c.close(); // the node dropped it: what it holds goes before it is replaced
        }
        try {
          c = ClientChannel.connect(n.address(), n.key(), identity, limits);
        } catch (RuntimeException e) {
          throw new NodeException(NodeException.Reason.UNREACHABLE, "cannot reach node " + name(n) + ": "
              + e.getMessage(), e);
        }
        channels.put(n.key(), c);
      }
      return c;
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new NodeException(NodeException.Reason.UNREACHABLE, "the connection is closed");
    }
  }

  private static String name(ClientConfig.NodeEndpointConfig n) {
    return ParticipantId.of(n.key()) + " at " + n.address();
  }

  /** Sends {@code request} to {@code n} and waits; transport failures name the node. */
  private byte[] exchange(ClientConfig.NodeEndpointConfig n, byte[] request, Duration wait) {
    CompletableFuture<byte[]> f = channel(n).request(request);
    try {
      return f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new NodeException(NodeException.Reason.UNREACHABLE, "node " + name(n) + " failed: "
          + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new NodeException(NodeException.Reason.UNREACHABLE, "node " + name(n) + " did not answer within " + wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MedLedgerException("interrupted while waiting for node " + name(n), e);
    }
  }

  /**
   * Sends a ledger request to the first node that answers well and reads its OK body with
   * {@code body}; a node that is down, refuses the request or answers something malformed is
   * passed over (the first such failure is raised if no node answers well); denials and erasures
   * become the exceptions the interface names.
   */
  private <T> T ask(byte[] request, Function<LedgerWire.Reader, T> body) {
    return answered(request, body).value();
  }

  /** An answer and the node that gave it. */
  private record Answered<T>(ClientConfig.NodeEndpointConfig node, T value) {}

  /** As {@link #ask}, naming the node that answered. */
  private <T> Answered<T> answered(byte[] request, Function<LedgerWire.Reader, T> body) {
    RuntimeException failed = null;
    for (ClientConfig.NodeEndpointConfig n : nodes) {
      try {
        return new Answered<>(n, read(n, exchange(n, request, timeout), body));
      } catch (NodeException | MalformedEncodingException | IllegalArgumentException e) {
        failed = failed == null || failed instanceof NodeException ? e : failed;
      }
    }
    throw failed;
  }

  /**
   * The answer to {@code request} as every ledger node that answers states it, once at least
   * {@link Builder#confirmations} of them answered (the nodes that are down are passed over;
   * storage nodes are not asked): fewer would let f nodes, the only ones a client reaches, state it.
   *
   * @throws MalformedEncodingException if two nodes answer differently ({@code what} names what)
   *     or one answers something malformed
   * @throws UnconfirmedAnswerException if some but fewer than that many ledger nodes answered
   * @throws NodeException with reason UNREACHABLE if no ledger node answers
   */
  private <T> T unanimous(byte[] request, Function<LedgerWire.Reader, T> body, String what) {
    T agreed = null;
    ClientConfig.NodeEndpointConfig first = null;
    NodeException last = new NodeException(NodeException.Reason.UNREACHABLE, "no ledger node is configured to state "
        + what);
    int answered = 0;
    for (ClientConfig.NodeEndpointConfig n : ledgerNodes()) {
      byte[] r;
      try {
        r = exchange(n, request, timeout);
      } catch (NodeException e) {
        last = e;
        continue;
      }
      T t = read(n, r, body);
      answered++;
      if (agreed == null) {
        agreed = t;
        first = n;
      } else if (!agreed.equals(t)) {
        throw new MalformedEncodingException("nodes " + name(first) + " and " + name(n) + " state different " + what
            + "; one is lying or behind, try again later");
      }
    }
    if (agreed == null) {
      throw last;
    }
    if (answered < quorum) {
      throw new UnconfirmedAnswerException("only " + answered + " ledger node" + (answered == 1 ? "" : "s")
          + " answered " + what + ", fewer than the " + quorum + " that must state them alike (the others: "
          + last.getMessage() + "); try again once they are reachable");
    }
    return agreed;
  }

  private static <T> T read(ClientConfig.NodeEndpointConfig n, byte[] r, Function<LedgerWire.Reader, T> body) {
    if (r.length == 0) {
      throw new MalformedEncodingException("empty response from node " + name(n));
    }
    LedgerWire.Reader in = new LedgerWire.Reader(r, 1);
    switch (r[0]) {
      case ClientWire.OK -> {
        T t = body.apply(in);
        in.end();
        return t;
      }
      case LedgerWire.DENIED -> {
        AccessRight right = in.constant(AccessRight.values());
        throw new AccessRefusedException(right, in.string() + " (node " + ParticipantId.of(n.key()) + ")");
      }
      case LedgerWire.ERASED -> throw new RecordErasedException(in.digest());
      case ClientWire.REFUSED -> {
        in.u8();
        throw new IllegalArgumentException("node " + ParticipantId.of(n.key()) + " refused: "
            + new String(in.raw(Math.min(in.remaining(), LedgerWire.MAX_STRING)), StandardCharsets.UTF_8));
      }
      default -> throw new MalformedEncodingException("unknown response status " + r[0] + " from node " + name(n));
    }
  }

  private static LedgerWire.Writer request(byte type) {
    return new LedgerWire.Writer(type);
  }

  // ---------------------------------------------------------------- the chain

  private record ChainName(String name, String protocol) {}

  /**
   * The chain and its consensus protocol as every ledger node that answers states them, once
   * {@link Builder#confirmations} answered (and, when the
   * connection was built from a client configuration, the configured chain): one node's word
   * would let it choose the protocol whose certificates an auditor checks, or the chain id entries
   * are signed for.
   *
   * @throws MalformedEncodingException if a node names another chain or protocol than the others,
   *     or than the configuration
   */
  private Chain chain() {
    Chain c = chain;
    if (c == null) {
      ChainName n = unanimous(request(ClientWire.CHAIN).toBytes(), in -> {
        String name = in.string();
        Digest id = in.digest();
        String protocol = in.string();
        if (!ChainParameters.defaults(name).chainId().equals(id)) {
          throw new MalformedEncodingException("the node's chain id does not match its chain name " + name);
        }
        if (!io.medledger.consensus.Protocols.names().contains(protocol)) {
          throw new MalformedEncodingException("unknown consensus protocol " + protocol);
        }
        if (expectedChain != null && !expectedChain.equals(name)) {
          throw new MalformedEncodingException("the node is on chain " + name + ", not the configured " + expectedChain);
        }
        return new ChainName(name, protocol);
      }, "chains or consensus protocols");
      c = new Chain(ChainParameters.defaults(n.name()).withRegistrarsFrom(registrarsFrom)
          .withReusedKeysFrom(reusedKeysFrom)
          .withRegistrationBound(registrationsPerRegistrar, registrationBoundFrom),
          LedgerApp.certificatePolicy(n.protocol()), n.protocol());
      chain = c;
    }
    return c;
  }

  private List<Ed25519PublicKey> keysOf(ServerRole role) {
    return nodes.stream().filter(n -> n.role() == role).map(ClientConfig.NodeEndpointConfig::key).distinct().toList();
  }

  /**
   * Whether block {@code b}'s certificate makes it final to this client: it carries valid
   * precommits of {@code b}'s header by more than two thirds of the voters in force at its height
   * (and by at least {@link Builder#confirmations} of them), as
   * the client follows them (see {@link #votersAt}). Signatures of other keys are not counted, nor
   * a key twice; genesis has no certificate. False too while the nodes do not all state the chain
   * and its protocol, or the client cannot follow the membership up to the block's parent. With a
   * pinned block, a block at or below its height is final only when it is the pinned block or one
   * of its ancestors (its certificate is not needed, nor counted), however many nodes serve another;
   * genesis too, as the parent that block 1 of the pinned chain names.
   *
   * @throws UnverifiableAnswerException if {@code b} is at or below the pinned height and not on the pinned chain
   * @throws TrustedBlockMismatchException if the ledger nodes serve another block at the pinned height
   * @throws UnconfirmedAnswerException if none serves the pinned block (or one of its ancestors) yet
   */
  private boolean certified(CertifiedBlock b) {
    Chain c;
    try {
      c = chain();
    } catch (MedLedgerException | IllegalArgumentException e) {
      return false; // the chain's protocol is not known: the other nodes confirm the header
    }
    long h = b.header().height();
    if (h < 0 || h == 0 && trusted == null || !b.header().chainId().equals(c.parameters().chainId())) {
      return false;
    }
    List<Ed25519PublicKey> voters = votersAt(c, Math.max(h, 1)); // reads the pinned chain back first, if not yet done
    if (trusted != null && h <= trusted.height()) {
      Digest known;
      synchronized (following) { // read back by votersAt
        known = h == 0 ? pinnedGenesis : Digest.of(pinnedHashes, (int) (h - 1) * Digest.LENGTH);
      }
      if (!known.equals(b.header().hash())) {
        throw new UnverifiableAnswerException("block " + h + " (" + b.header().hash() + ") is not on the pinned chain,"
            + " whose block " + h + " is " + known);
      }
      return true;
    }
    return certifiedBy(b, voters);
  }

  /** Whether {@code b}'s certificate carries precommits of enough of {@code voters} (see {@link #certified}). */
  private boolean certifiedBy(CertifiedBlock b, List<Ed25519PublicKey> voters) {
    int need = certifiers(voters);
    return need > 0 && LedgerApp.precommitSigners(b.header(), b.certificate(), voters, need).size() >= need;
  }

  /**
   * How many of {@code voters} must have precommitted a block for the client to take it as final
   * by its certificate: more than two thirds, and at least {@link Builder#confirmations}; 0 when
   * there are not that many.
   */
  private int certifiers(List<Ed25519PublicKey> voters) {
    int need = Math.max(quorum, io.medledger.consensus.VoterSet.quorum(voters.size()));
    return voters.isEmpty() || need > voters.size() ? 0 : need;
  }

  /**
   * The voters whose precommits certify block {@code height}, or none when the client cannot
   * follow the membership that far. The client starts from the configured ledger nodes (federation
   * servers, and audit servers under {@code rotating-audit}) as the membership after genesis, and
   * follows it over the certified blocks. A short way ahead (at most {@link Builder#followBlockByBlock}
   * blocks) it reads every block: block {@code k} is taken, from the first ledger node that serves it
   * so, only when its entries match its header, its header names the followed block {@code k - 1}
   * as parent, and its certificate carries precommits of more than two thirds of the voters in
   * force at {@code k}; its membership changes and evidence then give the voters from {@code k + 1}
   * on ({@link VoterTrail#after}). Further ahead it reads only the blocks that changed the
   * membership (see {@link #jump}). The followed membership is kept: each block is read at most once
   * per connection.
   */
  private List<Ed25519PublicKey> votersAt(Chain c, long height) {
    synchronized (following) {
      if (trail == null) {
        trail = VoterTrail.trusted(keysOf(ServerRole.FEDERATION), keysOf(ServerRole.AUDIT));
        votersFrom.put(1L, trail.voters(c.protocol()));
      }
      List<ClientConfig.NodeEndpointConfig> ledgerNodes = ledgerNodes();
      if (trusted != null && pinnedHashes == null) {
        pin(c, ledgerNodes);
      }
      if (height - 1 - trail.height() > followBlockByBlock && !jump(c, height - 1, ledgerNodes)) {
        stuck(height - 1, "fewer than " + quorum + " ledger nodes list alike the blocks that changed the membership"
            + " up to block " + (height - 1));
        return List.of();
      }
      while (trail.height() < height - 1) {
        long k = trail.height() + 1;
        List<Ed25519PublicKey> voters = votersFrom.floorEntry(k).getValue();
        if (certifiers(voters) == 0) {
          return List.of(); // too few voters for a certificate to count: nothing to follow them by
        }
        Optional<CertifiedBlock> next = served(c, ledgerNodes, k, voters, trailHash);
        if (next.isEmpty()) {
          stuck(k, "no ledger node serves certified block " + k);
          return List.of();
        }
        take(c, next.get());
        trailHash = next.get().header().hash();
      }
      return votersFrom.floorEntry(height).getValue();
    }
  }

  /**
   * Follows the membership up to the pinned block along its ancestors: the pinned block is taken
   * from the first ledger node that serves a block of that hash, and the headers below it, down to
   * block 1, a page at a time ({@code HEADERS}) from the first node whose page links, each header's
   * hash being the parent hash its child names; their hashes are kept. Only the blocks that changed
   * the membership are read in full: {@link Builder#confirmations} ledger nodes list their heights
   * ({@code MEMBERSHIP_CHANGES}, as {@link #jump} gathers them), and each listed block is taken only
   * when its hash is the one read back at its height and its entries match its header; their
   * membership changes and evidence are then applied in order, as {@link #votersAt} applies them.
   * So no block of another history is taken below the pin, while that none of its membership
   * changes is left out rests on one honest node among the listing ones, as for the jump. Called
   * with the lock held and the trail at its starting point.
   *
   * @throws TrustedBlockMismatchException if no node serves the pinned block and one serves another there
   * @throws UnconfirmedAnswerException if no node serves the pinned block, or the headers or a
   *     membership-changing block below it, or too few nodes list the membership changes
   */
  private void pin(Chain c, List<ClientConfig.NodeEndpointConfig> ledgerNodes) {
    long top = trusted.height();
    Map<String, Digest> other = new LinkedHashMap<>();
    Optional<CertifiedBlock> b = linked(c, ledgerNodes, top, trusted.hash(), other);
    if (b.isEmpty() && !other.isEmpty()) {
      Map.Entry<String, Digest> first = other.entrySet().iterator().next();
      throw new TrustedBlockMismatchException(top, trusted.hash(), first.getValue(), "ledger nodes serve block " + top
          + " with another hash than the pinned " + trusted.hash() + " (" + other + "): they are on another chain,"
          + " or trusted_block is wrong; nothing is taken as final");
    }
    if (b.isEmpty()) {
      throw notServed(top);
    }
    HeaderCache.ReadBack back = readBack(c, ledgerNodes, b.get().header());
    byte[] hashes = back.hashes();
    java.util.TreeMap<Long, List<Entry>> changes = top == 1 ? new java.util.TreeMap<>()
        : changesBelowPin(c, ledgerNodes, top - 1, hashes);
    List<Entry> atTop = changing(b.get().block());
    if (!atTop.isEmpty()) {
      changes.put(top, atTop);
    }
    for (Map.Entry<Long, List<Entry>> e : changes.entrySet()) {
      List<Ed25519PublicKey> before = trail.voters(c.protocol());
      trail = trail.after(e.getKey(), e.getValue(), c.parameters());
      List<Ed25519PublicKey> after = trail.voters(c.protocol());
      if (!after.equals(before)) {
        votersFrom.put(e.getKey() + 1, after);
      }
    }
    trail = trail.through(top);
    trailHash = trusted.hash();
    pinnedHashes = hashes;
    pinnedGenesis = back.genesis();
  }

  /**
   * The hashes of blocks 1 to the pinned block {@code pinned} and of genesis: from the header
   * cache when it holds them (checked header by header, see {@link HeaderCache}), else read back
   * from the nodes a page at a time ({@link #linkedHeaders}), each header's hash the parent hash its
   * child names, and written to the cache if there is one.
   *
   * @throws UnconfirmedAnswerException if no node serves a linking page of headers
   */
  private HeaderCache.ReadBack readBack(Chain c, List<ClientConfig.NodeEndpointConfig> ledgerNodes, BlockHeader pinned) {
    long top = pinned.height();
    Digest chainId = c.parameters().chainId();
    if (headerCache != null) {
      Optional<HeaderCache.ReadBack> kept = headerCache.load(chainId, top, pinned.hash());
      if (kept.isPresent()) {
        return kept.get();
      }
    }
    byte[] hashes = new byte[Math.toIntExact(top * Digest.LENGTH)];
    pinned.hash().copyTo(hashes, (int) (top - 1) * Digest.LENGTH);
    try (HeaderCache.Writer w = headerCache == null ? null : headerCache.writer(chainId, top, pinned.hash())) {
      if (w != null) {
        w.add(pinned);
      }
      Digest parent = pinned.previousHash();
      for (long k = top - 1; k >= 1; ) {
        List<BlockHeader> page = linkedHeaders(c, ledgerNodes, k, (int) Math.min(ClientWire.MAX_HEADERS, k), parent);
        if (page.isEmpty()) {
          throw notServed(k);
        }
        for (BlockHeader h : page) {
          h.hash().copyTo(hashes, (int) (k - 1) * Digest.LENGTH);
          if (w != null) {
            w.add(h);
          }
          parent = h.previousHash();
          k--;
        }
      }
      if (w != null) {
        w.commit();
      }
      return new HeaderCache.ReadBack(hashes, parent);
    }
  }

  private UnconfirmedAnswerException notServed(long k) {
    return new UnconfirmedAnswerException("no ledger node serves block " + k + " of the pinned chain (block "
        + trusted.height() + ", " + trusted.hash() + ") yet; nothing is taken as final until one does, try again later");
  }

  /** The membership changes and evidence of {@code b}, in block order. */
  private static List<Entry> changing(io.medledger.chain.Block b) {
    return b.entries().stream()
        .filter(x -> x instanceof io.medledger.chain.MembershipChange || x instanceof io.medledger.chain.Evidence)
        .toList();
  }

  /**
   * The membership changes and evidence of the blocks from 1 to {@code to} that changed the
   * membership, by height: the heights {@link #listedChanges} gives, each block taken from the first
   * node that serves it with the hash {@code hashes} holds at its height. A listed block holding
   * neither drops the nodes that listed it, and the lists are gathered again without them.
   *
   * @throws UnconfirmedAnswerException if too few nodes list the heights, or none serves a listed block
   */
  private java.util.TreeMap<Long, List<Entry>> changesBelowPin(Chain c, List<ClientConfig.NodeEndpointConfig> ledgerNodes,
      long to, byte[] hashes) {
    java.util.Set<Integer> liars = new java.util.HashSet<>();
    while (true) {
      Optional<java.util.TreeMap<Long, java.util.Set<Integer>>> listed = listedChanges(ledgerNodes, 1, to, liars);
      if (listed.isEmpty()) {
        throw new UnconfirmedAnswerException("fewer than " + quorum + " ledger nodes list alike the blocks below the"
            + " pinned block " + trusted.height() + " that changed the membership; nothing is taken as final until they"
            + " do, try again later");
      }
      java.util.TreeMap<Long, List<Entry>> changes = new java.util.TreeMap<>();
      boolean lied = false;
      for (Map.Entry<Long, java.util.Set<Integer>> e : listed.get().entrySet()) {
        long k = e.getKey();
        Optional<CertifiedBlock> b = linked(c, ledgerNodes, k, Digest.of(hashes, (int) (k - 1) * Digest.LENGTH),
            new LinkedHashMap<>());
        if (b.isEmpty()) {
          throw notServed(k);
        }
        List<Entry> changing = changing(b.get().block());
        if (changing.isEmpty()) {
          LOG.log(System.Logger.Level.WARNING, "ledger nodes " + e.getValue().stream().map(i -> name(ledgerNodes.get(i)))
              .toList() + " listed block " + k + " as a membership change; passed over");
          liars.addAll(e.getValue());
          lied = true;
          break;
        }
        changes.put(k, changing);
      }
      if (!lied) {
        return changes;
      }
    }
  }

  /**
   * The headers of blocks {@code k}, {@code k - 1}, ... (at most {@code n}) as the first of {@code
   * ledgerNodes} serves them linked: of the chain, at their heights, the first with hash {@code
   * hash} and each the parent its child names; empty if none does.
   */
  private List<BlockHeader> linkedHeaders(Chain c, List<ClientConfig.NodeEndpointConfig> ledgerNodes, long k, int n,
      Digest hash) {
    for (int i = 0; i < ledgerNodes.size(); i++) {
      int at = (trailSource + i) % ledgerNodes.size();
      ClientConfig.NodeEndpointConfig node = ledgerNodes.get(at);
      List<BlockHeader> page;
      try {
        page = read(node, exchange(node, request(ClientWire.HEADERS).i64(k).u16(n).toBytes(), timeout),
            in -> headersOf(in, n));
      } catch (MedLedgerException | IllegalArgumentException e) {
        continue;
      }
      Digest expected = hash;
      boolean links = true;
      for (int j = 0; j < page.size() && links; j++) {
        BlockHeader h = page.get(j);
        links = h.height() == k - j && h.chainId().equals(c.parameters().chainId()) && h.hash().equals(expected);
        expected = h.previousHash();
      }
      if (links) {
        trailSource = at;
        return page;
      }
      if (k != stuckAt) {
        LOG.log(System.Logger.Level.WARNING, "node " + name(node) + " served headers from " + k
            + " that are not on the pinned chain; passed over");
      }
    }
    stuckAt = k;
    return List.of();
  }

  /** The headers of a HEADERS answer to a request for {@code n}: 1 to {@code n}, each bounded. */
  private static List<BlockHeader> headersOf(LedgerWire.Reader in, int n) {
    int count = in.u16();
    if (count < 1 || count > n) {
      throw new MalformedEncodingException(count + " headers in an answer to a request for " + n);
    }
    List<BlockHeader> page = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      page.add(BlockHeader.decode(in.bytes(ClientWire.MAX_HEADER_BYTES)));
    }
    return page;
  }

  /** Block {@code k} as node {@code n} serves it, decoded with bounds; empty if it does not serve it so. */
  private Optional<CertifiedBlock> blockFrom(ClientConfig.NodeEndpointConfig n, long k) {
    try {
      return Optional.of(read(n, exchange(n, request(ClientWire.BLOCK).i64(k).toBytes(), timeout), in -> blockOf(in, k)));
    } catch (MedLedgerException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Block {@code k} as the first of {@code ledgerNodes} serves it with hash {@code hash}, of the
   * chain and its entries matching its header; empty if none does. The hashes of the other blocks
   * served at {@code k} go to {@code other}, by node.
   */
  private Optional<CertifiedBlock> linked(Chain c, List<ClientConfig.NodeEndpointConfig> ledgerNodes, long k,
      Digest hash, Map<String, Digest> other) {
    Optional<CertifiedBlock> found = firstServing(ledgerNodes, k,
        b -> b.header().chainId().equals(c.parameters().chainId()) && b.header().hash().equals(hash)
            && b.block().entriesMatchHeader(),
        (n, b) -> {
          if (!b.header().chainId().equals(c.parameters().chainId())) {
            return;
          }
          if (!b.header().hash().equals(hash)) {
            other.put(name(n), b.header().hash());
          }
          if (k != stuckAt) {
            LOG.log(System.Logger.Level.WARNING, "node " + name(n) + " served a block " + k
                + " that is not on the pinned chain; passed over");
          }
        });
    if (found.isPresent()) {
      return found;
    }
    stuckAt = k; // found by none: what the nodes serve there is logged once
    return Optional.empty();
  }

  /** Logs once per height that the client cannot follow the membership past it. */
  private void stuck(long k, String why) {
    if (stuckAt != k) {
      stuckAt = k;
      LOG.log(System.Logger.Level.WARNING, why + "; block certificates above it are not taken as final");
    }
  }

  /** Applies the taken block {@code b} to the followed membership. */
  private void take(Chain c, CertifiedBlock b) {
    List<Ed25519PublicKey> before = trail.voters(c.protocol());
    trail = trail.after(b.block(), c.parameters());
    List<Ed25519PublicKey> after = trail.voters(c.protocol());
    if (!after.equals(before)) {
      votersFrom.put(b.header().height() + 1, after);
    }
  }

  /**
   * Follows the membership to block {@code to} by the blocks that changed it alone: {@link
   * Builder#confirmations} ledger nodes list the heights of those blocks ({@code
   * MEMBERSHIP_CHANGES}), and each height any of them lists is read and taken as {@link #votersAt}
   * takes a block, except that its parent is not checked (the blocks between are not read). So a
   * node that leaves a change out is outvoted by any one that lists it; a node that lists a block
   * holding no membership change or evidence has lied, and the lists are gathered again without
   * it. False, and nothing followed, when too few nodes list the heights or a listed block is
   * served by none.
   */
  private boolean jump(Chain c, long to, List<ClientConfig.NodeEndpointConfig> ledgerNodes) {
    long from = trail.height() + 1;
    java.util.Set<Integer> liars = new java.util.HashSet<>();
    while (true) {
      Optional<java.util.TreeMap<Long, java.util.Set<Integer>>> listed = listedChanges(ledgerNodes, from, to, liars);
      if (listed.isEmpty()) {
        return false;
      }
      java.util.TreeMap<Long, java.util.Set<Integer>> listedBy = listed.get();
      VoterTrail t = trail;
      java.util.TreeMap<Long, List<Ed25519PublicKey>> changed = new java.util.TreeMap<>();
      boolean lied = false;
      for (Map.Entry<Long, java.util.Set<Integer>> e : listedBy.entrySet()) {
        long k = e.getKey();
        List<Ed25519PublicKey> voters = t.voters(c.protocol());
        Optional<CertifiedBlock> b = certifiers(voters) == 0 ? Optional.empty()
            : served(c, ledgerNodes, k, voters, null);
        if (b.isEmpty()) {
          return false;
        }
        if (b.get().block().entries().stream().noneMatch(x -> x instanceof io.medledger.chain.MembershipChange
            || x instanceof io.medledger.chain.Evidence)) {
          LOG.log(System.Logger.Level.WARNING, "ledger nodes " + e.getValue().stream().map(i -> name(ledgerNodes.get(i)))
              .toList() + " listed block " + k + " as a membership change; passed over");
          liars.addAll(e.getValue());
          lied = true;
          break;
        }
        t = t.after(b.get().block(), c.parameters());
        List<Ed25519PublicKey> after = t.voters(c.protocol());
        if (!after.equals(voters)) {
          changed.put(k + 1, after);
        }
      }
      if (!lied) {
        trail = t.through(to);
        trailHash = null; // block {@code to} was not read: the next one is checked by its certificate alone
        votersFrom.putAll(changed);
        return true;
      }
    }
  }

  /**
   * The union of the lists of the heights from {@code from} to {@code to} of the blocks that
   * changed the membership, of the first {@link Builder#confirmations} of {@code ledgerNodes} (by
   * index, {@code liars} skipped) that answer them, each height with the nodes that list it; empty
   * when fewer answer.
   */
  private Optional<java.util.TreeMap<Long, java.util.Set<Integer>>> listedChanges(
      List<ClientConfig.NodeEndpointConfig> ledgerNodes, long from, long to, java.util.Set<Integer> liars) {
    java.util.TreeMap<Long, java.util.Set<Integer>> listedBy = new java.util.TreeMap<>();
    int lists = 0;
    for (int i = 0; i < ledgerNodes.size() && lists < quorum; i++) {
      if (liars.contains(i)) {
        continue;
      }
      Optional<List<Long>> l = changeHeights(ledgerNodes.get(i), from, to);
      if (l.isPresent()) {
        lists++;
        for (long k : l.get()) {
          listedBy.computeIfAbsent(k, x -> new java.util.HashSet<>()).add(i);
        }
      }
    }
    return lists < quorum ? Optional.empty() : Optional.of(listedBy);
  }

  /**
   * Node {@code n}'s list of the heights from {@code from} to {@code to} of the blocks that changed
   * the membership, asked a page at a time; empty when it fails, or does not cover the range, or
   * answers out of order, out of range or with more heights than the range could hold.
   */
  private Optional<List<Long>> changeHeights(ClientConfig.NodeEndpointConfig n, long from, long to) {
    List<Long> all = new ArrayList<>();
    long next = from;
    try {
      while (next <= to) {
        long at = next;
        long[] page = read(n, exchange(n, request(ClientWire.MEMBERSHIP_CHANGES).i64(at).i64(to).toBytes(), timeout),
            in -> {
              int count = in.u16();
              if (count > ClientWire.MAX_MEMBERSHIP_CHANGES) {
                throw new MalformedEncodingException(count + " heights in one answer");
              }
              long[] v = new long[count + 1];
              for (int i = 0; i <= count; i++) {
                v[i] = in.i64();
              }
              in.end();
              return v;
            });
        long last = at - 1;
        for (int i = 0; i < page.length - 1; i++) {
          if (page[i] <= last || page[i] > to) {
            return Optional.empty();
          }
          last = page[i];
          all.add(page[i]);
        }
        long through = page[page.length - 1];
        if (through < last || through > to || (through < to && page.length - 1 < ClientWire.MAX_MEMBERSHIP_CHANGES)
            || all.size() > MAX_FOLLOWED_CHANGES) {
          return Optional.empty(); // behind the range, or more changes than the client follows
        }
        next = through + 1;
      }
    } catch (MedLedgerException | IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.of(all);
  }

  /**
   * Block {@code k} as the first of {@code ledgerNodes} serves it: of the chain, its entries
   * matching its header, its parent {@code parent} (unless null) and precommitted by enough of
   * {@code voters} ({@link #certifiedBy}); empty if none does.
   */
  private Optional<CertifiedBlock> served(Chain c, List<ClientConfig.NodeEndpointConfig> ledgerNodes, long k,
      List<Ed25519PublicKey> voters, Digest parent) {
    return firstServing(ledgerNodes, k,
        b -> b.header().chainId().equals(c.parameters().chainId()) && b.block().entriesMatchHeader()
            && (parent == null || b.header().previousHash().equals(parent)) && certifiedBy(b, voters),
        (n, b) -> {
          if (k != stuckAt) {
            LOG.log(System.Logger.Level.WARNING, "node " + name(n) + " served a block " + k
                + " that does not follow the certified chain; passed over");
          }
        });
  }

  /**
   * Block {@code k} from the first of {@code ledgerNodes} (starting at the last one that served)
   * whose answer {@code takes}; each answer it does not take goes to {@code passedOver}; empty if
   * none serves one it takes.
   */
  private Optional<CertifiedBlock> firstServing(List<ClientConfig.NodeEndpointConfig> ledgerNodes, long k,
      java.util.function.Predicate<CertifiedBlock> takes,
      java.util.function.BiConsumer<ClientConfig.NodeEndpointConfig, CertifiedBlock> passedOver) {
    for (int i = 0; i < ledgerNodes.size(); i++) {
      int at = (trailSource + i) % ledgerNodes.size();
      ClientConfig.NodeEndpointConfig n = ledgerNodes.get(at);
      Optional<CertifiedBlock> answer = blockFrom(n, k);
      if (answer.isEmpty()) {
        continue;
      }
      if (takes.test(answer.get())) {
        trailSource = at;
        return answer;
      }
      passedOver.accept(n, answer.get());
    }
    return Optional.empty();
  }

  @Override
  public ChainParameters parameters() {
    return chain().parameters();
  }

  @Override
  public CertificatePolicy certificatePolicy() {
    return chain().policy();
  }

  @Override
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Override
  public CompletableFuture<EntryLocation> submit(Entry entry) {
    byte[] encoded = entry.encode();
    return CompletableFuture.supplyAsync(() -> {
      MedLedgerException first = null;
      NodeException last = null;
      for (ClientConfig.NodeEndpointConfig n : nodes) {
        byte[] r;
        try {
          r = exchange(n, ClientWire.submit(encoded), submitTimeout);
        } catch (NodeException e) {
          last = e;
          continue;
        }
        if (r.length >= 2 && r[0] == ClientWire.REFUSED) {
          String why = new String(r, 2, Math.min(r.length - 2, LedgerWire.MAX_STRING), StandardCharsets.UTF_8);
          first = first != null ? first : new EntryRejectedException(entry.kind().name().toLowerCase(java.util.Locale.ROOT)
              + " refused by node " + ParticipantId.of(n.key()) + ": " + why);
          continue; // a hostile or busy node must not censor the client: the next node checks it too
        }
        if (r.length != 41 || r[0] != ClientWire.OK) {
          first = first != null ? first : new MalformedEncodingException("malformed submit response from node " + name(n));
          continue;
        }
        EntryLocation at = read(n, exchange(n, request(ClientWire.LOCATE).digest(entry.id()).toBytes(), timeout),
            RemoteConnection::location).orElseThrow(() -> new MalformedEncodingException("node " + name(n)
                + " reported entry " + entry.id() + " final but cannot locate it"));
        if (!certifiedHolding(n, entry.id(), at)) {
          confirm(n, entry.id(), at);
        }
        if (entry instanceof AccessGrant g) {
          checkFragmentsTaken(g);
        }
        return at;
      }
      throw first != null ? first : last;
    });
  }

  /**
   * Whether node {@code n} serves the block at {@code at} holding entry {@code id} there with a
   * certificate that makes it final ({@link #certified}); false too if {@code n} fails to serve it.
   */
  private boolean certifiedHolding(ClientConfig.NodeEndpointConfig n, Digest id, EntryLocation at) {
    CertifiedBlock b;
    try {
      b = blockHolding(n, id, at);
    } catch (MedLedgerException | IllegalArgumentException e) {
      return false; // the other nodes locate it, as they would without a certificate
    }
    try {
      return certified(b);
    } catch (MedLedgerException | IllegalArgumentException e) {
      if (trusted != null && (e instanceof UnverifiableAnswerException || e instanceof UnconfirmedAnswerException)) {
        throw e; // off the pinned chain, or its block not found: nothing is final, however many nodes locate it
      }
      return false;
    }
  }

  /**
   * Returns once another configured node locates entry {@code id} where {@code by} said it is
   * final; see {@link #confirm(ClientConfig.NodeEndpointConfig, byte[], Function, Object, Supplier)}.
   *
   * @throws UnconfirmedAnswerException if none did in time
   */
  private void confirm(ClientConfig.NodeEndpointConfig by, Digest id, EntryLocation at) {
    confirm(by, request(ClientWire.LOCATE).digest(id).toBytes(), RemoteConnection::location, at,
        () -> "entry " + id + " final at " + at);
  }

  /**
   * Returns once enough other configured ledger nodes answer {@code request} with {@code expected},
   * as {@code by} did, that {@link Builder#confirmations} ledger nodes in all state it (and at least
   * one other, when there is one), asking them in turn for up to the read timeout (they may lag by
   * a block); with no other ledger node there is nothing to ask. A storage node's word counts for
   * none of them: when {@code by} is one, that many ledger nodes besides it must state it.
   *
   * @throws UnconfirmedAnswerException if too few did in time
   */
  private <T> void confirm(ClientConfig.NodeEndpointConfig by, byte[] request,
      Function<LedgerWire.Reader, Optional<T>> body, T expected, Supplier<String> what) {
    List<ClientConfig.NodeEndpointConfig> others = ledgerNodes().stream().filter(o -> !o.key().equals(by.key())).toList();
    int need = by.role() == ServerRole.STORAGE ? quorum : Math.min(others.size(), Math.max(1, quorum - 1));
    if (need == 0) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> said = new LinkedHashMap<>();
    java.util.Set<ClientConfig.NodeEndpointConfig> agree = new java.util.HashSet<>();
    for (long pause = 20; ; pause = Math.min(2 * pause, 500)) {
      for (ClientConfig.NodeEndpointConfig o : others) {
        if (agree.contains(o)) {
          continue;
        }
        try {
          Optional<T> got = read(o, exchange(o, request, timeout), body);
          if (got.isPresent() && got.get().equals(expected)) {
            agree.add(o);
            if (agree.size() >= need) {
              return;
            }
            said.remove(name(o));
            continue;
          }
          said.put(name(o), got.map(x -> "another answer").orElse("not found"));
        } catch (RuntimeException e) {
          said.put(name(o), String.valueOf(e.getMessage()));
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new UnconfirmedAnswerException("node " + name(by) + " reported " + what.get() + ", but "
            + (agree.isEmpty() ? "no other node" : "only " + agree.size() + " of the " + need + " other nodes needed")
            + " confirmed it within " + timeout + ": " + said);
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MedLedgerException("interrupted while confirming " + what.get(), e);
      }
    }
  }

  private static Optional<EntryLocation> location(LedgerWire.Reader in) {
    if (!in.bool()) {
      return Optional.empty();
    }
    long h = in.i64();
    int i = in.i32();
    long idx = in.i64();
    if (h < 0 || i < 0 || idx < 0) {
      throw new MalformedEncodingException("negative entry location");
    }
    return Optional.of(new EntryLocation(h, i, idx));
  }

  /**
   * Asks each proxy the grant names whether it refused its fragment; a refusal, or an answer that
   * is malformed or refuses the question, is raised as a {@link ProxyFailureException} (the grant
   * is final) and logged.
   */
  private void checkFragmentsTaken(AccessGrant g) {
    Map<ParticipantId, String> failures = new LinkedHashMap<>();
    for (ParticipantId p : g.proxies()) {
      Optional<ClientConfig.NodeEndpointConfig> n = endpoint(p);
      if (n.isEmpty()) {
        continue;
      }
      try {
        String problem = read(n.get(), exchange(n.get(), request(ClientWire.FRAGMENT).digest(g.id()).toBytes(), timeout),
            in -> {
              int state = in.u8();
              String why = in.string();
              return state == 2 ? why : null;
            });
        if (problem != null) {
          failures.put(p, problem);
        }
      } catch (NodeException e) {
        // a proxy that is down takes its fragment when it catches up
      } catch (MedLedgerException | IllegalArgumentException e) {
        // garbage or a refusal: the grant is final all the same, so this proxy is named with the others
        failures.put(p, "cannot tell whether it holds its fragment: " + e.getMessage());
      }
    }
    if (!failures.isEmpty()) {
      ProxyFailureException e = new ProxyFailureException("grant " + g.id() + " is final, but " + failures.size() + " of "
          + g.proxies().size() + " proxies hold no fragment of it (threshold " + g.threshold() + ")", failures);
      LOG.log(System.Logger.Level.WARNING, e.getMessage());
      throw e;
    }
  }

  private Optional<ClientConfig.NodeEndpointConfig> endpoint(ParticipantId id) {
    return nodes.stream().filter(n -> ParticipantId.of(n.key()).equals(id)).findFirst();
  }

  /**
   * {@inheritDoc}
   *
   * <p>The highest height that {@link Builder#confirmations} ledger nodes report (f + 1 by
   * default, see {@link #confirmations(int)}), asked of all at once: f nodes cannot raise it (a
   * height fewer than f + 1 report is not believed) nor lower it (the honest nodes' reports
   * outnumber them), so a lagging or hostile node does not shorten the chain
   * {@link io.medledger.client.AuditorClient#verifyChain} replays. f + 1 nodes reporting a height
   * the chain has not reached make the reads of its blocks fail.
   *
   * @throws UnconfirmedAnswerException if fewer ledger nodes than that report a height in the read timeout
   * @throws NodeException with reason UNREACHABLE if no node can be reached
   * @throws MalformedEncodingException if the only nodes that answer answer something malformed
   */
  @Override
  public long height() {
    return floor("the height").top();
  }

  @Override
  public CertifiedBlock block(long height) {
    return ask(request(ClientWire.BLOCK).i64(height).toBytes(), in -> blockOf(in, height));
  }

  private static CertifiedBlock blockOf(LedgerWire.Reader in, long height) {
    CertifiedBlock b = CertifiedBlock.decode(in.bytes(Limits.MAX_BLOCK_BYTES));
    if (b.header().height() != height) {
      throw new MalformedEncodingException("asked for block " + height + ", got " + b.header().height());
    }
    return b;
  }

  /**
   * {@inheritDoc} The nodes are asked in turn, and the first block whose certificate makes it final
   * (see {@link #entry}), or that is on the pinned chain at or below the pin, gives the header: a
   * node serving one that is not is passed over, so a hostile node first in the list neither
   * decides nor blocks the answer. Where no certificate can count (genesis without a pin, voters
   * too few, a membership the client cannot follow), a header is taken once
   * {@link Builder#confirmations} ledger nodes serve it alike (they may lag, within the read timeout).
   *
   * <p>The voters a certificate is checked against are followed as a light client does: the
   * configured ledger nodes are trusted as the membership after genesis, and the blocks up to the
   * parent of the block in question that changed the membership are read once (from the first
   * ledger node that serves each so, in turn) and taken only when its entries match its header and
   * more than two thirds of the voters then in force precommitted it; its membership changes and
   * evidence are then applied as the ledger applies them. Within {@value #FOLLOW_BLOCK_BY_BLOCK}
   * blocks of what it has followed the client reads every block, each naming the one before as
   * parent; further ahead it reads the heights that {@link Builder#confirmations} ledger nodes list
   * as changes (their union; a node listing a block without one is passed over). So a voter
   * governance removed no longer counts from the next block on, voters it added do, and a node
   * that strips, withholds or forges a membership change is passed over. Where no node serves a
   * needed block so, or too few list the changes, certificates above it make nothing final (the
   * header must then
   * be served by {@link Builder#confirmations} nodes).
   *
   * <p>With a pinned block ({@link Builder#trustedBlock}), the client first reads the pinned chain
   * back from the pinned block to block 1 by headers, each by the parent hash its child names (from
   * any node that serves them so), and applies the membership changes of the blocks among them
   * that {@link Builder#confirmations} ledger nodes list as changes, each read in full; a block at
   * or below the pin is final when it is one of them, and above the pin the membership is followed
   * from there as above. So servers removed before the pin cannot certify a history that forks
   * below it; that no change below it is left out rests on one honest node among the listing ones,
   * as for a client far behind.
   *
   * @throws TrustedBlockMismatchException if the ledger nodes serve another block at the pinned
   *     height and none the pinned one
   * @throws UnverifiableAnswerException if every node that answers serves a block at or below the
   *     pinned height that is not on the pinned chain
   * @throws UnconfirmedAnswerException if no node serves the pinned block, or one of its ancestors,
   *     yet, or no node serves a final block there and too few serve one header alike
   */
  @Override
  public BlockHeader header(long height) {
    byte[] req = request(ClientWire.BLOCK).i64(height).toBytes();
    Map<BlockHeader, List<ClientConfig.NodeEndpointConfig>> unproven = new LinkedHashMap<>();
    Map<String, String> offPin = new LinkedHashMap<>();
    RuntimeException failed = null;
    for (ClientConfig.NodeEndpointConfig n : nodes) {
      CertifiedBlock b;
      try {
        b = read(n, exchange(n, req, timeout), in -> blockOf(in, height));
      } catch (NodeException | MalformedEncodingException | IllegalArgumentException e) {
        failed = failed == null || failed instanceof NodeException ? e : failed;
        continue;
      }
      try {
        if (certified(b)) {
          return b.header();
        }
      } catch (TrustedBlockMismatchException e) {
        throw e; // the nodes are on another chain than the pinned block's: nothing is final
      } catch (UnverifiableAnswerException e) {
        offPin.put(name(n), e.getMessage());
        LOG.log(System.Logger.Level.WARNING, "node " + name(n) + " served a header " + height + " off the pinned chain;"
            + " passed over");
        continue;
      }
      List<ClientConfig.NodeEndpointConfig> by = unproven.computeIfAbsent(b.header(), x -> new ArrayList<>());
      by.add(n);
      if (by.stream().filter(x -> x.role() != ServerRole.STORAGE).count() >= quorum) {
        return b.header(); // no certificate counts here: f + 1 ledger nodes serve it alike
      }
    }
    if (unproven.isEmpty()) {
      if (!offPin.isEmpty()) {
        throw new UnverifiableAnswerException("no node serves block " + height + " of the pinned chain: " + offPin);
      }
      throw failed;
    }
    Map.Entry<BlockHeader, List<ClientConfig.NodeEndpointConfig>> most = unproven.entrySet().stream()
        .max(java.util.Comparator.comparingLong(e -> e.getValue().stream().filter(x -> x.role() != ServerRole.STORAGE)
            .count())).orElseThrow();
    BlockHeader h = most.getKey();
    confirm(most.getValue().get(0), req, in -> Optional.of(blockOf(in, height).header()), h,
        () -> "header " + height + " (" + h.hash() + ")");
    return h;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Asked of every ledger node at or above the freshness floor (see
   * {@link #patientHistory(ParticipantId)}) at once. An entry is taken from the first node that
   * proves it: its content by its id (the hash of its content), its endorsements by their
   * signatures, and that it is final by its place: the node locates it and serves the block there,
   * whose entries match its header and hold it at that place, and whose certificate carries valid
   * precommits of that header by more than two thirds of the voters in force at its height (and by
   * at least {@link Builder#confirmations} of them; the federation servers, or the audit servers
   * under {@code rotating-audit}; each key once, other keys not counted) as the client follows them
   * from the configured ones (see {@link #header}), or else {@link Builder#confirmations} nodes in all serve
   * that header alike. That there is no such entry is taken only once that many nodes at or
   * above the floor say so; a node that fails to prove its entry counts as one that fails.
   *
   * @throws UnconfirmedAnswerException if no node proves the entry and too few say there is none
   *     (they lag, are down, or fail), or too few ledger nodes report a height
   */
  @Override
  public Optional<Entry> entry(Digest id) {
    byte[] req = request(ClientWire.ENTRY).digest(id).toBytes();
    // the chain's parameters only once a node answers: nodes that do not are passed over as before
    return provenOrAbsent("entry " + id, floor("entry " + id), req, r -> {
      Optional<Entry> e = r.read(in -> readEntry(in, id, parameters().chainId()));
      e.ifPresent(x -> checkFinal(r.node(), x));
      return e;
    });
  }

  /**
   * Checks that node {@code n}'s entry {@code e} is final: {@code n} locates it and serves the
   * block there, whose entries match its header and hold {@code e} at that place, and the block's
   * certificate makes it final ({@link #certified}) or else the header is served alike by
   * {@link Builder#confirmations} nodes in all.
   *
   * @throws MalformedEncodingException if {@code n} cannot locate it, or its block does not hold it
   * @throws UnconfirmedAnswerException if the certificate falls short and too few other nodes serve
   *     that header in time
   */
  private void checkFinal(ClientConfig.NodeEndpointConfig n, Entry e) {
    EntryLocation at = read(n, exchange(n, request(ClientWire.LOCATE).digest(e.id()).toBytes(), timeout),
        RemoteConnection::location).orElseThrow(() -> new MalformedEncodingException("node " + name(n)
            + " served entry " + e.id() + " but cannot locate it"));
    CertifiedBlock b = blockHolding(n, e.id(), at);
    if (certified(b)) {
      return;
    }
    BlockHeader h = b.header();
    confirm(n, request(ClientWire.BLOCK).i64(at.height()).toBytes(),
        in -> Optional.of(blockOf(in, at.height()).header()), h,
        () -> "entry " + e.id() + " final in block " + at.height() + " (" + h.hash() + ")");
  }

  /**
   * Node {@code n}'s block at {@code at}, whose entries match its header and hold entry {@code id}
   * at that place.
   *
   * @throws MalformedEncodingException if it does not
   */
  private CertifiedBlock blockHolding(ClientConfig.NodeEndpointConfig n, Digest id, EntryLocation at) {
    CertifiedBlock c = read(n, exchange(n, request(ClientWire.BLOCK).i64(at.height()).toBytes(), timeout),
        in -> blockOf(in, at.height()));
    io.medledger.chain.Block b = c.block();
    if (!b.entriesMatchHeader() || at.indexInBlock() >= b.entryIds().size()
        || !b.entryIds().get(at.indexInBlock()).equals(id)) {
      throw new MalformedEncodingException("node " + name(n) + " located entry " + id + " at " + at
          + ", but its block there does not hold it");
    }
    return c;
  }

  /**
   * What a ledger node at or above the freshness floor proves, or its absence once
   * {@link Builder#confirmations} such nodes say there is none: asked of them all at once, the
   * first answer {@code proven} returns present is taken ({@code proven} checks it, and throws if it
   * does not hold: its node then counts as one that fails).
   *
   * @param what what is asked, for the exception
   * @throws UnconfirmedAnswerException if none proves it and too few say there is none
   * @throws RuntimeException the first failure, if every node asked failed and none was passed over
   */
  private <T> Optional<T> provenOrAbsent(String what, Floor floor, byte[] request, Function<Reply, Optional<T>> proven) {
    int absent = 0;
    Map<String, String> passed = passedOver(floor);
    Map<String, String> said = new LinkedHashMap<>(passed);
    RuntimeException failed = null;
    try (Round round = new Round(floor.eligible(), request)) {
      for (Optional<Reply> r = round.next(); r.isPresent(); r = round.next()) {
        String who = name(r.get().node());
        try {
          Optional<T> t = proven.apply(r.get());
          if (t.isPresent()) {
            return t;
          }
        } catch (NodeException | MalformedEncodingException | IllegalArgumentException | UnverifiableAnswerException
            | UnconfirmedAnswerException e) {
          failed = failed == null || failed instanceof NodeException ? e : failed;
          said.put(who, "failed: " + e.getMessage());
          continue;
        }
        said.put(who, "has none");
        if (++absent >= quorum) {
          return Optional.empty();
        }
      }
      round.silent().forEach(n -> said.put(name(n), "did not answer within " + timeout));
    }
    if (absent == 0 && passed.isEmpty() && failed != null) {
      throw failed;
    }
    throw new UnconfirmedAnswerException("no ledger node proved " + what + ", and fewer than " + quorum
        + " at or above height " + floor.height() + " said there is none: " + said
        + "; they lag, are down or fail, try again later");
  }

  /**
   * Reads an ENTRY answer for {@code id}: the entry's id covers only its content, so its
   * endorsements are bound by checking each signature for chain {@code chainId} (every final
   * entry's verified when it was admitted).
   *
   * @throws MalformedEncodingException if it is another entry, or an endorsement does not verify
   */
  static Optional<Entry> readEntry(LedgerWire.Reader in, Digest id, Digest chainId) {
    if (!in.bool()) {
      return Optional.empty();
    }
    Entry e = Entry.decode(in.bytes(Limits.MAX_ENTRY_BYTES));
    if (!e.id().equals(id)) {
      throw new MalformedEncodingException("asked for entry " + id + ", got " + e.id());
    }
    byte[] message = e.signingMessage(chainId);
    if (e.endorsements().isEmpty() || !e.endorsements().stream().allMatch(x -> x.verify(message))) {
      throw new MalformedEncodingException("entry " + id + " came with endorsements that do not verify");
    }
    return Optional.of(e);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Whether a participant is active gates what a client does, so it is taken only as
   * {@link Builder#confirmations} ledger nodes at or above the freshness floor state it alike; see
   * {@link #isGrantActive}.
   *
   * @throws UnconfirmedAnswerException if too few such nodes state it alike
   */
  @Override
  public Optional<Participant> participant(ParticipantId id) {
    return participant(id, floor("participant " + id));
  }

  private Optional<Participant> participant(ParticipantId id, Floor floor) {
    return agreed("participant " + id, floor, request(ClientWire.PARTICIPANT).id(id).toBytes(), in -> {
      if (!in.bool()) {
        return Optional.<Participant>empty();
      }
      Participant p = in.participant();
      if (!p.id().equals(id)) {
        throw new MalformedEncodingException("asked for participant " + id + ", got " + p.id());
      }
      return Optional.of(p);
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken only as {@link Builder#confirmations} ledger nodes (f + 1 by default, see
   * {@link #confirmations(int)}) state it alike, each at or above the freshness floor (the highest
   * height that many ledger nodes report, less {@link Builder#historyLag}; see
   * {@link #patientHistory(ParticipantId)}), asked of them all at once after one round of heights
   * and taken as soon as that many agree: a node below the floor, or one that reported no height,
   * is passed over, as one that fails or answers something malformed. So f lagging or colluding
   * nodes cannot answer that a revoked grant is active (nor a removed participant active, nor an
   * erased record not erased); they can only make the read fail where the others do not agree.
   * f + 1 that agree are believed: a revocation, removal or erasure in the last {@code historyLag}
   * blocks may be missed while they lag, and f + 1 colluding nodes that answer before the honest
   * ones agree decide. With a single ledger node configured, it is that node's answer.
   *
   * @throws UnconfirmedAnswerException if too few nodes at or above the floor answer alike (they
   *     disagree, lag, or are down), or too few report a height: try again once they catch up
   * @throws NodeException with reason UNREACHABLE if no ledger node can be reached
   */
  @Override
  public boolean isGrantActive(Digest grantId, long time) {
    return agreed("whether grant " + grantId + " is active at " + time,
        request(ClientWire.GRANT_ACTIVE).digest(grantId).i64(time).toBytes(), LedgerWire.Reader::bool);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken only as {@link Builder#confirmations} ledger nodes at or above the freshness floor
   * state it alike; see {@link #isGrantActive}.
   *
   * @throws UnconfirmedAnswerException if too few such nodes state it alike
   */
  @Override
  public boolean isGrantRevoked(Digest grantId) {
    return agreed("whether grant " + grantId + " is revoked", request(ClientWire.GRANT_REVOKED).digest(grantId).toBytes(),
        LedgerWire.Reader::bool);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken only as {@link Builder#confirmations} ledger nodes at or above the freshness floor
   * state it alike; see {@link #isGrantActive}.
   *
   * @throws UnconfirmedAnswerException if too few such nodes state it alike
   */
  @Override
  public boolean isErased(Digest recordId) {
    return agreed("whether record " + recordId + " is erased", request(ClientWire.IS_ERASED).digest(recordId).toBytes(),
        LedgerWire.Reader::bool);
  }

  /** As {@link #agreed(String, Floor, byte[], Function)}, after a round of heights. */
  private <T> T agreed(String what, byte[] request, Function<LedgerWire.Reader, T> body) {
    return agreed(what, floor(what), request, body);
  }

  /**
   * The answer to {@code request} that {@link Builder#confirmations} ledger nodes at or above
   * {@code floor} give alike (see {@link #isGrantActive}), asked of them all at once and taken as
   * soon as that many agree; a refusal (the node denies the read, or the record is erased) is
   * raised only once that many refuse.
   *
   * @param what what is asked, for the exception
   * @throws UnconfirmedAnswerException if too few such nodes answer alike (the exception names
   *     each node and what it answered)
   * @throws RuntimeException the first failure, if every ledger node asked failed and none was passed over
   */
  private <T> T agreed(String what, Floor floor, byte[] request, Function<LedgerWire.Reader, T> body) {
    Map<T, Integer> votes = new java.util.HashMap<>();
    List<MedLedgerException> refusals = new ArrayList<>();
    Map<String, String> passed = passedOver(floor);
    Map<String, String> said = new LinkedHashMap<>(passed);
    RuntimeException failed = null;
    try (Round round = new Round(floor.eligible(), request)) {
      for (Optional<Reply> r = round.next(); r.isPresent(); r = round.next()) {
        String who = name(r.get().node());
        T t;
        try {
          t = r.get().read(body);
        } catch (AccessRefusedException | RecordErasedException e) {
          refusals.add(e);
          if (refusals.size() >= quorum) {
            throw refusals.get(0);
          }
          said.put(who, "refused: " + e.getMessage());
          continue;
        } catch (NodeException | MalformedEncodingException | IllegalArgumentException e) {
          failed = failed == null || failed instanceof NodeException ? e : failed;
          said.put(who, "failed: " + e.getMessage());
          continue;
        }
        said.put(who, "answered " + t);
        if (votes.merge(t, 1, Integer::sum) >= quorum) {
          return t;
        }
      }
      round.silent().forEach(n -> said.put(name(n), "did not answer within " + timeout));
    }
    if (votes.isEmpty() && refusals.isEmpty() && passed.isEmpty() && failed != null) {
      throw failed;
    }
    throw new UnconfirmedAnswerException("fewer than " + quorum + " ledger nodes at or above height " + floor.height()
        + " answered alike " + what + ": " + said + "; they disagree, lag or are down, try again later");
  }

  /**
   * {@inheritDoc}
   *
   * <p>As every index page here, taken from a node at or above the freshness floor; see
   * {@link #accessEventsByPatient} for what that does and does not hold off.
   *
   * @throws UnconfirmedAnswerException if only nodes below the floor answer
   */
  @Override
  public Page<MedicalRecord> records(RecordQuery query, PageRequest page) {
    LedgerWire.Writer w = request(ClientWire.RECORDS).optionalId(query.patient()).optionalId(query.institution())
        .optionalId(query.author()).bool(query.resourceType().isPresent());
    query.resourceType().ifPresent(w::string);
    w.i64(query.from()).i64(query.until());
    return indexPage("a page of records", page(w, page).toBytes(), page, MedicalRecord.class);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken from a node at or above the freshness floor; see {@link #accessEventsByPatient}.
   *
   * @throws UnconfirmedAnswerException if only nodes below the floor answer
   */
  @Override
  public Page<AccessGrant> grantsByPatient(ParticipantId patient, PageRequest page) {
    return indexPage("a page of the grants of " + patient, page(request(ClientWire.GRANTS_BY_PATIENT).id(patient), page)
        .toBytes(), page, AccessGrant.class);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken from a node at or above the freshness floor; see {@link #accessEventsByPatient}.
   *
   * @throws UnconfirmedAnswerException if only nodes below the floor answer
   */
  @Override
  public Page<AccessGrant> grantsByGrantee(ParticipantId grantee, PageRequest page) {
    return indexPage("a page of the grants to " + grantee, page(request(ClientWire.GRANTS_BY_GRANTEE).id(grantee), page)
        .toBytes(), page, AccessGrant.class);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken from the first ledger node, in the order given, that reported a height at or above the
   * freshness floor (see {@link #patientHistory(ParticipantId)}) and, when proofs are asked, whose
   * page is proved against a header at or above it; a node below it is passed over, as one that
   * fails. That holds off a node that lags, or that answers truthfully at the old height it
   * reports. It does not hold off a node that reports a fresh height and answers from an older
   * index, or leaves items out: no signed commitment covers an index, and the items' inclusion
   * proofs show that what a page lists is on the ledger, never that nothing is missing. For a
   * patient's access events, {@link io.medledger.client.AuditorClient#accessTrail} compares the
   * index with the proven history.
   *
   * @throws UnconfirmedAnswerException if only nodes below the floor answer
   */
  @Override
  public Page<AccessEvent> accessEventsByPatient(ParticipantId patient, PageRequest page) {
    return indexPage("a page of the access events of " + patient, page(request(ClientWire.EVENTS_BY_PATIENT).id(patient),
        page).toBytes(), page, AccessEvent.class);
  }

  /** The answer to index request {@code req} for page {@code page}, from a node at or above the freshness floor. */
  private <E extends Entry> Page<E> indexPage(String what, byte[] req, PageRequest page, Class<E> type) {
    return fresh(what, n -> read(n, exchange(n, req, timeout), in -> readPage(in, page, type)),
        p -> p.provedAgainst().map(h -> OptionalLong.of(h.height())).orElse(OptionalLong.empty()));
  }

  private static LedgerWire.Writer page(LedgerWire.Writer w, PageRequest p) {
    return w.i64(p.after()).u16(Math.min(p.limit(), 0xffff)).bool(p.withProofs());
  }

  /**
   * Reads the answer to page request {@code asked}: at most its limit of items, at ledger indexes
   * rising from past its cursor, and a next cursor past the asked one and at or past the last item
   * (a node's page may stop at {@link io.medledger.chain.Ledger#MAX_SCANNED_PER_PAGE} with few
   * items or none), so that every page moves the cursor on.
   */
  static <E extends Entry> Page<E> readPage(LedgerWire.Reader in, PageRequest asked, Class<E> type) {
    int n = in.u16();
    if (n > LedgerRequests.MAX_PAGE || n > asked.limit()) {
      throw new MalformedEncodingException("a page of " + n + " items");
    }
    long last = asked.after();
    List<QueryHit<E>> hits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Entry e = Entry.decode(in.bytes(Limits.MAX_ENTRY_BYTES));
      if (!type.isInstance(e)) {
        throw new MalformedEncodingException("a page of " + type.getSimpleName() + " holds a " + e.kind());
      }
      long h = in.i64();
      long idx = in.i64();
      if (idx <= last) {
        throw new MalformedEncodingException("a page item at ledger index " + idx + " does not follow " + last);
      }
      last = idx;
      Optional<LedgerInclusionProof> proof = in.bool()
          ? Optional.of(LedgerInclusionProof.fromJson(new String(in.bytes(4 * Limits.MAX_ENTRY_BYTES), StandardCharsets.UTF_8)))
          : Optional.empty();
      // the proof proves its own copy of the entry: the item must be that copy, endorsements and
      // all (an entry's id covers only its content), at the index the proof proves
      if (proof.isPresent() && !java.util.Arrays.equals(proof.get().entry().encode(), e.encode())) {
        throw new MalformedEncodingException("a page item's proof is for another entry, or the same content "
            + "with other endorsements");
      }
      if (proof.isPresent() && proof.get().proof().leafIndex() != idx) {
        throw new MalformedEncodingException("a page item at ledger index " + idx + " carries a proof for index "
            + proof.get().proof().leafIndex());
      }
      try {
        hits.add(new QueryHit<>(type.cast(e), h, idx, proof));
      } catch (IllegalArgumentException x) {
        throw new MalformedEncodingException("page item: " + x.getMessage());
      }
    }
    java.util.OptionalLong next = in.optionalLong();
    if (next.isPresent() && (next.getAsLong() <= asked.after() || next.getAsLong() < last)) {
      throw new MalformedEncodingException("a page's next cursor " + next.getAsLong()
          + " does not move past the asked cursor " + asked.after() + " and its last item " + last);
    }
    Optional<BlockHeader> against = in.bool() ? Optional.of(BlockHeader.decode(in.bytes(1 << 16))) : Optional.empty();
    return new Page<>(hits, next, against);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken, as the whole history ({@link #patientHistory(ParticipantId)}), only from a node at or
   * above the freshness floor whose page is of a height at or above it: a node below it is passed
   * over, as one that fails. A page's height is proven only on the last page, by its head proof
   * against the header at that height; on the pages before, it is the node's word.
   *
   * @throws UnconfirmedAnswerException if only pages below the floor are answered
   */
  @Override
  public PatientHistoryPage patientHistory(ParticipantId patient, PageRequest page) {
    byte[] req = historyRequest(patient, page);
    return fresh("a page of the history of " + patient, n -> read(n, exchange(n, req, timeout),
        RemoteConnection::historyPage), p -> OptionalLong.of(p.height()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The node answering chooses the height of the history, and an old history is genuine (its header
   * confirmed) yet hides what came since. So the history is taken only at or above a freshness
   * floor that f nodes cannot raise nor lower (see {@link #height()}): every ledger node is asked its
   * height at once, and the floor is the highest height that {@link Builder#confirmations} of them
   * report (none, and the read refused, with fewer answers), less the configured lag
   * ({@link Builder#historyLag}). The history is walked from one
   * node at a time, in the order given, passing over a node that reported a height below the floor,
   * fails, or answers an older history.
   *
   * @throws UnconfirmedAnswerException if every node that answered a history answered one below
   *     the floor
   */
  @Override
  public PatientHistoryProof patientHistory(ParticipantId patient) {
    return fresh("the history of " + patient, n -> PageWalk.history(patient, page -> read(n,
        exchange(n, historyRequest(patient, page), timeout), RemoteConnection::historyPage)),
        p -> OptionalLong.of(p.height()));
  }

  /**
   * An answer of a height no lower than the freshness floor (see
   * {@link #patientHistory(ParticipantId)}) from the ledger nodes, asked in turn in the order given:
   * a node that reported a height below the floor is passed over, as one that fails or answers
   * something malformed, and so is an answer below the floor. An answer that states no height
   * ({@code heightOf} empty) is of the height its node reported, and while there is a floor, one
   * from a node that reported none is passed over too.
   *
   * @param what what is asked, for the exception
   * @param fetch one node's answer
   * @param heightOf the height an answer states it is of, if any
   * @throws UnconfirmedAnswerException if the only answers were below the floor (or none came, with
   *     no failure to raise)
   */
  private <T> T fresh(String what, Function<ClientConfig.NodeEndpointConfig, T> fetch, Function<T, OptionalLong> heightOf) {
    Floor fl = floor(what);
    long floor = fl.height();
    RuntimeException failed = null;
    Map<String, String> stale = new LinkedHashMap<>();
    for (ClientConfig.NodeEndpointConfig n : ledgerNodes()) {
      Long said = fl.reported().of().get(n);
      if (said != null && said < floor) {
        stale.put(name(n), Long.toString(said)); // its answer could be no newer
        continue;
      }
      T t;
      try {
        t = fetch.apply(n);
      } catch (NodeException | MalformedEncodingException | IllegalArgumentException | UnverifiableAnswerException e) {
        failed = failed == null || failed instanceof NodeException ? e : failed;
        continue;
      }
      long at = heightOf.apply(t).orElse(said == null ? Long.MIN_VALUE : said);
      if (at >= floor) {
        return t;
      }
      stale.put(name(n), at == Long.MIN_VALUE ? "none reported" : Long.toString(at));
    }
    if (!stale.isEmpty() || failed == null) {
      throw new UnconfirmedAnswerException(what + " was answered only at heights " + stale
          + ", more than " + historyLag + " blocks below height " + fl.top()
          + " that " + quorum + " nodes report: they lag or hide what came since");
    }
    throw failed;
  }

  /**
   * The freshness floor of one round of heights.
   *
   * @param reported the heights reported
   * @param top the highest height {@link Builder#confirmations} ledger nodes report
   * @param height the floor: {@code top} less the lag
   */
  private record Floor(Reported reported, long top, long height) {
    /** The nodes that reported a height at or above the floor, in the order given. */
    List<ClientConfig.NodeEndpointConfig> eligible() {
      return reported.of().entrySet().stream().filter(e -> e.getValue() >= height).map(Map.Entry::getKey).toList();
    }
  }

  /** The ledger nodes {@code floor} passes over, each with why. */
  private Map<String, String> passedOver(Floor floor) {
    Map<String, String> out = new LinkedHashMap<>();
    for (ClientConfig.NodeEndpointConfig n : ledgerNodes()) {
      Long h = floor.reported().of().get(n);
      if (h == null || h < floor.height()) {
        out.put(name(n), h == null ? "reported no height" : "below the floor at height " + h);
      }
    }
    return out;
  }

  /**
   * The freshness floor, from a round of heights: the highest height {@link Builder#confirmations}
   * ledger nodes report, less the lag.
   *
   * @param what what needs it, for the exception
   * @throws UnconfirmedAnswerException if fewer ledger nodes than that report a height
   * @throws NodeException with reason UNREACHABLE if none does (raised from asking them again in
   *     turn), or another failure of theirs
   */
  private Floor floor(String what) {
    Reported r = heights();
    OptionalLong top = r.confirmed(quorum);
    if (top.isPresent()) {
      return new Floor(r, top.getAsLong(), top.getAsLong() - historyLag);
    }
    if (r.of().isEmpty()) { // asked again, one node at a time, to raise why none answers
      ask(request(ClientWire.HEIGHT).toBytes(), LedgerWire.Reader::i64);
    }
    Map<String, Long> said = new LinkedHashMap<>();
    r.of().forEach((n, h) -> said.put(name(n), h));
    throw new UnconfirmedAnswerException(what + " needs " + quorum + " ledger nodes to report a height, and only "
        + said.size() + " did " + said + ": the others are down, slow or answer garbage, try again later");
  }

  private static byte[] historyRequest(ParticipantId patient, PageRequest page) {
    return page(request(ClientWire.PATIENT_HISTORY).id(patient), page).toBytes();
  }

  private static PatientHistoryPage historyPage(LedgerWire.Reader in) {
    return PatientHistoryPage.decode(in.bytes(PatientHistoryPage.MAX_BYTES));
  }

  /**
   * The heights the ledger nodes reported in one round.
   *
   * @param of each node's reported height, in the order the nodes are given; a node that did not
   *     answer in time, or answered something malformed, is absent
   */
  private record Reported(Map<ClientConfig.NodeEndpointConfig, Long> of) {
    /** The highest height at least {@code nodes} nodes report; empty with fewer reports. */
    OptionalLong confirmed(int nodes) {
      List<Long> sorted = of.values().stream().sorted(java.util.Comparator.reverseOrder()).toList();
      return sorted.size() < nodes ? OptionalLong.empty() : OptionalLong.of(sorted.get(nodes - 1));
    }
  }

  /**
   * The height each ledger node reports, asked of all at once and waited for up to the read
   * timeout; a node that does not answer in time or answers something malformed is left out.
   */
  private Reported heights() {
    Map<ClientConfig.NodeEndpointConfig, Long> got = new java.util.HashMap<>();
    try (Round round = new Round(ledgerNodes(), request(ClientWire.HEIGHT).toBytes())) {
      for (Optional<Reply> r = round.next(); r.isPresent(); r = round.next()) {
        try {
          long h = r.get().read(LedgerWire.Reader::i64);
          if (h >= -1) {
            got.put(r.get().node(), h);
          }
        } catch (RuntimeException x) {
          // down, failed or malformed: it reports nothing
        }
      }
    }
    Map<ClientConfig.NodeEndpointConfig, Long> out = new LinkedHashMap<>();
    ledgerNodes().stream().filter(got::containsKey).forEach(n -> out.put(n, got.get(n)));
    return new Reported(out);
  }

  private List<ClientConfig.NodeEndpointConfig> ledgerNodes() {
    return nodes.stream().filter(n -> n.role() != ServerRole.STORAGE).toList();
  }

  /** One node's reply to a request sent to several at once: its bytes, or why it gave none. */
  private record Reply(ClientConfig.NodeEndpointConfig node, byte[] bytes, RuntimeException failure) {
    /** The reply's OK body read by {@code body}; see {@link RemoteConnection#read}. */
    <T> T read(Function<LedgerWire.Reader, T> body) {
      if (failure != null) {
        throw failure;
      }
      return RemoteConnection.read(node, bytes, body);
    }
  }

  /**
   * A request sent to several nodes at once, whose replies are taken as they arrive, for up to the
   * read timeout; closing it cancels the requests still open. Confined to the thread that made it
   * (the replies arrive on a queue).
   */
  private final class Round implements AutoCloseable {
    private final java.util.concurrent.BlockingQueue<Reply> replies = new java.util.concurrent.LinkedBlockingQueue<>();
    private final List<CompletableFuture<byte[]>> open = new ArrayList<>();
    private final List<ClientConfig.NodeEndpointConfig> silent;
    private final long deadline;

    Round(List<ClientConfig.NodeEndpointConfig> to, byte[] request) {
      this.silent = new ArrayList<>(to);
      for (ClientConfig.NodeEndpointConfig n : to) {
        try {
          CompletableFuture<byte[]> f = channel(n).request(request);
          open.add(f);
          f.whenComplete((r, e) -> replies.add(e == null ? new Reply(n, r, null) : new Reply(n, null,
              new NodeException(NodeException.Reason.UNREACHABLE, "node " + name(n) + " failed: "
                  + (e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).getMessage(), e))));
        } catch (NodeException e) {
          replies.add(new Reply(n, null, e));
        }
      }
      this.deadline = System.nanoTime() + timeout.toNanos();
    }

    /** The next reply, or empty once every node replied or the read timeout passed. */
    Optional<Reply> next() {
      if (silent.isEmpty()) {
        return Optional.empty();
      }
      try {
        Reply r = replies.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r != null) {
          silent.remove(r.node());
        }
        return Optional.ofNullable(r);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MedLedgerException("interrupted while waiting for the nodes' answers", e);
      }
    }

    /** The nodes asked that have not replied (yet). */
    List<ClientConfig.NodeEndpointConfig> silent() {
      return List.copyOf(silent);
    }

    @Override
    public void close() {
      open.forEach(f -> f.cancel(false));
    }
  }

  /**
   * Asks the ledger nodes in turn for the entry's receipt (client request {@code RECEIPT}) and
   * returns the first complete one whose ledger part holds: for this entry, anchored by a
   * commitment to this chain, and at {@code ledgerIndex} of the anchored log (its inclusion proof
   * verifies against the commitment's root); empty while no node has one. A node answering a
   * receipt that does not hold is skipped and logged. The Bitcoin part is not checked here:
   * {@link io.medledger.client.AuditorClient#verifyReceipt} checks it against Bitcoin headers.
   */
  @Override
  public Optional<AnchorReceipt> receipt(Digest entryId, long ledgerIndex) {
    for (ClientConfig.NodeEndpointConfig n : nodes) {
      if (n.role() == ServerRole.STORAGE) {
        continue;
      }
      byte[] r;
      try {
        r = exchange(n, ClientWire.receipt(entryId), timeout);
      } catch (NodeException e) {
        continue;
      }
      Optional<AnchorReceipt> a;
      try {
        a = NodeClient.receiptOf(entryId, r);
      } catch (SubmissionRefusedException | MalformedEncodingException e) {
        continue; // busy, or a node that answers garbage: ask the next one
      }
      if (a.isPresent() && a.get().isComplete()) {
        String bad = ledgerPartProblem(a.get(), ledgerIndex);
        if (bad == null) {
          return a;
        }
        LOG.log(System.Logger.Level.WARNING, "node {0} answered a receipt of entry {1} that does not hold: {2}",
            name(n), entryId, bad);
      }
    }
    return Optional.empty();
  }

  /** What is wrong with the ledger part of {@code a} as a receipt of the entry at {@code ledgerIndex}, or null. */
  private String ledgerPartProblem(AnchorReceipt a, long ledgerIndex) {
    io.medledger.anchor.AnchorCommitment c = a.commitment();
    if (!c.chainId().equals(parameters().chainId())) {
      return "its commitment is to another chain";
    }
    if (a.logProof().leafIndex() != ledgerIndex || a.logProof().treeSize() != c.logSize()) {
      return "its proof is for index " + a.logProof().leafIndex() + " of a log of " + a.logProof().treeSize()
          + ", not index " + ledgerIndex + " of the anchored log of " + c.logSize();
    }
    if (!a.logProof().verify(a.leafHash(), c.logRoot())) {
      return "its inclusion proof does not lead to the anchored log root";
    }
    return null;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Each ledger node's own word about its tip, asked in turn, by design: it is what
   * {@link io.medledger.client.AuditorClient#verifyChain} compares with the chain it verified, to
   * name the nodes that differ; it is never believed on its own, and holds no freshness floor.
   */
  @Override
  public List<ServerTip> serverTips() {
    List<ServerTip> out = new ArrayList<>();
    for (ClientConfig.NodeEndpointConfig n : nodes) {
      if (n.role() == ServerRole.STORAGE) {
        continue;
      }
      ParticipantId id = ParticipantId.of(n.key());
      try {
        Optional<Digest> tip = read(n, exchange(n, request(ClientWire.TIP).toBytes(), timeout),
            in -> in.bool() ? Optional.of(in.digest()) : Optional.<Digest>empty());
        out.add(new ServerTip(id, true, tip));
      } catch (NodeException e) {
        out.add(new ServerTip(id, false, Optional.empty()));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- keys

  /**
   * {@inheritDoc}
   *
   * <p>Asked of every ledger node at or above the freshness floor (see
   * {@link #patientHistory(ParticipantId)}) at once. A card is signed by its participant's key, so
   * no node can alter it: it is taken from the first node that serves one, and then only if
   * {@link Builder#confirmations} ledger nodes do not state that the ledger removed its participant
   * (the nodes drop the card of a participant they remove; see {@link #participant}). That there is
   * no card is taken only once that many nodes at or above the floor say so.
   *
   * @throws AccessRefusedException (right {@link AccessRight#PARTICIPANT}) if that many nodes state
   *     its participant removed
   * @throws UnconfirmedAnswerException if no node serves a card and too few say there is none, or
   *     too few state the participant's status alike
   */
  @Override
  public Optional<KeyCard> keyCard(ParticipantId id) {
    Floor floor = floor("the key card of " + id);
    Optional<KeyCard> card = provenOrAbsent("a key card of " + id, floor, request(ClientWire.KEY_CARD).id(id).toBytes(),
        r -> r.read(in -> {
          if (!in.bool()) {
            return Optional.<KeyCard>empty();
          }
          KeyCard c = in.card();
          if (!c.id().equals(id) || !c.verify()) {
            throw new MalformedEncodingException("the node answered with a key card that is not " + id + "'s own");
          }
          return Optional.of(c);
        }));
    if (card.isPresent() && participant(id, floor).map(p -> !p.active()).orElse(false)) {
      throw new AccessRefusedException(AccessRight.PARTICIPANT, "the ledger removed " + id + ", as " + quorum
          + " ledger nodes state: its key card is no longer to be used");
    }
    return card;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Taken only as {@link Builder#confirmations} ledger nodes at or above the freshness floor
   * state it alike (see {@link #isGrantActive}); its signature is checked.
   *
   * @throws UnconfirmedAnswerException if too few such nodes answer alike
   */
  @Override
  public Optional<QueryHit<KeyPublication>> publishedKeys(ParticipantId id) {
    Digest chainId = parameters().chainId();
    return agreed("the key publication of " + id, request(ClientWire.PUBLISHED_KEYS).id(id).toBytes(), in -> {
      if (!in.bool()) {
        return Optional.<QueryHit<KeyPublication>>empty();
      }
      if (!(Entry.decode(in.bytes(Limits.MAX_ENTRY_BYTES)) instanceof KeyPublication k) || !k.participant().equals(id)) {
        throw new MalformedEncodingException("asked for the key publication of " + id + ", got another entry");
      }
      byte[] message = k.signingMessage(chainId);
      if (k.endorsements().isEmpty() || !k.endorsements().stream().allMatch(x -> x.verify(message))) {
        throw new MalformedEncodingException("the key publication of " + id + " came with endorsements that do not verify");
      }
      long height = in.i64();
      long ledgerIndex = in.i64();
      if (height < 0 || ledgerIndex < 0) {
        throw new MalformedEncodingException("the key publication of " + id + " came with a negative place");
      }
      return Optional.of(new QueryHit<>(k, height, ledgerIndex, Optional.empty()));
    });
  }

  /**
   * Publishes {@code card} to every node that can be reached (at least one must take it).
   *
   * @throws IllegalArgumentException if it does not verify or a node holds a different card
   */
  @Override
  public void publish(KeyCard card) {
    if (!card.verify()) {
      throw new IllegalArgumentException("key card signature does not verify for " + card.id());
    }
    byte[] req = request(ClientWire.PUBLISH_KEY_CARD).card(card).toBytes();
    NodeException last = null;
    RuntimeException refused = null;
    int taken = 0;
    for (ClientConfig.NodeEndpointConfig n : nodes) {
      try {
        read(n, exchange(n, req, timeout), in -> null);
        taken++;
      } catch (NodeException e) {
        last = e;
      } catch (RuntimeException e) {
        refused = refused == null ? e : refused; // the nodes after it still get the card
      }
    }
    if (refused != null) {
      throw refused;
    }
    if (taken == 0) {
      throw last;
    }
  }

  // ---------------------------------------------------------------- proxies and storage

  /**
   * {@inheritDoc}
   *
   * <p>Derived by the client, not stated by the nodes: the serving federation servers of the
   * membership it follows through the certified blocks up to the height {@link Builder#confirmations}
   * ledger nodes report, each with the encryption key of its own key publication, signed by its
   * server and proven final by a block certificate (see {@link #threshold}). So nodes, however many
   * collude, can neither add a proxy, nor put a key of theirs in place of a proxy's, nor lower the
   * threshold; a proxy is left out only when no node proves its publication and
   * {@link Builder#confirmations} say it has none. The list is in the order the client followed
   * the servers (the configured ones first), which a grant keeps.
   *
   * @throws UnconfirmedAnswerException if the client cannot follow the membership to that height,
   *     or a proxy's publication is neither proven nor its absence confirmed
   */
  @Override
  public List<ProxyKey> proxyKeys() {
    return proxies().keys();
  }

  /**
   * {@inheritDoc}
   *
   * <p>A majority of the proxies the client derives (see {@link #proxyKeys}), those without a key
   * counted, as the nodes count them.
   */
  @Override
  public int threshold() {
    return proxies().threshold();
  }

  private record Proxies(List<ProxyKey> keys, int threshold) {}

  /**
   * The proxies, their keys and the threshold, derived by the client rather than taken from the
   * nodes' {@code PROXIES} answers (which f + 1 colluding nodes could state alike): the proxies are
   * the serving federation servers (listed and not suspended) of the membership the client follows
   * through the certified blocks up to the height {@link Builder#confirmations} ledger nodes report
   * (see {@link #header}), as a node lists them, up to order; the threshold is the protocol's, a
   * majority of them; and each proxy's key is the encryption key of its server's key publication,
   * taken only from a node that proves it (see {@link #proxyKey}). A server whose publication no
   * node proves is left out (as a node leaves out a server without one) only once that many
   * ledger nodes at or above the freshness floor say it has none and no node proved one.
   *
   * <p>Where the voters in force are too few for a certificate to count (fewer than
   * {@link Builder#confirmations}: one audit server under {@code rotating-audit}, say), no block is
   * final by its certificate, so the proxies and threshold are taken as before, as every ledger
   * node that answers states them, that many at least; each key must still be its server's own,
   * from a publication signed by the server and final as that many nodes serve its block's header.
   *
   * @throws UnconfirmedAnswerException if the client cannot follow the membership that far (no
   *     node serves a block it needs so), or a server's publication is neither proven nor its
   *     absence confirmed
   * @throws MalformedEncodingException where the nodes state the proxies, if they state different ones
   * @throws NodeException with reason UNREACHABLE if no ledger node answers
   */
  private Proxies proxies() {
    Chain c = chain();
    Floor floor = floor("the proxies");
    Optional<List<ParticipantId>> followed = followedFederation(c, floor.top());
    List<ParticipantId> servers = followed.isPresent() ? followed.get()
        : unanimous(request(ClientWire.PROXIES).toBytes(), RemoteConnection::statedProxies,
            "proxies or thresholds");
    List<ProxyKey> keys = new ArrayList<>();
    for (ParticipantId s : servers) {
      proxyKey(c, s, floor, followed.isPresent()).ifPresent(k -> keys.add(new ProxyKey(s.toHex(), k)));
    }
    return new Proxies(List.copyOf(keys), LedgerRequests.threshold(servers.size()));
  }

  /**
   * The proxies of a PROXIES answer, with the protocol's threshold (their keys are proven apart).
   *
   * @throws MalformedEncodingException if it states another threshold, or a proxy twice
   */
  private static List<ParticipantId> statedProxies(LedgerWire.Reader in) {
    int n = in.u16();
    int t = in.u8();
    if (n > Limits.MAX_PROXIES || t != LedgerRequests.threshold(n)) {
      throw new MalformedEncodingException("proxy list of " + n + " with threshold " + t + ", not "
          + LedgerRequests.threshold(n));
    }
    List<ParticipantId> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ParticipantId id = in.id();
      if (ids.contains(id)) {
        throw new MalformedEncodingException("proxy " + id + " listed twice");
      }
      ids.add(id);
      if (in.bool()) {
        in.bytes(33);
      }
    }
    return List.copyOf(ids);
  }

  /**
   * The serving federation servers of the membership followed through block {@code tip} (or a
   * later block the client has already followed to); empty where the voters in force are too few
   * for a certificate to count, so nothing can be followed by them.
   *
   * @throws UnconfirmedAnswerException if the client cannot follow it that far
   */
  private Optional<List<ParticipantId>> followedFederation(Chain c, long tip) {
    if (tip < 0) {
      throw new UnconfirmedAnswerException("the ledger nodes report no genesis block yet: there are no proxies");
    }
    synchronized (following) {
      List<Ed25519PublicKey> voters = votersAt(c, tip + 1);
      if (certifiers(votersFrom.floorEntry(trail.height() + 1).getValue()) == 0) {
        return Optional.empty();
      }
      if (voters.isEmpty()) {
        throw new UnconfirmedAnswerException("cannot follow the membership to block " + tip + " (no ledger node serves"
            + " the blocks needed with a certificate of the voters the client follows, or too few list the changes):"
            + " the proxies are not taken from the nodes' word; try again later");
      }
      return Optional.of(trail.federation().stream().map(ParticipantId::of).toList());
    }
  }

  /**
   * The encryption key of federation server {@code id}'s key publication, asked of every
   * ledger node at or above {@code floor} at once and taken from the first that proves it: the
   * publication names the server, carries the one signature the ledger admits, the server's own
   * (so no node can make one with another key), and the node locates it in a block whose entries
   * hold it there and whose certificate makes it final by the voters the client follows (a
   * genesis publication: block 0, the parent of such a block 1), or, unless {@code byCertificate}
   * (the voters are too few for a certificate to count), whose header {@link Builder#confirmations}
   * nodes serve alike (see {@link #checkFinal}). The first publication of a
   * participant is the one in force for good, so a proven key is kept for the connection. Empty
   * only once every node has answered or the read timeout passed, none proved one, and
   * {@link Builder#confirmations} said there is none: f + 1 nodes answering first cannot leave a
   * proxy out that another node proves.
   *
   * @throws UnconfirmedAnswerException if no node proves one and too few say there is none
   */
  private Optional<PublicKey> proxyKey(Chain c, ParticipantId id, Floor floor, boolean byCertificate) {
    PublicKey known = provenProxyKeys.get(id);
    if (known != null) {
      return Optional.of(known);
    }
    Digest chainId = c.parameters().chainId();
    int absent = 0;
    Map<String, String> said = new LinkedHashMap<>(passedOver(floor));
    try (Round round = new Round(floor.eligible(), request(ClientWire.PUBLISHED_KEYS).id(id).toBytes())) {
      for (Optional<Reply> r = round.next(); r.isPresent(); r = round.next()) {
        ClientConfig.NodeEndpointConfig n = r.get().node();
        try {
          Optional<KeyPublication> k = r.get().read(in -> serverPublication(in, id, chainId));
          if (k.isEmpty()) {
            absent++;
            said.put(name(n), "has none");
            continue;
          }
          if (byCertificate) {
            provePublished(n, k.get());
          } else {
            checkFinal(n, k.get());
          }
          PublicKey key = k.get().encryptionPublicKey();
          provenProxyKeys.putIfAbsent(id, key);
          return Optional.of(key);
        } catch (NodeException | MalformedEncodingException | IllegalArgumentException | UnverifiableAnswerException
            | UnconfirmedAnswerException | AccessRefusedException | RecordErasedException e) {
          said.put(name(n), "failed: " + e.getMessage());
          if (!(e instanceof NodeException)) {
            LOG.log(System.Logger.Level.WARNING, "node " + name(n) + " answered the key publication of proxy " + id
                + " with one it does not prove; passed over: " + e.getMessage());
          }
        }
      }
      round.silent().forEach(n -> said.put(name(n), "did not answer within " + timeout));
    }
    if (absent >= quorum) {
      return Optional.empty();
    }
    throw new UnconfirmedAnswerException("no ledger node proved the key publication of proxy " + id + ", and fewer than "
        + quorum + " at or above height " + floor.height() + " said there is none: " + said + "; try again later");
  }

  /**
   * Reads a PUBLISHED_KEYS answer for federation server {@code id}: empty, or a key
   * publication of its participant signed by its key alone (the key whose id it is) (the signature checked for chain
   * {@code chainId}).
   *
   * @throws MalformedEncodingException if it is another entry, another participant's, or not so signed
   */
  static Optional<KeyPublication> serverPublication(LedgerWire.Reader in, ParticipantId id, Digest chainId) {
    if (!in.bool()) {
      return Optional.empty();
    }
    Entry e = Entry.decode(in.bytes(Limits.MAX_ENTRY_BYTES));
    in.i64(); // its place as the node states it: proven by locating it (see provePublished)
    in.i64();
    if (!(e instanceof KeyPublication k) || !k.participant().equals(id)) {
      throw new MalformedEncodingException("asked for the key publication of proxy " + id + ", got another entry");
    }
    if (k.endorsements().size() != 1 || !ParticipantId.of(k.endorsements().get(0).signer()).equals(id)
        || !k.endorsements().get(0).verify(k.signingMessage(chainId))) {
      throw new MalformedEncodingException("the key publication of proxy " + id + " is not signed by its server's key"
          + " alone");
    }
    return Optional.of(k);
  }

  /**
   * Checks that node {@code n} proves {@code k} final: it locates it and serves the block there,
   * whose entries match its header and hold it at that place, and whose certificate makes it final
   * ({@link #certified}); for genesis, the block 1 it serves is so certified and names that block as
   * its parent. No fallback to nodes serving the header alike: f + 1 colluding nodes could.
   *
   * @throws MalformedEncodingException if {@code n} cannot locate it, or its block does not hold it
   * @throws UnverifiableAnswerException if no certificate makes the block final
   */
  private void provePublished(ClientConfig.NodeEndpointConfig n, KeyPublication k) {
    EntryLocation at = read(n, exchange(n, request(ClientWire.LOCATE).digest(k.id()).toBytes(), timeout),
        RemoteConnection::location).orElseThrow(() -> new MalformedEncodingException("node " + name(n)
            + " served key publication " + k.id() + " but cannot locate it"));
    CertifiedBlock b = blockHolding(n, k.id(), at);
    boolean proven;
    if (at.height() >= 1) {
      proven = certified(b);
    } else {
      CertifiedBlock next = read(n, exchange(n, request(ClientWire.BLOCK).i64(1).toBytes(), timeout),
          in -> blockOf(in, 1));
      proven = certified(next) && next.header().previousHash().equals(b.header().hash());
    }
    if (!proven) {
      throw new UnverifiableAnswerException("node " + name(n) + " located key publication " + k.id() + " in block "
          + at.height() + ", which no certificate of the voters the client follows makes final");
    }
  }

  @Override
  public CompletableFuture<ProxyResponse> reencrypt(ParticipantId proxy, Digest accessEvent) {
    Optional<ClientConfig.NodeEndpointConfig> n = endpoint(proxy);
    if (n.isEmpty()) {
      return CompletableFuture.failedFuture(new ProxyFailureException("no endpoint",
          Map.of(proxy, "no client endpoint of this proxy is configured")));
    }
    byte[] req = request(ClientWire.REENCRYPT).digest(accessEvent).toBytes();
    ClientChannel c;
    try {
      c = channel(n.get());
    } catch (NodeException e) {
      return CompletableFuture.failedFuture(new ProxyFailureException("proxy unreachable", Map.of(proxy, e.getMessage())));
    }
    return c.request(req).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((r, err) -> {
      if (err != null) {
        Throwable x = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        throw new ProxyFailureException("proxy failed", Map.of(proxy, "down or unreachable: " + x));
      }
      try {
        CapsuleFrag f = read(n.get(), r, in -> CapsuleFrag.fromBytes(in.bytes(CapsuleFrag.LENGTH)));
        return new ProxyResponse(proxy.toHex(), f);
      } catch (AccessRefusedException | RecordErasedException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new ProxyFailureException("proxy failed", Map.of(proxy, String.valueOf(e.getMessage())));
      }
    });
  }

  private ReplicatedBlobStore store() {
    return payloads.orElseThrow(() -> new MedLedgerException("this remote connection has no payload store"));
  }

  @Override
  public CompletableFuture<ReplicatedBlobStore.Placement> putBlob(byte[] ciphertext) {
    return CompletableFuture.supplyAsync(() -> store().putReplicated(ciphertext));
  }

  @Override
  public CompletableFuture<byte[]> getBlob(Digest id, List<ParticipantId> preferred) {
    return CompletableFuture.supplyAsync(() -> store().read(id, preferred.stream().map(ParticipantId::toHex).toList()));
  }

  /** Takes no more than {@code size} bytes from a storage node. */
  @Override
  public CompletableFuture<byte[]> getBlob(Digest id, long size, List<ParticipantId> preferred) {
    return CompletableFuture.supplyAsync(() -> store().read(id, size, preferred.stream().map(ParticipantId::toHex)
        .toList()));
  }

  /** Streams the payload to the store in bounded memory (as the store streams, for example to storage nodes). */
  @Override
  public CompletableFuture<ReplicatedBlobStore.Placement> putBlob(java.io.InputStream ciphertext) {
    return CompletableFuture.supplyAsync(() -> store().putReplicated(ciphertext));
  }

  /** A verified copy as a stream from the store (spooled by it, not held in memory). */
  @Override
  public CompletableFuture<java.io.InputStream> openBlob(Digest id, List<ParticipantId> preferred) {
    return CompletableFuture.supplyAsync(() -> store().open(id, preferred.stream().map(ParticipantId::toHex).toList()));
  }

  /** As {@link #openBlob(Digest, List)}, taking no more than {@code size} bytes from a storage node. */
  @Override
  public CompletableFuture<java.io.InputStream> openBlob(Digest id, long size, List<ParticipantId> preferred) {
    return CompletableFuture.supplyAsync(() -> store().open(id, size, preferred.stream().map(ParticipantId::toHex)
        .toList()));
  }

  @Override
  public ErasureReport finishErasure(Digest record) {
    Optional<Entry> e = entry(record);
    if (e.isEmpty() || !(e.get() instanceof MedicalRecord rec) || !isErased(record)) {
      throw new IllegalArgumentException("no final erasure of record " + record + " on the ledger");
    }
    PatientHistoryProof proof = patientHistory(rec.patient());
    ValidationResult<List<Entry>> history = proof.verify(header(proof.height()));
    if (!history.isAccepted()) {
      throw new MalformedEncodingException("the history of patient " + rec.patient() + " does not verify: "
          + history.reason());
    }
    RecordErasure erasure = history.value().stream().filter(h -> h instanceof RecordErasure x && x.record().equals(record))
        .map(RecordErasure.class::cast).findFirst().orElseThrow(() -> new IllegalStateException("record " + record
            + " is marked erased but its patient's verified history holds no erasure"));
    List<Digest> scoped = new ArrayList<>();
    for (QueryHit<AccessGrant> h : PageWalk.all("the grants of " + rec.patient(), PageRequest.first(LedgerRequests.MAX_PAGE),
        p -> {
          Page<AccessGrant> page = grantsByPatient(rec.patient(), p);
          return new PageWalk.Step<>(page.items(), page.nextCursor());
        }, PageWalk::size)) {
      AccessGrant g = h.entry();
      if (g.scope().kind() == AccessScope.Kind.RECORDS && g.scope().records().equals(List.of(record))) {
        scoped.add(g.id());
      }
    }
    ReplicatedBlobStore.DeletionReport sr = store().erase(rec.payloadDigest(), rec.id());
    List<String> unreachable = new ArrayList<>(sr.unreachable());
    List<io.medledger.storage.StorageReceipt> receipts = new ArrayList<>(sr.receipts().values());
    rec.deidentified().ifPresent(d -> {
      ReplicatedBlobStore.DeletionReport dr = store().erase(d.payloadDigest(), rec.id());
      unreachable.addAll(dr.unreachable());
      receipts.addAll(dr.receipts().values());
    });
    return new ErasureReport(rec.id(), rec.payloadDigest(), erasure.requestedBy(), erasure.id(), sr.deleted(),
        unreachable.stream().distinct().toList(), scoped, receipts);
  }

  /** Closes every channel; idempotent. */
  @Override
  public void close() {
    closed = true;
    synchronized (channels) {
      channels.values().forEach(ClientChannel::close);
      channels.clear();
    }
  }

  @Override
  public String toString() {
    return "RemoteConnection[" + identity.ledgerKey().toHex().substring(0, 16) + " -> " + nodes.size() + " nodes]";
  }
}
