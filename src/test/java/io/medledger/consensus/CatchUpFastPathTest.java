package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.Block;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.CraftedBlocks;
import io.medledger.chain.Entry;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.Ledger;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.PatientRegistration;
import io.medledger.chain.VerifiedBlock;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryBlockStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fast path of bulk sync on the real chain: blocks decoded ahead by
 * {@link LedgerApp#predecode} and committed through {@link Event.BlockDelivered} with a trusted
 * certificate (no entry signatures checked). It must still refuse a block whose entry carries an
 * invalid public key, and a block whose certificate is not a quorum of valid voter signatures.
 */
class CatchUpFastPathTest {
  private static final String PROTOCOL = "rotating-audit";
  /** The point (0, -1), of order 2: canonical and on the curve, but of small order. */
  private static final byte[] SMALL_ORDER = HexFormat.of().parseHex(
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  /** y = p + 1: not a canonical encoding. */
  private static final byte[] NON_CANONICAL = HexFormat.of().parseHex(
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

  private final ChainParameters params = ChainParameters.defaults("catch-up-fast-path");
  private final Digest chain = params.chainId();
  private final long t0 = System.currentTimeMillis() - 3_600_000L;
  private final List<Ed25519PrivateKey> fed = new ArrayList<>();
  private final List<Ed25519PrivateKey> aud = new ArrayList<>();
  private final Ledger source;
  private final Block genesis;

  private static Ed25519PrivateKey key(String name) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(("fast-path:" + name).getBytes(StandardCharsets.UTF_8)).toByteArray());
  }

  CatchUpFastPathTest() {
    Ed25519PrivateKey hospital = key("hospital");
    Ed25519PrivateKey hospitalB = key("hospital-b");
    for (int i = 0; i < 4; i++) {
      fed.add(key("federation-" + i));
      aud.add(key("audit-" + i));
    }
    List<Entry> g = new ArrayList<>();
    g.add(Entry.sign(new InstitutionRegistration(hospital.publicKey(), "Hospital", InstitutionClass.A, t0, List.of()),
        chain, hospital));
    g.add(Entry.sign(new InstitutionRegistration(hospitalB.publicKey(), "Hospital B", InstitutionClass.B, t0,
        List.of()), chain, hospitalB));
    for (Ed25519PrivateKey f : fed) {
      g.add(Entry.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
          f.publicKey(), Optional.of(ParticipantId.of(hospital.publicKey())), t0, List.of()), chain, f));
    }
    for (Ed25519PrivateKey a : aud) {
      g.add(Entry.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER,
          a.publicKey(), Optional.of(ParticipantId.of(hospitalB.publicKey())), t0, List.of()), chain, a));
    }
    source = newLedger();
    VerifiedBlock gb = source.propose(bookkeeper(0), 0, ByteString.EMPTY, t0, g).value().block();
    source.append(gb, io.medledger.chain.Certificate.EMPTY).value();
    genesis = gb.block();
  }

  private Ledger newLedger() {
    return Ledger.builder(params).store(new InMemoryBlockStore()).clock(Clock.systemUTC())
        .certificatePolicy(LedgerApp.certificatePolicy(PROTOCOL)).open();
  }

  private ParticipantId bookkeeper(long height) {
    return ParticipantId.of(fed.get((int) (height % 4)).publicKey());
  }

  /** A node with only genesis, trusting certificates for catch-up (the default). */
  private record Joiner(LedgerApp app, ConsensusProtocol protocol) {
    long committed() {
      return app.committedHeight();
    }
  }

  private Joiner joiner() {
    Ledger l = newLedger();
    l.append(source.block(0));
    LedgerApp app = new LedgerApp(l);
    ConsensusProtocol p = Protocols.create(PROTOCOL, app,
        new ConsensusContext(aud.get(3), Clock.systemUTC(), new SecureRandom(), new InMemorySafetyStore()),
        ConsensusConfig.defaults());
    p.handle(new Event.Start());
    return new Joiner(app, p);
  }

  /** A precommit certificate for {@code b} signed by {@code signers} (indices into the voters of its height). */
  private QuorumCertificate certify(Block b, int... signers) {
    List<Ed25519PublicKey> voters = Protocols.voters(PROTOCOL, new LedgerApp(source).membership(b.height()));
    Statement st = new Statement(StatementKind.PRECOMMIT, b.height(), 0, b.hash(), -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int v : signers) {
      Ed25519PrivateKey k = aud.stream().filter(a -> a.publicKey().equals(voters.get(v))).findFirst().orElseThrow();
      sigs.add(new QuorumCertificate.VoterSignature(v, k.sign(st.signingBytes(chain))));
    }
    return new QuorumCertificate(st, sigs);
  }

  private List<Entry> patients(String tag, int n) {
    List<Entry> es = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Ed25519PrivateKey p = key(tag + i);
      es.add(Entry.sign(new PatientRegistration(p.publicKey(), t0 + 1, List.of()), chain, p, key("hospital")));
    }
    return es;
  }

  private Block goodBlock() {
    return source.propose(bookkeeper(1), 0, ByteString.EMPTY, t0 + 1, patients("patient-", 3)).value().block().block();
  }

  /** Predecodes, then delivers; returns whether the joiner's committed height grew. */
  private static boolean deliver(Joiner j, Block b, QuorumCertificate c) {
    long before = j.committed();
    byte[] bytes = b.encode();
    j.app().predecode(bytes);
    j.protocol().handle(new Event.BlockDelivered(bytes, c));
    return j.committed() > before;
  }

  /**
   * An institution registration, endorsed by the institution and three federation servers, whose
   * institution key (in the content and as a signer) is replaced by {@code badKey}. The key is
   * chosen to sort after every federation key, as the bad encodings do, so that the endorsements
   * stay in canonical order and nothing but the key is wrong.
   */
  private Block blockWithKey(byte[] badKey) {
    int max = fed.stream().mapToInt(f -> f.publicKey().toBytes()[0] & 0xff).max().orElseThrow();
    Ed25519PrivateKey inst = null;
    for (int i = 0; inst == null; i++) {
      Ed25519PrivateKey k = key("institution-" + i);
      int first = k.publicKey().toBytes()[0] & 0xff;
      if (first > max && first < 0xec) {
        inst = k;
      }
    }
    Entry reg = Entry.sign(new InstitutionRegistration(inst.publicKey(), "Clinic", InstitutionClass.B, t0 + 1,
        List.of()), chain, inst, fed.get(0), fed.get(1), fed.get(2));
    return CraftedBlocks.withBytesReplaced(source, bookkeeper(1), t0 + 1, List.of(reg), inst.publicKey().toBytes(),
        badKey);
  }

  @Test
  void aGoodCertifiedBlockCommitsThroughThePredecodedPath() {
    Joiner j = joiner();
    Block b = goodBlock();
    assertTrue(deliver(j, b, certify(b, 0, 1, 2)));
    assertEquals(1, j.committed());
    assertEquals(0, j.app().predecodedCount(), "the predecoded block was used");
    assertEquals(b.hash(), j.app().ledger().header(1).hash());
  }

  @Test
  void aPredecodedBlockIsForgottenOnceItsHeightIsCommittedAnotherWay() {
    Joiner j = joiner();
    Block b = goodBlock();
    byte[] bytes = b.encode();
    j.app().predecode(bytes);
    assertEquals(1, j.app().predecodedCount());
    // committed through the protocol's own path (a proposal and its votes), not through decode
    j.app().commit(Block.decode(bytes), certify(b, 0, 1, 2));
    assertEquals(1, j.committed());
    assertEquals(0, j.app().predecodedCount(), "the committed height's predecoded block is dropped");
    j.app().predecode(bytes);
    assertEquals(0, j.app().predecodedCount(), "a block of a committed height is not kept");
  }

  @Test
  void aRivalOfTheCommittedBlockIsDroppedWhenTheOneDecodedCommits() {
    Joiner j = joiner();
    Block b = goodBlock();
    Block rival = source.propose(bookkeeper(1), 0, ByteString.EMPTY, t0 + 1, patients("rival-", 2)).value().block()
        .block();
    j.app().predecode(b.encode());
    j.app().predecode(rival.encode());
    assertEquals(2, j.app().predecodedCount());
    // b leaves through decode; its rival for the same height must still go when b commits
    Block decoded = j.app().decode(b.encode());
    assertEquals(1, j.app().predecodedCount());
    j.app().commit(decoded, certify(b, 0, 1, 2));
    assertEquals(1, j.committed());
    assertEquals(0, j.app().predecodedCount(), "the rival of a committed height is dropped");
  }

  @Test
  void aVerifiedBlockThatLostItsHeightIsForgottenWhenTheHeightCommits() {
    Joiner j = joiner();
    Block b = goodBlock();
    Block lost = source.propose(bookkeeper(1), 1, ByteString.EMPTY, t0 + 2, patients("lost-", 2)).value().block().block();
    long now = System.currentTimeMillis();
    assertTrue(j.app().validate(lost, new ProposalContext(1, 1, fed.get(1).publicKey(), now)).accepted());
    assertTrue(j.app().validate(b, new ProposalContext(1, 0, fed.get(1).publicKey(), now)).accepted());
    assertEquals(2, j.app().verifiedCount());
    j.app().commit(b, certify(b, 0, 1, 2));
    assertEquals(1, j.committed());
    assertEquals(0, j.app().verifiedCount(), "the block of the round that did not decide is dropped");
  }

  @Test
  void aCertifiedBlockWhoseEntryCarriesAnInvalidKeyIsRefusedOnTheFastPath() {
    for (byte[] bad : List.of(SMALL_ORDER, NON_CANONICAL)) {
      Block crafted = blockWithKey(bad);
      Joiner j = joiner();
      assertTrue(!deliver(j, crafted, certify(crafted, 0, 1, 2)), "a certified block with an invalid key commits");
      byte[] bytes = crafted.encode();
      assertThrows(MalformedEncodingException.class, () -> Block.decode(bytes));
      assertEquals(0, j.committed());
      assertEquals(0, j.app().predecodedCount(), "bytes that do not decode are not kept");
      Block b = goodBlock();
      assertTrue(deliver(j, b, certify(b, 0, 1, 2)), "the refusal left the node able to sync");
    }
  }

  @Test
  void aPredecodedBlockWithABadCertificateIsRefused() {
    Joiner j = joiner();
    Block b = goodBlock();
    assertTrue(!deliver(j, b, certify(b, 0, 1)), "two signatures of four voters are no quorum");
    QuorumCertificate good = certify(b, 0, 1, 2);
    byte[] forged = good.signatures().get(2).signature();
    forged[5] ^= 1;
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>(good.signatures());
    sigs.set(2, new QuorumCertificate.VoterSignature(2, forged));
    assertTrue(!deliver(j, b, new QuorumCertificate(good.statement(), sigs)), "a forged signature completes no quorum");
    QuorumCertificate other = certify(goodBlockAt(t0 + 2), 0, 1, 2);
    assertTrue(!deliver(j, b, other), "a certificate for another block");
    assertEquals(0, j.committed());
    assertTrue(deliver(j, b, good), "the control: the right certificate commits");
  }

  /** Counts the signature verifications that reach Ed25519 (behind a remembering verifier). */
  private static final class CountingVerifier implements SignatureVerifier {
    final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public boolean verify(Ed25519PublicKey key, byte[] message, byte[] signature) {
      calls.incrementAndGet();
      return key.verify(message, signature);
    }
  }

  /** A joiner whose engine and ledger policy share one remembering verifier over {@code inner}, as a node's do. */
  private Joiner joiner(SignatureVerifier inner) {
    return joiner(new RememberingVerifier(64, inner));
  }

  private Joiner joiner(RememberingVerifier shared) {
    Ledger l = Ledger.builder(params).store(new InMemoryBlockStore()).clock(Clock.systemUTC())
        .certificatePolicy(LedgerApp.certificatePolicy(PROTOCOL, shared)).open();
    l.append(source.block(0));
    LedgerApp app = new LedgerApp(l);
    ConsensusProtocol p = Protocols.create(PROTOCOL, app,
        new ConsensusContext(aud.get(3), Clock.systemUTC(), new SecureRandom(), new InMemorySafetyStore(), shared),
        ConsensusConfig.defaults());
    p.handle(new Event.Start());
    return new Joiner(app, p);
  }

  /** Appends {@code n} blocks of two registrations each to the source chain; returns them with their certificates. */
  private List<Block> extendSource(int n, List<QuorumCertificate> certificates) {
    List<Block> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long h = source.height() + 1;
      VerifiedBlock vb = source.propose(bookkeeper(h), 0, ByteString.EMPTY, t0 + h, patients("run-" + h + "-", 2))
          .value().block();
      QuorumCertificate c = certify(vb.block(), 0, 1, 2);
      source.append(vb, new io.medledger.chain.Certificate(List.of(), ByteString.of(c.encode()))).value();
      out.add(vb.block());
      certificates.add(c);
    }
    return out;
  }

  @Test
  void aRunOfCertificatesIsCheckedAsOneBatchAndNotVerifiedAgain() {
    List<QuorumCertificate> certs = new ArrayList<>();
    List<Block> run = extendSource(20, certs);
    List<byte[]> bytes = run.stream().map(Block::encode).toList();
    CountingVerifier counting = new CountingVerifier();
    Joiner j = joiner(new RememberingVerifier(4096, counting, true));
    j.app().predecodeAll(bytes, certs);
    assertEquals(20, j.app().predecodedCount());
    assertEquals(0, counting.calls.get(), "the 60 signatures were checked as one batch, none alone");
    for (int i = 0; i < run.size(); i++) {
      j.protocol().handle(new Event.BlockDelivered(bytes.get(i), certs.get(i)));
    }
    assertEquals(20, j.committed());
    assertEquals(0, counting.calls.get(), "the engine's and the ledger's checks found them all");
    // the control: one block at a time, each certificate's three signatures are verified alone
    CountingVerifier alone = new CountingVerifier();
    Joiner k = joiner(new RememberingVerifier(4096, alone, true));
    for (int i = 0; i < run.size(); i++) {
      k.app().predecode(bytes.get(i), certs.get(i));
    }
    assertEquals(60, alone.calls.get());
  }

  @Test
  void aRunWithOneForgedSignatureRemembersNoneAndTheForgedBlockIsRefused() {
    List<QuorumCertificate> certs = new ArrayList<>();
    List<Block> run = extendSource(20, certs);
    List<byte[]> bytes = run.stream().map(Block::encode).toList();
    // block 11's certificate: its second signature replaced by one over another message
    QuorumCertificate good = certs.get(10);
    Ed25519PrivateKey signer = aud.stream()
        .filter(a -> a.publicKey().equals(Protocols.voters(PROTOCOL, new LedgerApp(source).membership(11)).get(1)))
        .findFirst().orElseThrow();
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>(good.signatures());
    sigs.set(1, new QuorumCertificate.VoterSignature(sigs.get(1).signer(), signer.sign(new byte[] {1, 2, 3})));
    certs.set(10, new QuorumCertificate(good.statement(), sigs));
    CountingVerifier counting = new CountingVerifier();
    Joiner j = joiner(new RememberingVerifier(4096, counting, true));
    j.app().predecodeAll(bytes, certs);
    // the batch failed, so each certificate was then checked alone; the forged one stopped at its
    // second signature
    assertEquals(59, counting.calls.get());
    for (int i = 0; i < run.size(); i++) {
      j.protocol().handle(new Event.BlockDelivered(bytes.get(i), certs.get(i)));
    }
    assertEquals(10, j.committed(), "the block with the forged certificate signature is not committed");
  }

  @Test
  void aCertificateCheckedAheadIsNotVerifiedAgainWhenTheBlockIsApplied() throws Exception {
    CountingVerifier counting = new CountingVerifier();
    Joiner j = joiner(counting);
    Block b = goodBlock();
    QuorumCertificate c = certify(b, 0, 1, 2);
    byte[] bytes = b.encode();
    Thread ahead = new Thread(() -> j.app().predecode(bytes, c));
    ahead.start();
    ahead.join();
    assertEquals(3, counting.calls.get(), "the decoder's thread verified the three signatures");
    j.protocol().handle(new Event.BlockDelivered(bytes, c));
    assertEquals(1, j.committed());
    assertEquals(3, counting.calls.get(), "the engine's and the ledger's checks found them verified");
    // the control: without the certificate ahead, the engine verifies them (and the ledger finds them)
    CountingVerifier counting2 = new CountingVerifier();
    Joiner k = joiner(counting2);
    deliver(k, b, c);
    assertEquals(3, counting2.calls.get());
    assertEquals(1, k.committed());
  }

  @Test
  void aForgedCertificateCheckedAheadIsStillRefused() {
    CountingVerifier counting = new CountingVerifier();
    Joiner j = joiner(counting);
    Block b = goodBlock();
    QuorumCertificate good = certify(b, 0, 1, 2);
    byte[] forged = good.signatures().get(1).signature();
    forged[9] ^= 1;
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>(good.signatures());
    sigs.set(1, new QuorumCertificate.VoterSignature(1, forged));
    QuorumCertificate bad = new QuorumCertificate(good.statement(), sigs);
    byte[] bytes = b.encode();
    j.app().predecode(bytes, bad);
    j.protocol().handle(new Event.BlockDelivered(bytes, bad));
    assertEquals(0, j.committed(), "a forged signature checked ahead is remembered nowhere");
    j.app().predecode(bytes, certify(b, 0, 1));
    j.protocol().handle(new Event.BlockDelivered(bytes, certify(b, 0, 1)));
    assertEquals(0, j.committed(), "two of four valid signatures checked ahead are still no quorum");
    j.app().predecode(bytes, good);
    j.protocol().handle(new Event.BlockDelivered(bytes, good));
    assertEquals(1, j.committed(), "the control");
  }

  private Block goodBlockAt(long time) {
    return source.propose(bookkeeper(1), 0, ByteString.EMPTY, time, patients("other-", 2)).value().block().block();
  }

  @Test
  void predecodeKeepsABoundedNumberOfBlocksAndDecodeStillDecodesWhatItDoesNotHold() {
    LedgerApp app = new LedgerApp(source);
    byte[] first = null;
    for (int i = 0; i <= LedgerApp.PREDECODED_BLOCKS + 8; i++) {
      byte[] bytes = source.assembleUnchecked(bookkeeper(1), 0, t0 + 10 + i, List.of()).encode();
      first = first == null ? bytes : first;
      app.predecode(bytes);
    }
    assertEquals(LedgerApp.PREDECODED_BLOCKS, app.predecodedCount());
    assertArrayEquals(first, app.decode(first).encode(), "an evicted block is decoded afresh");
    app.predecode(new byte[] {1, 2, 3});
    assertEquals(LedgerApp.PREDECODED_BLOCKS, app.predecodedCount());
    byte[] garbage = {1, 2, 3};
    assertThrows(MalformedEncodingException.class, () -> app.decode(garbage));
  }

  @Test
  void storedBlocksAndCertificatesAreServedAsTheyWereEncoded() {
    Block b = goodBlock();
    QuorumCertificate c = certify(b, 0, 1, 2);
    LedgerApp app = new LedgerApp(source);
    app.predecode(b.encode());
    assertEquals(b.hash(), app.decode(b.encode()).hash());
    source.append(source.validate(b).value(), new io.medledger.chain.Certificate(List.of(), ByteString.of(c.encode())))
        .value();
    Ledger reopened = Ledger.builder(params).store(copyOfStore()).clock(Clock.systemUTC())
        .certificatePolicy(LedgerApp.certificatePolicy(PROTOCOL)).open();
    for (Ledger l : List.of(source, reopened)) {
      for (long h = 0; h <= 1; h++) {
        assertArrayEquals(l.block(h).block().encode(), l.encodedBlock(h));
        assertEquals(l.block(h).certificate(), l.certificate(h));
      }
    }
    assertTrue(Arrays.equals(b.encode(), new LedgerApp(reopened).encodedBlock(1)));
    assertEquals(c, new LedgerApp(reopened).certificate(1));
  }

  private InMemoryBlockStore copyOfStore() {
    InMemoryBlockStore s = new InMemoryBlockStore();
    for (long h = 0; h <= source.height(); h++) {
      s.append(source.block(h).encode());
    }
    return s;
  }
}
