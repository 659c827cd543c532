package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryBlockStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A 1,000-entry block of medical records (1,000 patients, each having granted treatment access to
 * the writing hospital; 10 clinicians write): encode, decode, and full validation on one core
 * and on all cores, each beside its ceiling, the Ed25519 verification of the block's 1,000
 * signatures alone (sequential and parallel), in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ChainBench {
  static final int ENTRIES = 1000;

  Ledger sequential;
  Ledger parallel;
  Block block;
  byte[] encoded;
  /** {@link #block} under a certificate of three signatures and 300 bytes of consensus data. */
  CertifiedBlock certified;
  List<Entry> entries;
  Ed25519PublicKey[] keys;
  byte[][] messages;
  byte[][] signatures;

  private static Ed25519PrivateKey key(String name) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(name.getBytes(StandardCharsets.UTF_8)).toByteArray());
  }

  @Setup(Level.Trial)
  public void setUp() {
    ChainParameters params = ChainParameters.defaults("bench").withMaxBlockEntries(ENTRIES);
    long t0 = 1_767_225_600_000L;
    Clock clock = Clock.fixed(Instant.ofEpochMilli(t0 + 3_600_000), ZoneOffset.UTC);
    InMemoryBlockStore store = new InMemoryBlockStore();
    sequential = Ledger.builder(params).store(store).clock(clock).parallelVerification(false)
        .certificatePolicy(CertificatePolicy.acceptAny()).open();
    Ed25519PrivateKey hospital = key("hospital");
    Ed25519PrivateKey fed = key("federation");
    Ed25519PrivateKey storage = key("storage");
    List<Ed25519PrivateKey> doctors = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      doctors.add(key("doctor-" + i));
    }
    List<Ed25519PrivateKey> patients = new ArrayList<>();
    for (int i = 0; i < ENTRIES; i++) {
      patients.add(key("patient-" + i));
    }
    io.medledger.crypto.Digest chain = params.chainId();
    io.medledger.access.ParticipantId hid = io.medledger.access.ParticipantId.of(hospital.publicKey());
    List<Entry> genesis = new ArrayList<>();
    genesis.add(Entry.sign(new InstitutionRegistration(hospital.publicKey(), "Hospital", InstitutionClass.A, t0,
        List.of()), chain, hospital));
    genesis.add(Entry.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
        fed.publicKey(), Optional.of(hid), t0, List.of()), chain, fed));
    genesis.add(Entry.sign(new AffiliateRegistration(storage.publicKey(), ParticipantKind.STORAGE_NODE, hid, t0,
        List.of()), chain, hospital, storage));
    for (Ed25519PrivateKey d : doctors) {
      genesis.add(Entry.sign(new AffiliateRegistration(d.publicKey(), ParticipantKind.CLINICIAN, hid, t0, List.of()),
          chain, hospital, d));
    }
    io.medledger.access.ParticipantId fedId = io.medledger.access.ParticipantId.of(fed.publicKey());
    commit(sequential, fedId, t0, genesis);
    List<Entry> regs = new ArrayList<>();
    List<Entry> grants = new ArrayList<>();
    List<Entry> records = new ArrayList<>();
    for (int i = 0; i < ENTRIES; i++) {
      Ed25519PrivateKey p = patients.get(i);
      io.medledger.access.ParticipantId pid = io.medledger.access.ParticipantId.of(p.publicKey());
      regs.add(Entry.sign(new PatientRegistration(p.publicKey(), t0 + 1000, List.of()), chain, p, hospital));
      grants.add(Entry.sign(new AccessGrant(pid, hid, AccessScope.all(), Purpose.TREATMENT, t0, t0 + 86_400_000L,
          List.of(), 0, List.of(), t0 + 2000, List.of()), chain, p));
      Ed25519PrivateKey d = doctors.get(i % doctors.size());
      byte[] payload = ("observation " + i).getBytes(StandardCharsets.UTF_8);
      records.add(Entry.sign(new MedicalRecord(pid, io.medledger.access.ParticipantId.of(d.publicKey()), Optional.of(hid),
          "Observation", Sha256.hash(payload), 4096 + i,
          List.of(io.medledger.access.ParticipantId.of(storage.publicKey())),
          ByteString.of(new byte[120]), t0 + 3000, Optional.empty(), List.of()), chain, d));
    }
    commit(sequential, fedId, t0 + 1000, regs);
    commit(sequential, fedId, t0 + 2000, grants);
    InMemoryBlockStore copy = new InMemoryBlockStore();
    for (long h = 0; h < store.size(); h++) {
      copy.append(store.read(h));
    }
    parallel = Ledger.builder(params).store(copy).clock(clock).parallelVerification(true)
        .certificatePolicy(CertificatePolicy.acceptAny()).open();
    BlockCandidate c = sequential.propose(fedId, 0, ByteString.EMPTY, t0 + 3000, records).value();
    if (!c.rejected().isEmpty() || c.block().block().entries().size() != ENTRIES) {
      throw new IllegalStateException("benchmark block is not valid: " + c.rejected());
    }
    block = c.block().block();
    entries = block.entries();
    encoded = block.encode();
    Certificate signed = Certificate.sign(block.header(), key("voter-1"), key("voter-2"), key("voter-3"));
    certified = new CertifiedBlock(block, new Certificate(signed.signatures(), ByteString.of(new byte[300])));
    keys = new Ed25519PublicKey[ENTRIES];
    messages = new byte[ENTRIES][];
    signatures = new byte[ENTRIES][];
    for (int i = 0; i < ENTRIES; i++) {
      Entry e = entries.get(i);
      keys[i] = e.endorsements().get(0).signer();
      messages[i] = e.signingMessage(chain);
      signatures[i] = e.endorsements().get(0).signature().toByteArray();
    }
    if (!sequential.validate(block).isAccepted() || !parallel.validate(block).isAccepted()) {
      throw new IllegalStateException("benchmark block does not validate");
    }
  }

  private static void commit(Ledger l, io.medledger.access.ParticipantId bookkeeper, long time, List<Entry> es) {
    BlockCandidate c = l.propose(bookkeeper, 0, ByteString.EMPTY, time, es).value();
    if (!c.rejected().isEmpty()) {
      throw new IllegalStateException("setup entry rejected: " + c.rejected().get(0).reason());
    }
    l.append(c.block(), Certificate.EMPTY).value();
  }

  /** Encoding from entry values: every entry encoded, then the block framed. */
  @Benchmark
  public byte[] encode() {
    return new Block(block.header(), entries).encode();
  }

  /**
   * A certified block's encoding, as a ledger writes it to its block store. Its peer is
   * {@link #framed}, the block alone.
   */
  @Benchmark
  public byte[] certifiedEncode() {
    return certified.encode();
  }

  /** The block's encoding with its entries' encodings at hand: the floor of {@link #certifiedEncode}. */
  @Benchmark
  public byte[] framed() {
    return block.encode();
  }

  /** Strict decoding, public keys validated. */
  @Benchmark
  public Block decode() {
    return Block.decode(encoded);
  }

  /** Full validation on one core. */
  @Benchmark
  public boolean validateSequential() {
    return sequential.validate(block).isAccepted();
  }

  /** The validation work beyond signatures (rules, state lookups, all roots), on one core. */
  @Benchmark
  public boolean validateRulesOnly() {
    return sequential.validateWithoutSignatures(block).isAccepted();
  }

  /** Ceiling of validateSequential: the 1,000 signature verifications alone, on one core. */
  @Benchmark
  public int signaturesSequential() {
    int ok = 0;
    for (int i = 0; i < ENTRIES; i++) {
      if (keys[i].verify(messages[i], signatures[i])) {
        ok++;
      }
    }
    return ok;
  }

  /** Full validation, signatures on all cores. */
  @Benchmark
  public boolean validateParallel() {
    return parallel.validate(block).isAccepted();
  }

  /** Ceiling of validateParallel: the 1,000 signature verifications alone, on all cores. */
  @Benchmark
  public long signaturesParallel() {
    return IntStream.range(0, ENTRIES).parallel().filter(i -> keys[i].verify(messages[i], signatures[i])).count();
  }
}
