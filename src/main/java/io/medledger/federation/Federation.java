package io.medledger.federation;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.Anchor;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryKind;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.InstitutionRemoval;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Membership;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.PatientRegistration;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordErasure;
import io.medledger.chain.RecordQuery;
import io.medledger.chain.ValidationResult;
import io.medledger.client.AuditorClient;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.ErasureReport;
import io.medledger.client.Identity;
import io.medledger.client.KeyDirectory;
import io.medledger.client.LedgerConnection;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.FileSafetyStore;
import io.medledger.consensus.InMemorySafetyStore;
import io.medledger.consensus.LedgerApp;
import io.medledger.consensus.ProtocolKind;
import io.medledger.crypto.Digest;
import io.medledger.pre.ProxyKey;
import io.medledger.storage.BlobStore;
import io.medledger.storage.FileBlobStore;
import io.medledger.storage.InMemoryBlobStore;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A whole sharing federation wired in one process from one builder: the institutions and their
 * classes, a {@link FederationServer} per server (class A institutions run federation servers, class B audit
 * servers, by the chain's server-class policy), the replicated storage nodes, the key directory,
 * the {@link Sequencer} that makes blocks final (a {@link ConsensusSequencer} running the
 * {@code rotating-audit} protocol by default), and the genesis block that registers them all.
 * It is the entry point for typed clients: {@link #registerPatient}, {@link #registerClinician},
 * {@link #registerResearcher}, {@link #auditor}, {@link #regulator}; governance removes an
 * institution with {@link #removeInstitution}.
 *
 * <p>In-memory by default (tests, demos); {@link Builder#dataDirectory(Path)} puts every node's
 * block store and consensus safety state, and every storage node, on disk.
 *
 * <p>Thread-safe: submissions are serialized by the sequencer, everything else is read from
 * thread-safe ledgers and stores.
 */
public final class Federation implements AutoCloseable {
  private final String protocol;
  private final ChainParameters params;
  private final CertificatePolicy policy;
  private final Clock clock;
  private final SecureRandom random;
  private final KeyDirectory directory = new KeyDirectory();
  private final Map<String, Identity> institutions = new LinkedHashMap<>();
  private final Map<String, Identity> regulators = new LinkedHashMap<>();
  /** The federation servers' identities, by id: they sign governance entries. */
  private final Map<ParticipantId, Identity> governors = new LinkedHashMap<>();
  private final List<FederationServer> nodes = new ArrayList<>();
  private final ReplicatedBlobStore storage;
  private final List<Identity> storageNodes = new ArrayList<>();
  private final Sequencer sequencer;
  private final int threshold;
  private final List<AnchorPoint> anchors = new CopyOnWriteArrayList<>();
  private final LedgerConnection connection = new InProcessConnection(this);

  /** A builder for a federation on the chain named {@code chainName} with default parameters. */
  public static Builder builder(String chainName) {
    return new Builder(ChainParameters.defaults(chainName));
  }

  /** A builder for a federation on a chain with {@code params}. */
  public static Builder builder(ChainParameters params) {
    return new Builder(params);
  }

  /**
   * Configures a federation. Defaults: no institutions (add at least one that may run a
   * federation server), three in-memory storage nodes with write quorum 2 operated by the first
   * institution, re-encryption threshold 2 (or 1 with a single federation server), the UTC
   * system clock, a {@link SecureRandom}. Not thread-safe.
   */
  public static final class Builder {
    private final ChainParameters params;
    private final Map<String, InstitutionClass> institutions = new LinkedHashMap<>();
    private final List<String> regulators = new ArrayList<>();
    private final List<BlobStore> storeOverrides = new ArrayList<>();
    private int storageCount = 3;
    private int writeQuorum = 2;
    private List<String> storageOperators = List.of();
    private Integer threshold;
    private Clock clock = Clock.systemUTC();
    private SecureRandom random = new SecureRandom();
    private Path dataDirectory;
    private String protocol = "rotating-audit";
    private ConsensusConfig consensusConfig = ConsensusConfig.defaults();

    private Builder(ChainParameters params) {
      this.params = Objects.requireNonNull(params, "params");
    }

    /** An institution of class {@code cls}; it runs the servers its class may operate. */
    public Builder institution(String name, InstitutionClass cls) {
      if (institutions.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(cls, "cls")) != null) {
        throw new IllegalArgumentException("institution " + name + " given twice");
      }
      return this;
    }

    /** A regulator admitted in genesis. */
    public Builder regulator(String name) {
      regulators.add(Objects.requireNonNull(name, "name"));
      return this;
    }

    /** {@code count} storage nodes operated by institution {@code operator}, with write quorum {@code w}. */
    public Builder storage(String operator, int count, int w) {
      this.storageOperators = List.of(Objects.requireNonNull(operator, "operator"));
      this.storageCount = count;
      this.writeQuorum = w;
      return this;
    }

    /**
     * One storage node per entry of {@code operators}, operated by the institution it names (a name
     * may repeat), with write quorum {@code w}; with {@link #storageStores} of another count, node
     * {@code i} is operated by {@code operators[i % size]}.
     */
    public Builder storage(List<String> operators, int w) {
      if (operators.isEmpty()) {
        throw new IllegalArgumentException("no storage operators");
      }
      this.storageOperators = List.copyOf(operators);
      this.storageCount = operators.size();
      this.writeQuorum = w;
      return this;
    }

    /** The blob stores of the storage nodes, in order (for fault injection or custom back ends). */
    public Builder storageStores(List<BlobStore> stores) {
      storeOverrides.clear();
      storeOverrides.addAll(stores);
      this.storageCount = stores.size();
      return this;
    }

    /** How many proxies (federation servers) must re-encrypt for a grantee to decrypt. */
    public Builder threshold(int t) {
      this.threshold = t;
      return this;
    }

    /** The clock for block, entry and grant times. */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** The randomness for keys (seed it only in tests). */
    public Builder random(SecureRandom r) {
      this.random = Objects.requireNonNull(r, "random");
      return this;
    }

    /**
     * Orders blocks with the consensus protocol {@code kind} ({@link ProtocolKind#ROTATING_AUDIT},
     * the default; {@link ProtocolKind#BFT}; {@link ProtocolKind#SOLO} for a federation of one
     * server) run on every node by a {@link ConsensusSequencer}.
     */
    public Builder consensus(ProtocolKind kind) {
      this.protocol = Objects.requireNonNull(kind, "kind").configName();
      return this;
    }

    /** The consensus timing and batching (used with {@link #consensus(ProtocolKind)}). */
    public Builder consensusConfig(ConsensusConfig c) {
      this.consensusConfig = Objects.requireNonNull(c, "config");
      return this;
    }

    /**
     * Orders blocks with the synchronous {@link RotatingAuditSequencer} instead of a consensus
     * protocol: the same rotation and audit quorum, driven by direct calls.
     */
    public Builder directSequencer() {
      this.protocol = null;
      return this;
    }

    /** Keep block stores and storage nodes in files under {@code dir} (one folder each). */
    public Builder dataDirectory(Path dir) {
      this.dataDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Creates keys for every institution and server, starts the nodes and commits the genesis block.
     *
     * @throws IllegalArgumentException if no institution may run a federation server, or the
     *     threshold or storage settings are out of range
     */
    public Federation build() {
      return new Federation(this);
    }
  }

  private Federation(Builder b) {
    this.protocol = b.protocol;
    this.params = b.params;
    this.policy = protocol == null ? CertificatePolicy.auditQuorum() : LedgerApp.certificatePolicy(protocol);
    VirtualClock virtual = protocol == null ? null : new VirtualClock(b.clock);
    this.clock = protocol == null ? b.clock : virtual;
    this.random = b.random;
    List<Entry> genesis = new ArrayList<>();
    List<FederationServer.Builder> nodeBuilders = new ArrayList<>();
    int nodeIndex = 0;
    for (Map.Entry<String, InstitutionClass> e : b.institutions.entrySet()) {
      Identity inst = Identity.generate(ParticipantKind.INSTITUTION, e.getKey(), random);
      institutions.put(e.getKey(), inst);
      directory.publish(inst.card());
      genesis.add(sign(new InstitutionRegistration(inst.publicKey(), e.getKey(), e.getValue(), now(), List.of()), inst));
      for (ParticipantKind role : List.of(ParticipantKind.FEDERATION_SERVER, ParticipantKind.AUDIT_SERVER)) {
        if (params.mayOperate(role, e.getValue())) {
          String label = role == ParticipantKind.FEDERATION_SERVER ? "federation server" : "audit server";
          Identity server = Identity.generate(role, e.getKey() + " " + label, random);
          directory.publish(server.card());
          if (role == ParticipantKind.FEDERATION_SERVER) {
            governors.put(server.id(), server);
          }
          genesis.add(sign(new MembershipChange(MembershipChange.Operation.ADD, role, server.publicKey(),
              Optional.of(inst.id()), now(), List.of()), server));
          FederationServer.Builder nb = FederationServer.builder(params, server).clock(clock).directory(directory).certificatePolicy(policy)
              .role(role == ParticipantKind.FEDERATION_SERVER ? NodeRole.FEDERATION : NodeRole.AUDIT);
          if (b.dataDirectory != null) {
            nb.dataDirectory(b.dataDirectory.resolve("node-" + nodeIndex));
          }
          nodeIndex++;
          nodeBuilders.add(nb);
        }
      }
    }
    for (String r : b.regulators) {
      Identity reg = Identity.generate(ParticipantKind.REGULATOR, r, random);
      regulators.put(r, reg);
      directory.publish(reg.card());
      genesis.add(sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, reg.publicKey(),
          Optional.empty(), now(), List.of()), reg));
    }
    if (institutions.isEmpty()) {
      throw new IllegalArgumentException("a federation needs institutions");
    }
    List<StorageNode> sn = new ArrayList<>();
    for (int i = 0; i < b.storageCount; i++) {
      String opName = b.storageOperators.isEmpty() ? null : b.storageOperators.get(i % b.storageOperators.size());
      Identity operator = opName == null ? institutions.values().iterator().next()
          : Optional.ofNullable(institutions.get(opName))
              .orElseThrow(() -> new IllegalArgumentException("unknown storage operator " + opName));
      Identity s = Identity.generate(ParticipantKind.STORAGE_NODE, operator.name() + " storage " + (i + 1), random);
      storageNodes.add(s);
      genesis.add(sign(new AffiliateRegistration(s.publicKey(), ParticipantKind.STORAGE_NODE, operator.id(), now(),
          List.of()), operator, s));
      BlobStore store = i < b.storeOverrides.size() ? b.storeOverrides.get(i)
          : b.dataDirectory != null ? FileBlobStore.open(b.dataDirectory.resolve("storage-" + i)) : new InMemoryBlobStore();
      sn.add(new StorageNode(s.id().toHex(), store));
    }
    this.storage = new ReplicatedBlobStore(sn, b.writeQuorum);
    for (FederationServer.Builder nb : nodeBuilders) {
      nodes.add(nb.build());
    }
    List<FederationServer> fed = federationNodes();
    if (fed.isEmpty()) {
      throw new IllegalArgumentException("no institution may run a federation server under the chain's class policy");
    }
    int t = b.threshold != null ? b.threshold : Math.min(2, fed.size());
    if (t < 1 || t > fed.size()) {
      throw new IllegalArgumentException("threshold must be between 1 and " + fed.size());
    }
    this.threshold = t;
    if ("solo".equals(protocol) && nodes.size() != 1) {
      throw new IllegalArgumentException("the solo protocol runs a single server; this federation has " + nodes.size());
    }
    this.sequencer = protocol == null ? new RotatingAuditSequencer(nodes, clock)
        : new ConsensusSequencer(protocol, nodes, virtual, b.consensusConfig, random.nextLong(),
            n -> b.dataDirectory == null ? new InMemorySafetyStore()
                : new FileSafetyStore(b.dataDirectory.resolve("node-" + nodes.indexOf(n)).resolve("consensus-safety"),
                    b.consensusConfig));
    if (fed.get(0).ledger().height() < 0) {
      commitGenesis(fed.get(0), genesis);
    }
  }

  private void commitGenesis(FederationServer bookkeeper, List<Entry> genesis) {
    ValidationResult<BlockCandidate> c = bookkeeper.propose(0, now(), genesis);
    if (!c.isAccepted() || !c.value().rejected().isEmpty()) {
      throw new IllegalStateException("genesis does not validate: " + (c.isAccepted()
          ? c.value().rejected().get(0).reason() : c.reason()));
    }
    CertifiedBlock g = new CertifiedBlock(c.value().block().block(), Certificate.EMPTY);
    for (FederationServer n : nodes) {
      n.commit(g).value();
    }
  }

  // ------------------------------------------------------------------ parts

  /** The chain parameters. */
  public ChainParameters parameters() {
    return params;
  }

  /** The rule every node checks block certificates with. */
  public CertificatePolicy certificatePolicy() {
    return policy;
  }

  /** The consensus protocol's name, or {@code direct} for the {@link RotatingAuditSequencer}. */
  public String consensusName() {
    return protocol == null ? "direct" : protocol;
  }

  /** The clock. */
  public Clock clock() {
    return clock;
  }

  /** Every node (federation and audit servers). */
  public List<FederationServer> nodes() {
    return List.copyOf(nodes);
  }

  /** The federation servers' nodes, in admission order. */
  public List<FederationServer> federationNodes() {
    return nodes.stream().filter(n -> n.role() == NodeRole.FEDERATION).toList();
  }

  /** The audit servers' nodes. */
  public List<FederationServer> auditNodes() {
    return nodes.stream().filter(n -> n.role() == NodeRole.AUDIT).toList();
  }

  /** The sequencer that makes blocks final. */
  public Sequencer sequencer() {
    return sequencer;
  }

  /**
   * The replicated payload store, with every storage node the ledger no longer lists as active
   * (its institution removed, or itself removed) retired first: nothing is placed on, read from or
   * counted on such a node ({@link ReplicatedBlobStore#retire}).
   */
  public ReplicatedBlobStore storage() {
    Ledger ledger = reader().ledger();
    for (Identity s : storageNodes) {
      if (ledger.participant(s.id()).filter(Participant::active).isEmpty()) {
        storage.retire(s.id().toHex());
      }
    }
    return storage;
  }

  /** The storage nodes' ledger ids, in configuration order. */
  public List<ParticipantId> storageNodeIds() {
    return storageNodes.stream().map(Identity::id).toList();
  }

  /**
   * The connection clients use to reach this federation: pass it to {@code PatientClient.open}
   * and the other clients' {@code open} to reopen a participant from its keys.
   */
  public LedgerConnection connection() {
    return connection;
  }

  /** The key directory. */
  public KeyDirectory directory() {
    return directory;
  }

  /** The re-encryption threshold. */
  public int threshold() {
    return threshold;
  }

  /** An institution's ledger id. @throws IllegalArgumentException if unknown */
  public ParticipantId institutionId(String name) {
    return institution(name).id();
  }

  Identity institution(String name) {
    Identity i = institutions.get(name);
    if (i == null) {
      throw new IllegalArgumentException("unknown institution " + name);
    }
    return i;
  }

  /** The confirmed anchors, oldest first. */
  public List<AnchorPoint> anchors() {
    return List.copyOf(anchors);
  }

  /** An online node with the highest chain (the one clients read from). */
  public FederationServer reader() {
    FederationServer best = null;
    for (FederationServer n : nodes) {
      if (n.isOnline() && (best == null || n.ledger().height() > best.ledger().height())) {
        best = n;
      }
    }
    if (best == null) {
      throw new IllegalStateException("every node is offline");
    }
    return best;
  }

  // ------------------------------------------------------------------ onboarding

  /**
   * Creates a patient's keys, registers its pseudonym on the ledger, countersigned by the first
   * institution of the builder still active on the ledger as registrar, and publishes its keys.
   *
   * @throws EntryRejectedException if no institution of the builder is active
   */
  public PatientClient registerPatient(String name) {
    return registerPatient(Identity.generate(ParticipantKind.PATIENT, name, random));
  }

  /**
   * Registers a patient whose keys the caller manages (signed by the patient, countersigned by the
   * first institution of the builder still active on the ledger as registrar; the keys are
   * published in the directory) and returns its client.
   *
   * @throws EntryRejectedException if the key is already registered, or no institution of the
   *     builder is active (all removed by governance)
   */
  public PatientClient registerPatient(Identity patient) {
    Identity registrar = institutions.values().stream()
        .filter(i -> reader().ledger().participant(i.id()).filter(Participant::active).isPresent()).findFirst()
        .orElseThrow(() -> new EntryRejectedException(EntryKind.PATIENT_REGISTRATION.label()
            + " refused before it was sent: no institution of this federation is active to countersign it"));
    return registerPatient(patient, registrar);
  }

  /**
   * Registers a patient whose keys the caller manages, countersigned by {@code registrar} (an
   * active institution, or an active clinician of one, whose keys the caller holds).
   *
   * @throws EntryRejectedException if the key is already registered, or the registrar is not an
   *     active institution or clinician
   */
  public PatientClient registerPatient(Identity patient, Identity registrar) {
    requireKind(patient, ParticipantKind.PATIENT);
    return PatientClient.register(connection, patient, registrar);
  }

  /** Creates a clinician under {@code institution} (signed by both) and returns its client. */
  public ClinicianClient registerClinician(String name, String institution) {
    return registerClinician(Identity.generate(ParticipantKind.CLINICIAN, name, random), institution);
  }

  /** Registers a clinician whose keys the caller manages under {@code institution}. */
  public ClinicianClient registerClinician(Identity clinician, String institution) {
    registerAffiliate(clinician, ParticipantKind.CLINICIAN, institution);
    return ClinicianClient.open(connection, clinician);
  }

  /** Creates a researcher under {@code institution} and returns its client. */
  public ResearcherClient registerResearcher(String name, String institution) {
    return registerResearcher(Identity.generate(ParticipantKind.RESEARCHER, name, random), institution);
  }

  /** Registers a researcher whose keys the caller manages under {@code institution}. */
  public ResearcherClient registerResearcher(Identity researcher, String institution) {
    registerAffiliate(researcher, ParticipantKind.RESEARCHER, institution);
    return ResearcherClient.open(connection, researcher);
  }

  /** Publishes {@code affiliate}'s key card and registers it under {@code institution}, signed by both. */
  private void registerAffiliate(Identity affiliate, ParticipantKind kind, String institution) {
    requireKind(affiliate, kind);
    Identity inst = activeInstitution(institution, EntryKind.AFFILIATE_REGISTRATION);
    directory.publish(affiliate.card());
    submitOrThrow(sign(new AffiliateRegistration(affiliate.publicKey(), kind, inst.id(), now(), List.of()), inst,
        affiliate));
  }

  // ------------------------------------------------------------------ governance

  /**
   * Governance removes institution {@code name} (it misbehaved, or its key was stolen): an
   * {@link InstitutionRemoval} signed by a quorum of the federation servers serving now, committed
   * on return. From its block on the institution, its clinicians, researchers and storage nodes
   * authorize nothing, no one acts under a grant naming it, and its key is never registered again.
   * An institution that still operates a listed server is refused: its servers go first.
   *
   * @throws IllegalArgumentException if the institution is unknown
   * @throws EntryRejectedException if it is not active (already removed) or still operates a listed
   *     federation or audit server, checked here before anything is signed, or if the ledger refuses
   */
  public void removeInstitution(String name) {
    Identity inst = activeInstitution(name, EntryKind.INSTITUTION_REMOVAL);
    Membership m = reader().ledger().membership();
    List<Participant> servers = new ArrayList<>(m.federationServers());
    servers.addAll(m.auditServers());
    servers.addAll(m.suspended());
    for (Participant s : servers) {
      if (s.affiliation().filter(inst.id()::equals).isPresent()) {
        throw new EntryRejectedException(EntryKind.INSTITUTION_REMOVAL.label() + " refused before it was sent: " + name
            + " still operates the listed "
            + s.kind().label() + " " + s.id() + "; governance removes its servers first");
      }
    }
    Identity[] quorum = m.federationServers().stream().map(p -> governors.get(p.id())).filter(Objects::nonNull)
        .limit(m.governanceQuorum()).toArray(Identity[]::new);
    submitOrThrow(sign(new InstitutionRemoval(inst.id(), now(), List.of()), quorum));
    storage(); // its storage nodes are retired at once; rebalanceStorage restores the copies they held
  }

  /** Institution {@code name}, if the ledger lists it as active. @throws EntryRejectedException if not */
  private Identity activeInstitution(String name, EntryKind refusing) {
    Identity inst = institution(name);
    if (reader().ledger().participant(inst.id()).filter(Participant::active).isEmpty()) {
      throw new EntryRejectedException(refusing.label() + " refused before it was sent: " + name
          + " is not an active institution");
    }
    return inst;
  }

  private static void requireKind(Identity id, ParticipantKind kind) {
    if (id.kind() != kind) {
      throw new IllegalArgumentException("expected a " + kind.label() + " identity, got " + id.kind().label());
    }
  }

  /**
   * An external auditor's client. Auditing needs no registration on the ledger: it verifies and
   * reads pseudonymous metadata, never payloads. The auditor gets a local identity only.
   */
  public AuditorClient auditor(String name) {
    return AuditorClient.open(connection, Identity.generate(ParticipantKind.AUDIT_SERVER, name, random));
  }

  /** The client of regulator {@code name} (admitted in genesis): an auditor that may also order erasure. */
  public AuditorClient regulator(String name) {
    Identity r = regulators.get(name);
    if (r == null) {
      throw new IllegalArgumentException("unknown regulator " + name);
    }
    return AuditorClient.open(connection, r);
  }

  // ------------------------------------------------------------------ submission

  /** Submits entries to the sequencer and returns the outcome. */
  public Sequencer.Outcome submit(List<Entry> entries) {
    return sequencer.submit(entries);
  }

  /** Submits one entry and returns its block. @throws EntryRejectedException with the rule that refused it */
  CertifiedBlock submitOrThrow(Entry e) {
    ValidationResult<Entry> admitted = reader().admit(e);
    if (!admitted.isAccepted()) {
      throw new EntryRejectedException(e.kind().name().toLowerCase(java.util.Locale.ROOT) + " refused: "
          + admitted.reason());
    }
    Sequencer.Outcome o = sequencer.submit(List.of(e));
    if (!o.rejected().isEmpty()) {
      throw new EntryRejectedException(e.kind().name().toLowerCase(java.util.Locale.ROOT) + " refused: "
          + o.rejected().get(0).reason());
    }
    return o.blocks().get(o.blocks().size() - 1);
  }

  long now() {
    return clock.millis();
  }

  <E extends Entry> E sign(E e, Identity... signers) {
    return Entry.sign(e, params.chainId(),
        java.util.Arrays.stream(signers).map(Identity::secretSigningKey).toArray(io.medledger.crypto.Ed25519PrivateKey[]::new));
  }

  List<ProxyKey> proxyKeys() {
    return federationNodes().stream().map(n -> n.proxyKey().orElseThrow()).toList();
  }

  // ------------------------------------------------------------------ shared read logic

  /** The complete anchor receipt of entry {@code entryId} at ledger index {@code ledgerIndex}, once an anchor covers it. */
  Optional<AnchorReceipt> receipt(Digest entryId, long ledgerIndex) {
    for (AnchorPoint a : anchors) {
      if (a.commitment().logSize() > ledgerIndex) {
        return LedgerAnchors.pendingReceipt(reader().ledger(), entryId, a.commitment().height())
            .map(r -> r.complete(a.bitcoin()));
      }
    }
    return Optional.empty();
  }

  private List<QueryHit<AccessGrant>> allGrants(ParticipantId patient) {
    List<QueryHit<AccessGrant>> out = new ArrayList<>();
    PageRequest p = PageRequest.first(PageRequest.MAX_LIMIT);
    while (true) {
      Page<AccessGrant> page = reader().ledger().grantsByPatient(patient, p);
      out.addAll(page.items());
      if (page.nextCursor().isEmpty()) {
        return out;
      }
      p = p.after(page.nextCursor().getAsLong());
    }
  }

  // ------------------------------------------------------------------ anchoring and erasure

  /**
   * Anchors the ledger at its tip: commits to the ledger-wide log, has {@code bitcoin} carry the
   * commitment in a confirmed transaction, and records an {@link Anchor} entry signed by a
   * federation server. From then on, query results up to that point carry complete receipts.
   */
  public AnchorPoint anchor(RegtestChain bitcoin) {
    FederationServer r = reader();
    BlockHeader tip = r.ledger().tip().orElseThrow();
    AnchorCommitment c = LedgerAnchors.commitment(tip);
    RegtestChain.Confirmation conf = bitcoin.confirm(c);
    FederationServer submitter = federationNodes().stream().filter(FederationServer::isOnline).findFirst()
        .orElseThrow(() -> new IllegalStateException("no federation server online"));
    long from = anchors.isEmpty() ? 0 : anchors.get(anchors.size() - 1).commitment().height() + 1;
    Anchor entry = submitter.signAnchor(new Anchor(submitter.id(), conf.txid(), c.digest(), Math.min(from, tip.height()),
        tip.height(), now(), List.of()));
    submitOrThrow(entry);
    AnchorPoint point = new AnchorPoint(c, conf.txid(), conf.bitcoin(), entry.id());
    anchors.add(point);
    return point;
  }

  /**
   * Anti-entropy: re-replicates every record payload on the ledger to the storage nodes that
   * lack it or hold a corrupt copy (run it after a node comes back). Returns how many copies
   * were rewritten.
   *
   * @throws io.medledger.storage.InsufficientReplicasException if some payload has no verified
   *     copy left anywhere
   */
  public int repairStorage() {
    int repaired = 0;
    PageRequest p = PageRequest.first(PageRequest.MAX_LIMIT);
    while (true) {
      Page<MedicalRecord> page = reader().ledger().records(RecordQuery.all(), p);
      for (QueryHit<MedicalRecord> h : page.items()) {
        MedicalRecord m = h.entry();
        if (!m.storageNodes().isEmpty() && !reader().ledger().isErased(m.id())) {
          repaired += storage().repair(m.payloadDigest()).repaired().size();
          if (m.deidentified().isPresent()) {
            repaired += storage().repair(m.deidentified().get().payloadDigest()).repaired().size();
          }
        }
      }
      if (page.nextCursor().isEmpty()) {
        return repaired;
      }
      p = p.after(page.nextCursor().getAsLong());
    }
  }

  /**
   * What one {@link #rebalanceStorage} run did.
   *
   * @param report the copies made, the payloads still short, lost or deferred
   * @param resumeAfter the ledger index of the last record this run looked at when it stopped at
   *     its payload bound (pass it to the next run), empty when it walked the whole ledger
   */
  public record StorageRebalance(ReplicatedBlobStore.RebalanceReport report, java.util.OptionalLong resumeAfter) {
    /** Validates the fields. */
    public StorageRebalance {
      Objects.requireNonNull(report, "report");
      Objects.requireNonNull(resumeAfter, "resumeAfter");
    }
  }

  /**
   * Restores the replication factor (the write quorum {@code w}) on active storage nodes after
   * storage nodes left (their institution removed, or themselves removed): walks the ledger's
   * records after ledger index {@code after} (-1 from the start) and, for each record not erased
   * that lists a retired node, brings its payload and its de-identified copy back to {@code w}
   * verified copies on active nodes ({@link ReplicatedBlobStore#rebalance}). A run looks at the
   * payloads of at most {@code maxPayloads} records and copies at most {@code maxBytes} bytes; run
   * it again from {@link StorageRebalance#resumeAfter} (or from the start, for what it deferred).
   *
   * @throws IllegalArgumentException if {@code maxPayloads} is not in [2,
   *     {@link ReplicatedBlobStore#MAX_REBALANCE_PAYLOADS}] or {@code maxBytes} is not positive
   */
  public StorageRebalance rebalanceStorage(long after, int maxPayloads, long maxBytes) {
    if (maxPayloads < 2 || maxPayloads > ReplicatedBlobStore.MAX_REBALANCE_PAYLOADS) {
      throw new IllegalArgumentException("maxPayloads must be between 2 and "
          + ReplicatedBlobStore.MAX_REBALANCE_PAYLOADS);
    }
    ReplicatedBlobStore store = storage();
    java.util.Set<String> retired = store.retired();
    List<ReplicatedBlobStore.Listed> listed = new ArrayList<>();
    Ledger ledger = reader().ledger();
    PageRequest p = PageRequest.first(PageRequest.MAX_LIMIT).after(Math.max(-1, after));
    java.util.OptionalLong resume = java.util.OptionalLong.empty();
    walk:
    while (!retired.isEmpty()) {
      Page<MedicalRecord> page = ledger.records(RecordQuery.all(), p);
      for (QueryHit<MedicalRecord> h : page.items()) {
        MedicalRecord m = h.entry();
        List<String> on = m.storageNodes().stream().map(ParticipantId::toHex).toList();
        if (on.stream().noneMatch(retired::contains) || ledger.isErased(m.id())) {
          continue;
        }
        if (listed.size() + 2 > maxPayloads) {
          break walk;
        }
        listed.add(new ReplicatedBlobStore.Listed(m.payloadDigest(), m.payloadSize(), on));
        m.deidentified().ifPresent(d -> listed.add(new ReplicatedBlobStore.Listed(d.payloadDigest(), d.payloadSize(), on)));
        resume = java.util.OptionalLong.of(h.ledgerIndex());
      }
      if (page.nextCursor().isEmpty()) {
        resume = java.util.OptionalLong.empty();
        break;
      }
      p = p.after(page.nextCursor().getAsLong());
    }
    return new StorageRebalance(store.rebalance(listed, store.writeQuorum(), maxBytes), resume);
  }

  /** The ids of the patient's grants whose scope is exactly record {@code rec}. */
  private List<Digest> grantsScopedTo(MedicalRecord rec) {
    List<Digest> out = new ArrayList<>();
    for (QueryHit<AccessGrant> h : allGrants(rec.patient())) {
      AccessGrant g = h.entry();
      if (g.scope().kind() == AccessScope.Kind.RECORDS && g.scope().records().equals(List.of(rec.id()))) {
        out.add(g.id());
      }
    }
    return out;
  }

  /**
   * Finishes an erasure that is final on the ledger: deletes the copies still held by storage
   * nodes (those unreachable the first time) and makes the proxies drop their fragments of the
   * grants scoped to the record again. It works from the ledger alone, so it also works after a
   * restart or for an erasure ordered through another federation process. The report lists what
   * this pass deleted and which nodes are still unreachable.
   *
   * @throws IllegalArgumentException if no final {@link RecordErasure} names {@code record}
   */
  public ErasureReport retryErasure(Digest record) {
    Optional<Entry> e = reader().entry(record);
    if (e.isEmpty() || !(e.get() instanceof MedicalRecord rec) || !reader().ledger().isErased(rec.id())) {
      throw new IllegalArgumentException("no final erasure of record " + record + " on the ledger");
    }
    RecordErasure erasure = erasureOf(rec);
    List<Digest> scoped = grantsScopedTo(rec);
    ReplicatedBlobStore.DeletionReport sr = storage().erase(rec.payloadDigest(), rec.id());
    java.util.Set<String> unreachable = new java.util.LinkedHashSet<>(sr.unreachable());
    List<io.medledger.storage.StorageReceipt> receipts = new java.util.ArrayList<>(sr.receipts().values());
    rec.deidentified().ifPresent(d -> {
      ReplicatedBlobStore.DeletionReport dr = storage().erase(d.payloadDigest(), rec.id());
      unreachable.addAll(dr.unreachable());
      receipts.addAll(dr.receipts().values());
    });
    nodes.forEach(n -> n.destroyFragments(scoped));
    return new ErasureReport(rec.id(), rec.payloadDigest(), erasure.requestedBy(), erasure.id(), sr.deleted(),
        List.copyOf(unreachable), scoped, receipts);
  }

  /** The final erasure entry of {@code rec}, from the patient's verified history. */
  private RecordErasure erasureOf(MedicalRecord rec) {
    Ledger ledger = reader().ledger();
    PatientHistoryProof proof = ledger.patientHistory(rec.patient());
    ValidationResult<List<Entry>> history = proof.verify(ledger.header(proof.height()));
    if (!history.isAccepted()) {
      throw new IllegalStateException("the history of patient " + rec.patient() + " does not verify: "
          + history.reason());
    }
    for (Entry h : history.value()) {
      if (h instanceof RecordErasure x && x.record().equals(rec.id())) {
        return x;
      }
    }
    throw new IllegalStateException("record " + rec.id()
        + " is marked erased but its patient's history holds no erasure");
  }

  @Override
  public void close() {
    nodes.forEach(FederationServer::close);
  }

  @Override
  public String toString() {
    return "Federation[" + institutions.size() + " institutions, " + nodes.size() + " nodes, height "
        + reader().ledger().height() + "]";
  }
}
