package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.consensus.StatementBytes;
import io.medledger.storage.BlockStore;
import io.medledger.storage.InMemoryBlockStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A ready-made chain for tests: deterministic keys by name, a genesis block with institutions of
 * classes A, B and C, federation servers (run by class A), audit servers (run by class B) and a
 * storage node, and one-line builders for the usual entries. Reusable by the consensus and
 * facade tests.
 *
 * <p>Typical use:
 * <pre>{@code
 * ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
 * Actor alice = f.actor("alice");
 * f.commit(f.registerPatient(alice));
 * Actor doc = f.actor("dr-who");
 * f.commit(f.registerClinician(doc, f.hospitalA));
 * AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
 * f.commit(g);
 * f.commit(f.record(doc, alice, f.hospitalA, "Observation", "payload"));
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class ChainFixture {
  /** A named participant with its deterministic key. */
  public record Actor(String name, Ed25519PrivateKey key) {
    /** The participant id (a patient's pseudonym). */
    public ParticipantId id() {
      return ParticipantId.of(key.publicKey());
    }

    /** The public key. */
    public Ed25519PublicKey publicKey() {
      return key.publicKey();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Start of the test clock: 2026-01-01T00:00:00Z. */
  public static final long START = 1_767_225_600_000L;

  public final ChainParameters params;
  public final MutableClock clock;
  public final Ledger ledger;
  public final BlockStore store;
  public final Actor hospitalA;
  public final Actor hospitalB;
  public final Actor clinic;
  public final Actor storageNode;
  public final List<Actor> federation;
  public final List<Actor> auditors;

  /** Options for the fixture. */
  public static final class Builder {
    private int federationServers = 1;
    private int auditServers = 1;
    private boolean parallel = true;
    private BlockStore store;
    private String chainName = "medledger-test";
    private boolean genesis = true;
    private int maxBlockEntries = 10_000;
    private long registrarsFrom;
    private long reusedKeysFrom;
    // as many as a block may hold: fixture blocks register many patients through one registrar
    private int registrationsPerRegistrar = Limits.MAX_BLOCK_ENTRIES;
    private long registrationBoundFrom;
    private io.medledger.merkle.LeafHashLog log;
    private io.medledger.storage.StateStore state;
    private int maxScannedPerPage = Ledger.MAX_SCANNED_PER_PAGE;

    /** The bound on index entries one page of a query examines. */
    public Builder maxScannedPerPage(int n) {
      this.maxScannedPerPage = n;
      return this;
    }

    /** The state store (default in memory). */
    public Builder state(io.medledger.storage.StateStore s) {
      this.state = s;
      return this;
    }

    /** The chain's per-block entry limit. */
    public Builder maxBlockEntries(int n) {
      this.maxBlockEntries = n;
      return this;
    }

    /** Number of federation servers in genesis (at least 1). */
    public Builder federationServers(int n) {
      this.federationServers = n;
      return this;
    }

    /** Number of audit servers in genesis. */
    public Builder auditServers(int n) {
      this.auditServers = n;
      return this;
    }

    /** Parallel signature verification. */
    public Builder parallel(boolean p) {
      this.parallel = p;
      return this;
    }

    /** The block store (default in memory). */
    public Builder store(BlockStore s) {
      this.store = s;
      return this;
    }

    /** The chain name. */
    /** The chain's {@link ChainParameters#registrarsFrom()} (default 0). */
    public Builder registrarsFrom(long height) {
      this.registrarsFrom = height;
      return this;
    }

    /** The chain's {@link ChainParameters#reusedKeysFrom()} (default 0). */
    public Builder reusedKeysFrom(long height) {
      this.reusedKeysFrom = height;
      return this;
    }

    /**
     * The chain's per-registrar bound on registrations per block and the height it binds from
     * (default {@link Limits#MAX_BLOCK_ENTRIES} from 0, so that a fixture block may hold many
     * registrations of one registrar; the chain's own default is 64).
     */
    public Builder registrationBound(int perBlock, long fromHeight) {
      this.registrationsPerRegistrar = perBlock;
      this.registrationBoundFrom = fromHeight;
      return this;
    }

    public Builder chainName(String n) {
      this.chainName = n;
      return this;
    }

    /** Whether to commit the genesis block (default true). */
    public Builder genesis(boolean g) {
      this.genesis = g;
      return this;
    }

    /** The ledger-wide log (default in memory). */
    public Builder log(io.medledger.merkle.LeafHashLog l) {
      this.log = l;
      return this;
    }

    /** Builds the fixture. */
    public ChainFixture build() {
      return new ChainFixture(this);
    }
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** One federation server, one audit server, genesis committed. */
  public static ChainFixture create() {
    return builder().build();
  }

  private ChainFixture(Builder b) {
    this.params = ChainParameters.defaults(b.chainName).withMaxBlockEntries(b.maxBlockEntries)
        .withRegistrarsFrom(b.registrarsFrom).withReusedKeysFrom(b.reusedKeysFrom)
        .withRegistrationBound(b.registrationsPerRegistrar, b.registrationBoundFrom);
    this.clock = new MutableClock(START);
    this.store = b.store != null ? b.store : new InMemoryBlockStore();
    this.hospitalA = actor("hospital-a");
    this.hospitalB = actor("hospital-b");
    this.clinic = actor("clinic-c");
    this.storageNode = actor("storage-1");
    List<Actor> fed = new ArrayList<>();
    for (int i = 0; i < b.federationServers; i++) {
      fed.add(actor("federation-" + i));
    }
    List<Actor> aud = new ArrayList<>();
    for (int i = 0; i < b.auditServers; i++) {
      aud.add(actor("audit-" + i));
    }
    this.federation = List.copyOf(fed);
    this.auditors = List.copyOf(aud);
    Ledger.Builder lb = Ledger.builder(params).store(store).clock(clock).parallelVerification(b.parallel)
        .certificatePolicy(CertificatePolicy.auditQuorum()).maxScannedPerPage(b.maxScannedPerPage);
    if (b.log != null) {
      lb.log(b.log);
    }
    if (b.state != null) {
      lb.state(b.state);
    }
    this.ledger = lb.open();
    if (b.genesis && ledger.height() < 0) {
      commit(genesisEntries());
    }
  }

  /** The entries of the default genesis block. */
  public List<Entry> genesisEntries() {
    List<Entry> g = new ArrayList<>();
    g.add(registerInstitution(hospitalA, "Hospital A", InstitutionClass.A));
    g.add(registerInstitution(hospitalB, "Hospital B", InstitutionClass.B));
    g.add(registerInstitution(clinic, "Clinic C", InstitutionClass.C));
    for (Actor f : federation) {
      g.add(sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER, f.publicKey(),
          Optional.of(hospitalA.id()), now(), List.of()), f));
    }
    for (Actor a : auditors) {
      g.add(sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, a.publicKey(),
          Optional.of(hospitalB.id()), now(), List.of()), a));
    }
    g.add(registerAffiliate(storageNode, clinic, ParticipantKind.STORAGE_NODE));
    return g;
  }

  /** The actor with a key derived from {@code name}. */
  public Actor actor(String name) {
    byte[] seed = Sha256.hash(("medledger-test-key:" + name).getBytes(StandardCharsets.UTF_8)).toByteArray();
    return new Actor(name, Ed25519PrivateKey.fromSeed(seed));
  }

  /** The clock's time. */
  public long now() {
    return clock.millis();
  }

  /** Signs {@code e} for this chain with the actors' keys. */
  public <E extends Entry> E sign(E e, Actor... signers) {
    return Entry.sign(e, params.chainId(), Arrays.stream(signers).map(Actor::key).toArray(Ed25519PrivateKey[]::new));
  }

  /** The first {@code n} federation servers (a governance quorum when n is large enough). */
  public Actor[] federationQuorum() {
    int need = Membership.quorum(ledger.membership().federationServers().size());
    return federation.subList(0, need).toArray(Actor[]::new);
  }

  // ---------------------------------------------------------------- entry builders

  /** A patient registration signed by the patient and by Hospital A as its registrar. */
  public PatientRegistration registerPatient(Actor patient) {
    return registerPatient(patient, hospitalA);
  }

  /** A patient registration signed by the patient and by {@code registrar}. */
  public PatientRegistration registerPatient(Actor patient, Actor registrar) {
    return sign(new PatientRegistration(patient.publicKey(), now(), List.of()), patient, registrar);
  }

  /** An institution registration signed by it and (after genesis) a federation quorum. */
  public InstitutionRegistration registerInstitution(Actor inst, String name, InstitutionClass cls) {
    InstitutionRegistration r = new InstitutionRegistration(inst.publicKey(), name, cls, now(), List.of());
    if (ledger == null || ledger.height() < 0) {
      return sign(r, inst);
    }
    List<Actor> s = new ArrayList<>(List.of(federationQuorum()));
    s.add(inst);
    return sign(r, s.toArray(Actor[]::new));
  }

  /** A clinician registered under {@code institution}. */
  public AffiliateRegistration registerClinician(Actor clinician, Actor institution) {
    return registerAffiliate(clinician, institution, ParticipantKind.CLINICIAN);
  }

  /** A clinician, researcher or storage node registered under {@code institution}. */
  public AffiliateRegistration registerAffiliate(Actor member, Actor institution, ParticipantKind role) {
    return sign(new AffiliateRegistration(member.publicKey(), role, institution.id(), now(), List.of()), institution,
        member);
  }

  /** The erasure of {@code record}'s payload, requested by {@code requester} (the patient or a regulator). */
  public RecordErasure erase(Actor requester, MedicalRecord record) {
    return sign(new RecordErasure(record.patient(), record.id(), requester.id(), now(), List.of()), requester);
  }

  /** The institution's removal of one of its members. */
  public AffiliateRemoval removeAffiliate(Actor member, Actor institution) {
    return sign(new AffiliateRemoval(member.id(), institution.id(), now(), List.of()), institution);
  }

  /** A grant without proxies, valid from now for {@code validity}. */
  public AccessGrant grant(Actor patient, Actor grantee, Purpose purpose, AccessScope scope, Duration validity) {
    return sign(new AccessGrant(patient.id(), grantee.id(), scope, purpose, now(), now() + validity.toMillis(),
        List.of(), 0, List.of(), now(), List.of()), patient);
  }

  /** A one-year grant without proxies. */
  public AccessGrant grant(Actor patient, Actor grantee, Purpose purpose, AccessScope scope) {
    return grant(patient, grantee, purpose, scope, Duration.ofDays(365));
  }

  /** A one-year grant re-encrypted by the given federation proxies with a threshold. */
  public AccessGrant grantWithProxies(Actor patient, Actor grantee, Purpose purpose, AccessScope scope,
      List<Actor> proxies, int threshold) {
    List<ByteString> frags = new ArrayList<>();
    for (Actor p : proxies) {
      frags.add(ByteString.of(Sha256.hash((patient.name() + "->" + p.name()).getBytes(StandardCharsets.UTF_8))
          .toByteArray()));
    }
    return sign(new AccessGrant(patient.id(), grantee.id(), scope, purpose, now(), now() + Duration.ofDays(365).toMillis(),
        proxies.stream().map(Actor::id).toList(), threshold, frags, now(), List.of()), patient);
  }

  /** The patient's revocation of {@code grant}. */
  public AccessRevocation revoke(Actor patient, AccessGrant grant) {
    return sign(new AccessRevocation(patient.id(), grant.id(), now(), List.of()), patient);
  }

  /**
   * {@code count} records of {@code patient}, authored by the patient, each carrying
   * {@code metadataBytes} of random encryption metadata from {@code random} (chains long in bytes,
   * for memory tests); {@code block} tells their payloads apart from other blocks'.
   */
  public List<Entry> largeRecords(Actor patient, java.util.SplittableRandom random, int block, int count,
      int metadataBytes) {
    List<Entry> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] metadata = new byte[metadataBytes];
      random.nextBytes(metadata);
      byte[] payload = ("payload " + block + "/" + i).getBytes(StandardCharsets.UTF_8);
      records.add(sign(new MedicalRecord(patient.id(), patient.id(), Optional.empty(), "Observation",
          Sha256.hash(payload), payload.length, List.of(storageNode.id()), ByteString.of(metadata), now(),
          Optional.empty(), List.of()), patient));
    }
    return records;
  }

  /**
   * A record of {@code patient} by {@code author} ({@code institution} null when the patient is
   * the author), pointing at a payload whose digest is derived from {@code payload}.
   */
  public MedicalRecord record(Actor author, Actor patient, Actor institution, String resourceType, String payload) {
    return amend(author, patient, institution, resourceType, payload, null);
  }

  /** An amendment of {@code amends} (or a new record when null). */
  public MedicalRecord amend(Actor author, Actor patient, Actor institution, String resourceType, String payload,
      MedicalRecord amends) {
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    return sign(new MedicalRecord(patient.id(), author.id(), Optional.ofNullable(institution).map(Actor::id),
        resourceType, Sha256.hash(p), p.length, List.of(storageNode.id()), ByteString.of(new byte[] {1, 2, 3}),
        now(), Optional.ofNullable(amends).map(Entry::id), List.of()), author);
  }

  /** An access event: {@code accessor} read {@code record} under {@code grant} (null for the patient). */
  public AccessEvent accessEvent(Actor accessor, MedicalRecord record, AccessGrant grant) {
    return sign(new AccessEvent(record.patient(), accessor.id(), record.id(), Optional.ofNullable(grant).map(Entry::id),
        now(), List.of()), accessor);
  }

  /** A governance change signed by a federation quorum (and the member, on addition). */
  public MembershipChange membership(MembershipChange.Operation action, ParticipantKind role, Actor member, Actor operator) {
    MembershipChange m = new MembershipChange(action, role, member.publicKey(),
        action == MembershipChange.Operation.ADD && role != ParticipantKind.REGULATOR
            ? Optional.of(operator.id()) : Optional.empty(), now(), List.of());
    List<Actor> s = new ArrayList<>(List.of(federationQuorum()));
    if (action == MembershipChange.Operation.ADD && !s.contains(member)) {
      s.add(member);
    }
    return sign(m, s.toArray(Actor[]::new));
  }

  /**
   * Fails unless {@code e} is refused with a reason containing {@code reasonPart} at admission and,
   * put in a block by a bookkeeper that skips admission, by block validation (what every audit
   * server runs before it votes).
   */
  public void refusedEverywhere(Entry e, String reasonPart) {
    ValidationResult<Entry> admission = ledger.checkEntry(e);
    ValidationResult<VerifiedBlock> audit = ledger.validate(rawBlock(List.of(e)));
    for (ValidationResult<?> r : List.of(admission, audit)) {
      if (r.isAccepted() || !r.reason().contains(reasonPart)) {
        throw new AssertionError("expected a refusal naming '" + reasonPart + "' at admission and in validation, got '"
            + admission.reason() + "' and '" + audit.reason() + "'");
      }
    }
  }

  /** Fails unless {@code e} is accepted at admission and, alone in a block, by block validation. */
  public void acceptedEverywhere(Entry e) {
    ValidationResult<Entry> admission = ledger.checkEntry(e);
    ValidationResult<VerifiedBlock> audit = ledger.validate(rawBlock(List.of(e)));
    if (!admission.isAccepted() || !audit.isAccepted()) {
      throw new AssertionError("expected acceptance, got '" + admission.reason() + "' and '" + audit.reason() + "'");
    }
  }

  /** A copy of this chain's blocks in a new block store. */
  public InMemoryBlockStore copyOfBlocks() {
    InMemoryBlockStore s = new InMemoryBlockStore();
    for (long h = 0; h <= ledger.height(); h++) {
      s.append(ledger.block(h).encode());
    }
    return s;
  }

  /** A ledger that replays a copy of this chain's blocks, every check but the bookkeeper's, under {@code p}. */
  public Ledger replayed(ChainParameters p) {
    return Ledger.builder(p).store(copyOfBlocks()).clock(clock).certificatePolicy(CertificatePolicy.auditQuorum())
        .replay(Ledger.ReplayMode.FULL).open();
  }

  /** The reason admission refuses {@code e} for; fails if it is admitted. */
  public String refusal(Entry e) {
    ValidationResult<Entry> r = ledger.checkEntry(e);
    if (r.isAccepted()) {
      throw new AssertionError("expected a refusal of " + e.kind().label());
    }
    return r.reason();
  }

  /** A governance removal of {@code institution} signed by a federation quorum. */
  public InstitutionRemoval removeInstitution(Actor institution) {
    return sign(new InstitutionRemoval(institution.id(), now(), List.of()), federationQuorum());
  }

  /** A witness listing or delisting signed by a federation quorum. */
  public WitnessChange witnessChange(MembershipChange.Operation action, Witness witness) {
    return sign(new WitnessChange(action, witness, now(), List.of()), federationQuorum());
  }

  // ---------------------------------------------------------------- blocks

  /** The current bookkeeper (first active federation server). */
  public Actor bookkeeper() {
    Ed25519PublicKey k = ledger.height() < 0 ? federation.get(0).publicKey()
        : ledger.membership().federationServers().get(0).publicKey();
    for (Actor a : federation) {
      if (a.publicKey().equals(k)) {
        return a;
      }
    }
    return federation.get(0);
  }

  /** Proposes a block of {@code entries} at the clock's time (all must be valid). */
  public VerifiedBlock propose(List<Entry> entries) {
    ValidationResult<BlockCandidate> c = ledger.propose(bookkeeper().id(), 0, ByteString.EMPTY, now(), entries);
    BlockCandidate bc = c.value();
    if (!bc.rejected().isEmpty()) {
      throw new AssertionError("fixture proposal dropped entries: " + bc.rejected().stream()
          .map(BlockCandidate.RejectedEntry::reason).toList());
    }
    return bc.block();
  }

  /** Certifies a header with the current audit servers' votes. */
  public Certificate certify(BlockHeader header) {
    List<Ed25519PrivateKey> keys = new ArrayList<>();
    for (Actor a : auditors) {
      if (ledger.membership().isAuditServer(a.id())) {
        keys.add(a.key());
      }
    }
    return Certificate.sign(header, keys.toArray(Ed25519PrivateKey[]::new));
  }

  /** Proposes, certifies and appends a block of {@code entries}, then advances the clock 1 s. */
  public CertifiedBlock commit(List<Entry> entries) {
    VerifiedBlock vb = propose(entries);
    CertifiedBlock cb = ledger.append(vb, certify(vb.header())).value();
    clock.advance(Duration.ofSeconds(1));
    return cb;
  }

  /** Varargs form of {@link #commit(List)}. */
  public CertifiedBlock commit(Entry... entries) {
    return commit(List.of(entries));
  }

  /** A new in-memory store holding a copy of every block of the ledger, to replay it under other rules. */
  public InMemoryBlockStore storeCopy() {
    InMemoryBlockStore s = new InMemoryBlockStore();
    for (long h = 0; h <= ledger.height(); h++) {
      s.append(ledger.block(h).encode());
    }
    return s;
  }

  /**
   * Builds a block of {@code entries} on the tip exactly as given (no filtering, so it may be
   * invalid), with correct roots, at the clock's time.
   */
  public Block rawBlock(List<Entry> entries) {
    return ledger.assembleUnchecked(bookkeeper().id(), 0, now(), entries);
  }

  /**
   * The bytes a consensus participant signs for a statement of {@code kind}
   * ({@link StatementBytes#PROPOSAL} ...) naming block {@code block} on this chain.
   */
  public ByteString statement(int kind, long height, int round, String block, int auxRound) {
    return ByteString.of(StatementBytes.encode(params.chainId(), kind, height, round, digest(block), auxRound));
  }

  /**
   * An evidence entry by {@code reporter} quoting {@code a} and {@code b}, each signed by
   * {@code accused} (in canonical order).
   */
  public Evidence evidence(Actor reporter, Actor accused, ByteString a, ByteString b) {
    ByteString sa = ByteString.of(accused.key().sign(a.toByteArray()));
    ByteString sb = ByteString.of(accused.key().sign(b.toByteArray()));
    boolean swap = a.compareTo(b) > 0;
    return sign(new Evidence(reporter.id(), accused.id(), swap ? b : a, swap ? sb : sa, swap ? a : b, swap ? sa : sb,
        now(), List.of()), reporter);
  }

  /** A digest for tests. */
  public static Digest digest(String s) {
    return Sha256.hash(s.getBytes(StandardCharsets.UTF_8));
  }
}
