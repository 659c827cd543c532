package io.medledger.federation;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.Block;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.ValidationResult;
import io.medledger.chain.VerifiedBlock;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.KeyDirectory;
import io.medledger.client.ProxyFailureException;
import io.medledger.client.RecordErasedException;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.pre.EncryptedKeyFrag;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.PublicKey;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.ReEncryptionProxy;
import io.medledger.storage.BlockStore;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.InMemoryBlockStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One server (federation or audit) of the in-process {@link Federation}: its own copy of the ledger over a block store, its consensus
 * role, and, for a federation server, the re-encryption proxy. A node validates everything it
 * appends with the full chain rules (signatures, authorization, roots, certificate), so a
 * faulty client or bookkeeper cannot get an unauthorized entry onto its chain.
 *
 * <p>Consensus steps: {@link #propose} (federation servers, the bookkeeper of the turn),
 * {@link #vote} (audit servers: validate and countersign), {@link #commit} (every node). The
 * proxy answers {@link #reencrypt} only for an access event already final on its ledger, so every
 * re-encrypted read is on the audit trail first.
 *
 * <p>Thread-safe: commits, each step of a catch-up and close are serialized, and the proxy takes
 * the blocks' effects in height order.
 */
public final class FederationServer implements AutoCloseable {
  private final Identity server;
  private final NodeRole role;
  private final Ledger ledger;
  private final ReEncryptionProxy proxy;
  private final KeyDirectory directory;
  private final Clock clock;
  private final Map<Digest, VerifiedBlock> pendingBlocks = new ConcurrentHashMap<>();
  private static final System.Logger LOG = System.getLogger(FederationServer.class.getName());
  private final Map<Digest, String> proxyProblems = new ConcurrentHashMap<>();
  private volatile boolean online = true;
  /**
   * Held by {@link #commit}, {@link #committed}, each step of {@link #catchUp} and {@link #close}:
   * the proxy takes the effects of blocks in height order (a revocation never before its grant), and
   * none after close wiped it.
   */
  private final ReentrantLock commitLock = new ReentrantLock();
  /** The height of the last block whose effects the proxy took; under {@link #commitLock}. */
  private long applied = -1;

  private FederationServer(Builder b, Ledger ledger) {
    this.server = b.server;
    this.role = b.role;
    this.ledger = ledger;
    this.directory = b.directory;
    this.clock = b.clock;
    this.proxy = role == NodeRole.FEDERATION ? new ReEncryptionProxy(server.id().toHex(), server.secretEncryptionKey()) : null;
  }

  /** A builder for a node run under {@code server}'s keys on the chain {@code params}. */
  public static Builder builder(ChainParameters params, Identity server) {
    return new Builder(params, server);
  }

  /**
   * Configures a node. Defaults: observer role, an in-memory block store, the UTC system clock, a
   * fresh key directory. Not thread-safe.
   */
  public static final class Builder {
    private final ChainParameters params;
    private final Identity server;
    private NodeRole role = NodeRole.OBSERVER;
    private BlockStore store;
    private Clock clock = Clock.systemUTC();
    private KeyDirectory directory = new KeyDirectory();
    private CertificatePolicy policy = CertificatePolicy.auditQuorum();

    private Builder(ChainParameters params, Identity server) {
      this.params = Objects.requireNonNull(params, "params");
      this.server = Objects.requireNonNull(server, "server");
    }

    /** The consensus role. */
    public Builder role(NodeRole r) {
      this.role = Objects.requireNonNull(r, "role");
      return this;
    }

    /** The block store (the node closes it). */
    public Builder blockStore(BlockStore s) {
      this.store = Objects.requireNonNull(s, "store");
      return this;
    }

    /** A durable file block store in {@code directory} (created if missing; replayed if present). */
    public Builder dataDirectory(Path directory) {
      this.store = FileBlockStore.open(directory);
      return this;
    }

    /** The clock that bounds block and entry times. */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** The key directory the proxy reads owners' and grantees' Umbral keys from. */
    public Builder directory(KeyDirectory d) {
      this.directory = Objects.requireNonNull(d, "directory");
      return this;
    }

    /**
     * The rule for block certificates: {@link CertificatePolicy#auditQuorum()} (the default, for
     * {@link RotatingAuditSequencer}) or a consensus protocol's policy (for {@link ConsensusSequencer}).
     */
    public Builder certificatePolicy(CertificatePolicy p) {
      this.policy = Objects.requireNonNull(p, "policy");
      return this;
    }

    /**
     * Opens the ledger (replaying a file store) and returns the node.
     *
     * @throws io.medledger.chain.LedgerReplayException if a stored block does not validate
     */
    public FederationServer build() {
      Ledger l = Ledger.builder(params).store(store != null ? store : new InMemoryBlockStore()).clock(clock)
          .certificatePolicy(policy).open();
      FederationServer n = new FederationServer(this, l);
      n.committed(l.height());
      return n;
    }
  }

  /** The server's ledger id. */
  public ParticipantId id() {
    return server.id();
  }

  /** The server's public key card. */
  public KeyCard card() {
    return server.card();
  }

  /** The consensus role. */
  public NodeRole role() {
    return role;
  }

  /** This node's copy of the ledger (read it freely; appends go through {@link #commit}). */
  public Ledger ledger() {
    return ledger;
  }

  /** The key proxies' fragments are encrypted to, for a federation server. */
  public Optional<ProxyKey> proxyKey() {
    return Optional.ofNullable(proxy).map(ReEncryptionProxy::proxyKey);
  }

  /** Whether the proxy holds a key fragment for grant {@code grantId}. */
  public boolean holdsFragment(Digest grantId) {
    return proxy != null && proxy.holds(grantId.toHex());
  }

  /**
   * Why this proxy could not take its fragment of grant {@code grantId} (missing keys, a fragment
   * that does not verify), if it could not. Each such problem is also logged when it happens, and
   * the patient's {@code grant} call fails with a {@link ProxyFailureException} naming this proxy.
   */
  public Optional<String> proxyProblem(Digest grantId) {
    return Optional.ofNullable(proxyProblems.get(grantId));
  }

  /** Whether the node is reachable. An offline node neither proposes, votes nor re-encrypts. */
  public boolean isOnline() {
    return online;
  }

  /** Takes the node offline (a crash or a partition) or back online; it catches up when back. */
  public void setOnline(boolean online) {
    this.online = online;
  }

  /** Checks an entry against this node's tip for admission to the pending pool. */
  public ValidationResult<Entry> admit(Entry entry) {
    return ledger.checkEntry(entry);
  }

  /**
   * As bookkeeper: builds a candidate block of {@code pending} entries on the tip, validated
   * against this node's state (invalid entries are left out with reasons). It becomes final only
   * with a certificate from the audit servers.
   *
   * @throws IllegalStateException if this node is not a federation server
   */
  public ValidationResult<BlockCandidate> propose(long round, long timestamp, List<Entry> pending) {
    if (role != NodeRole.FEDERATION) {
      throw new IllegalStateException("only federation servers propose blocks");
    }
    ValidationResult<BlockCandidate> c = ledger.propose(server.id(), round, ByteString.EMPTY, timestamp, pending);
    if (c.isAccepted()) {
      VerifiedBlock vb = c.value().block();
      pendingBlocks.put(vb.header().hash(), vb);
    }
    return c;
  }

  /**
   * As audit server: validates {@code block} with the full chain rules against this node's tip
   * and, if it holds, returns this server's countersignature on its header.
   *
   * @throws IllegalStateException if this node is not an audit server
   */
  public ValidationResult<Endorsement> vote(Block block) {
    if (role != NodeRole.AUDIT) {
      throw new IllegalStateException("only audit servers vote on blocks");
    }
    ValidationResult<VerifiedBlock> v = ledger.validate(block);
    if (!v.isAccepted()) {
      return ValidationResult.rejected(v.reason());
    }
    pendingBlocks.put(block.header().hash(), v.value());
    return ValidationResult.accepted(Endorsement.sign(server.secretSigningKey(), Certificate.voteMessage(block.header())));
  }

  /**
   * Appends a certified block: the certificate is checked against the audit servers as of the
   * parent and, unless this node validated the block itself, the block is validated in full. A
   * block already final here at its height (committed meanwhile by {@link #catchUp} or the
   * consensus protocol) is accepted again, with no further effect.
   *
   * @throws io.medledger.chain.LedgerClosedException if this server is closed
   */
  public ValidationResult<CertifiedBlock> commit(CertifiedBlock block) {
    commitLock.lock();
    try {
      ValidationResult<CertifiedBlock> r = appendLocked(block);
      return r.isAccepted() || !isFinal(block) ? r : ValidationResult.accepted(ledger.block(block.header().height()));
    } finally {
      commitLock.unlock();
    }
  }

  /** Appends {@code block} and hands the effects of every block up to it to the proxy; under {@link #commitLock}. */
  private ValidationResult<CertifiedBlock> appendLocked(CertifiedBlock block) {
    VerifiedBlock mine = pendingBlocks.remove(block.header().hash());
    ValidationResult<CertifiedBlock> r = mine != null ? ledger.append(mine, block.certificate()) : ledger.append(block);
    if (r.isAccepted()) {
      dropUnappendable();
    }
    if (r.isAccepted() || isFinal(block)) {
      applyThrough(block.header().height());
    }
    return r;
  }

  /** Whether {@code block} is the final block at its height here. */
  private boolean isFinal(CertifiedBlock block) {
    long h = block.header().height();
    return h <= ledger.height() && ledger.header(h).hash().equals(block.header().hash());
  }

  /**
   * Fetches, validates and appends the blocks {@code peer} has beyond this node's tip; returns how
   * many it appended. A block the consensus protocol makes final here meanwhile is taken as it is.
   *
   * @throws IllegalStateException if a block of {@code peer} does not validate here
   * @throws io.medledger.chain.LedgerClosedException if this server or {@code peer} is closed
   */
  public int catchUp(FederationServer peer) {
    int n = 0;
    while (true) {
      commitLock.lock();
      try {
        long next = ledger.height() + 1;
        if (next > peer.ledger().height()) {
          return n;
        }
        CertifiedBlock b = peer.ledger().block(next);
        ValidationResult<CertifiedBlock> r = appendLocked(b);
        if (r.isAccepted()) {
          n++;
        } else if (!isFinal(b)) {
          throw new IllegalStateException("block " + next + " from " + peer.id() + " does not validate: " + r.reason());
        }
      } finally {
        commitLock.unlock();
      }
    }
  }

  /**
   * As re-encryption proxy: transforms the capsule of the record named by access event
   * {@code accessEventId} for its grantee. See {@link #reencrypt(AccessEvent)} for the rules.
   *
   * @throws AccessRefusedException if there is no such final event, or it does not authorize
   * @throws RecordErasedException if a final erasure names the event's record
   * @throws EnvelopeException if this proxy holds no fragment for the grant, or the record carries
   *     no capsule for the grant's purpose
   * @throws IllegalStateException if this node is not a federation server or is offline
   */
  public ProxyResponse reencrypt(Digest accessEventId) throws EnvelopeException {
    requireProxy();
    return reencrypt(io.medledger.internal.ProxyRules.check(ledger, accessEventId, clock.millis(), id().toString()));
  }

  /**
   * As re-encryption proxy: re-encrypts for access event {@code event}, checking it against this
   * node's own ledger, deny by default: the event names a grant, its reader is an active
   * participant of a kind the grant's purpose allows ({@link io.medledger.access.Purpose#allowsReader})
   * and is the grantee or belongs to the grantee institution, the event itself is final on this
   * ledger, the grant is unrevoked, valid now and its scope covers the record, and the record is not
   * erased ({@code internal.ProxyRules}). A treatment grant
   * re-encrypts the record's capsule; a research grant only the capsule of the de-identified copy
   * (never the full payload's). The proxy never sees a data key or a payload.
   *
   * @throws AccessRefusedException naming the missing right ({@code access-event},
   *     {@code reader-role}, {@code grantee}, {@code active-grant})
   * @throws RecordErasedException if a final erasure names the event's record
   * @throws EnvelopeException if this proxy holds no fragment for the grant, or the record carries
   *     no capsule for the grant's purpose
   * @throws IllegalStateException if this node is not a federation server or is offline
   */
  public ProxyResponse reencrypt(AccessEvent event) throws EnvelopeException {
    requireProxy();
    return reencrypt(io.medledger.internal.ProxyRules.check(ledger, event, clock.millis(), id().toString()));
  }

  private ProxyResponse reencrypt(io.medledger.internal.ProxyRules.Permit p) throws EnvelopeException {
    String problem = proxyProblems.get(p.grant().id());
    if (problem != null && !proxy.holds(p.grant().id().toHex())) {
      throw new EnvelopeException("proxy " + id() + " holds no fragment of grant " + p.grant().id() + ": " + problem,
          id().toString(), null);
    }
    return proxy.reencrypt(p.grant().id().toHex(), p.capsule());
  }

  private void requireProxy() {
    if (proxy == null) {
      throw new IllegalStateException("only federation servers run re-encryption proxies");
    }
    if (!online) {
      throw new IllegalStateException("proxy " + id() + " is offline");
    }
  }

  /** The entry with id {@code id} on this node's chain. */
  Optional<Entry> entry(Digest id) {
    return io.medledger.internal.ProxyRules.entry(ledger, id);
  }

  /** The server's signing key, for the consensus protocol it runs. */
  io.medledger.crypto.Ed25519PrivateKey serverKey() {
    return server.secretSigningKey();
  }

  /** Called when a consensus protocol made block {@code height} final on this node's ledger. */
  void committed(long height) {
    commitLock.lock();
    try {
      dropUnappendable();
      applyThrough(height);
    } finally {
      commitLock.unlock();
    }
  }

  /**
   * Drops the validated blocks at heights the ledger holds (other rounds' candidates): they can
   * never be appended. One for the next height stays: a commit notice that arrives after this
   * server validated it (so, late) must not make its certified block validate again.
   */
  private void dropUnappendable() {
    long height = ledger.height();
    pendingBlocks.values().removeIf(b -> b.header().height() <= height);
  }

  /** How many validated blocks wait for their certificate (for tests). */
  int heldBlocks() {
    return pendingBlocks.size();
  }

  /** Hands the proxy the effects of the blocks after {@link #applied} up to {@code height}, in order. */
  private void applyThrough(long height) {
    for (long h = applied + 1; h <= height; h++) {
      afterCommit(ledger.block(h).block());
      applied = h;
    }
  }

  /** Whether a thread waits to commit (for tests that race commits). */
  boolean commitWaiters() {
    return commitLock.hasQueuedThreads();
  }

  /** Signs an anchor entry as this federation server. */
  io.medledger.chain.Anchor signAnchor(io.medledger.chain.Anchor a) {
    return Entry.sign(a, ledger.parameters().chainId(), server.secretSigningKey());
  }

  /** Drops a proxy's fragments of the grants in {@code grants} (erasure). */
  void destroyFragments(List<Digest> grants) {
    if (proxy != null) {
      grants.forEach(g -> proxy.revoke(g.toHex()));
    }
  }

  private void afterCommit(Block block) {
    if (proxy == null) {
      return;
    }
    for (Entry e : block.entries()) {
      if (e instanceof AccessGrant g) {
        int i = g.proxies().indexOf(server.id());
        if (i >= 0) {
          takeFragment(g);
        }
      } else if (e instanceof AccessRevocation r) {
        proxy.revoke(r.grant().toHex());
      } else if (e instanceof io.medledger.chain.KeyPublication k && k.researchKey().isPresent()) {
        retakeResearchGrants(k.participant());
      }
    }
  }

  /**
   * {@code patient} published a research key: the fragments held of its research grants are taken
   * again, verified against it, so those made before from the main key are given up, with a problem.
   */
  private void retakeResearchGrants(io.medledger.access.ParticipantId patient) {
    io.medledger.chain.PageRequest page = io.medledger.chain.PageRequest.first(256);
    while (true) {
      io.medledger.chain.Page<AccessGrant> p = ledger.grantsByPatient(patient, page);
      for (var h : p.items()) {
        Digest id = h.entry().id();
        if (h.entry().purpose() == io.medledger.access.Purpose.RESEARCH && proxy.holds(id.toHex())) {
          proxy.revoke(id.toHex());
          ledger.grant(id).ifPresent(this::takeFragment);
        }
      }
      if (p.nextCursor().isEmpty()) {
        return;
      }
      page = page.after(p.nextCursor().getAsLong());
    }
  }

  private void takeFragment(AccessGrant g) {
    try {
      List<EncryptedKeyFrag> frags = new ArrayList<>();
      for (ByteString b : g.keyFragments()) {
        frags.add(EncryptedKeyFrag.fromBytes(b.toByteArray()));
      }
      Optional<KeyCard> owner = directory.lookup(g.patient());
      Optional<KeyCard> grantee = directory.lookup(g.grantee());
      if (owner.isEmpty() || grantee.isEmpty()) {
        proxyProblem(g, "keys of the patient or grantee are not published");
        return;
      }
      // a research grant delegates from the patient's research key if it published one (the
      // ledger's publication in force first: a patient may add one to keys published without)
      PublicKey delegating = g.purpose() != io.medledger.access.Purpose.RESEARCH ? owner.get().encryptionKey()
          : ledger.publishedKeys(g.patient()).flatMap(io.medledger.chain.KeyPublication::researchPublicKey)
              .orElse(owner.get().deidentifiedKey());
      proxy.acceptGrant(g.id().toHex(), GrantKeyMaterial.of(g.threshold(), frags), owner.get().verifyingKey(),
          delegating, grantee.get().encryptionKey());
    } catch (EnvelopeException | IllegalArgumentException | MalformedEncodingException ex) {
      boolean research = g.purpose() == io.medledger.access.Purpose.RESEARCH
          && ledger.publishedKeys(g.patient()).flatMap(io.medledger.chain.KeyPublication::researchKey).isPresent();
      proxyProblem(g, research ? "research grant " + g.id() + " was not made from the research key " + g.patient()
          + " published (made before it added one?): it re-encrypts nothing; the patient must grant again ("
          + ex.getMessage() + ")" : String.valueOf(ex.getMessage()));
    }
  }

  private void proxyProblem(AccessGrant g, String problem) {
    proxyProblems.put(g.id(), problem);
    LOG.log(System.Logger.Level.WARNING, "proxy {0} could not take its fragment of grant {1}: {2}", id(), g.id(),
        problem);
  }

  /**
   * Wipes the key fragments a federation server's proxy holds (its Umbral key is the server
   * identity's and stays), then closes the ledger. Idempotent.
   */
  @Override
  public void close() {
    commitLock.lock();
    try {
      if (proxy != null) {
        proxy.revokeAll(); // the decrypted key fragments: wiped, not left to the garbage collector
      }
      ledger.close();
    } finally {
      commitLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "FederationServer[" + role.name().toLowerCase(java.util.Locale.ROOT) + " " + server.name() + " " + id() + "]";
  }
}
