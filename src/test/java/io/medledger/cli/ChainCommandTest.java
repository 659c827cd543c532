package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture;
import io.medledger.chain.Block;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.internal.consensus.StatementBytes;
import io.medledger.storage.FileBlockStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chain verify} and {@code chain block} through Main.run. */
class ChainCommandTest {
  @TempDir
  Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void anEmptyStoreIsAnErrorNotAValidChain() {
    Run none = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain");
    assertEquals(2, none.code(), "a store without any block is not a valid chain");
    assertEquals("", none.out());
    assertTrue(none.err().contains("no block in the block store"), none.err());
    assertEquals(2, run("chain", "block", "--store", dir.toString(), "--chain", "cli-chain", "--height", "0").code());
  }

  @Test
  void aChainBegunBeforeTheRegistrarRuleVerifiesWithItsHeight() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("cli-chain").auditServers(4).registrarsFrom(2)
        .store(FileBlockStore.open(dir)).build();
    ChainFixture.Actor alice = f.actor("alice");
    f.commit(f.sign(new io.medledger.chain.PatientRegistration(alice.publicKey(), f.now(), List.of()), alice));
    f.ledger.close();
    Run old = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain", "--registrars-from", "2");
    assertEquals(0, old.code(), old.err());
    assertTrue(old.out().contains("\"height\":1"), old.out());
    Run strict = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain");
    assertEquals(1, strict.code(), strict.out());
    assertTrue(strict.err().startsWith("invalid chain: ") && strict.err().contains("needs a registrar's endorsement"),
        strict.err());
    Run negative = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain", "--registrars-from", "-1");
    assertEquals(2, negative.code());
    assertEquals("medledger: --registrars-from must be a block height, 0 or more\n", negative.err());
  }

  @Test
  void aChainBegunBeforeTheReusedKeyRulesVerifiesWithItsHeight() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("cli-chain").auditServers(4).reusedKeysFrom(3)
        .store(FileBlockStore.open(dir)).build();
    ChainFixture.Actor alice = f.actor("alice");
    ChainFixture.Actor bob = f.actor("bob");
    f.commit(f.registerPatient(alice), f.registerPatient(bob));
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
    io.medledger.codec.ByteString shared = io.medledger.codec.ByteString.of(
        io.medledger.pre.SecretKey.random(en).publicKey().toBytes());
    // block 2: bob's research key is alice's encryption key
    f.commit(f.sign(new io.medledger.chain.KeyPublication(alice.id(), shared, key(en), java.util.Optional.empty(),
        f.now(), List.of()), alice), f.sign(new io.medledger.chain.KeyPublication(bob.id(), key(en), key(en),
        java.util.Optional.of(shared), f.now(), List.of()), bob));
    f.ledger.close();
    Run old = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain", "--reused-keys-from", "3");
    assertEquals(0, old.code(), old.err());
    Run strict = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain");
    assertEquals(1, strict.code(), strict.out());
    assertTrue(strict.err().startsWith("invalid chain: ") && strict.err().contains("reused-key rule"), strict.err());
    Run negative = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain", "--reused-keys-from", "-1");
    assertEquals(2, negative.code());
    assertEquals("medledger: --reused-keys-from must be a block height, 0 or more\n", negative.err());
  }

  private static io.medledger.codec.ByteString key(io.medledger.pre.EntropySource en) {
    return io.medledger.codec.ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes());
  }

  @Test
  void aChainBegunBeforeTheRegistrationBoundVerifiesWithItsHeight() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("cli-chain").auditServers(4).registrationBound(2, 5)
        .store(FileBlockStore.open(dir)).build();
    f.commit(f.registerPatient(f.actor("a")), f.registerPatient(f.actor("b")), f.registerPatient(f.actor("c")));
    f.ledger.close();
    Run old = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain",
        "--registrations-per-registrar", "2", "--registration-bound-from", "5");
    assertEquals(0, old.code(), old.err());
    Run strict = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain",
        "--registrations-per-registrar", "2");
    assertEquals(1, strict.code(), strict.out());
    assertTrue(strict.err().startsWith("invalid chain: ") && strict.err().contains("registrations per registrar bound"),
        strict.err());
    assertEquals(0, run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain").code(),
        "three of one registrar are within the default bound");
    assertEquals("medledger: --registration-bound-from must be a block height, 0 or more\n", run("chain", "verify",
        "--store", dir.toString(), "--chain", "cli-chain", "--registration-bound-from", "-1").err());
    assertEquals(2, run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain",
        "--registrations-per-registrar", "0").code());
  }

  @Test
  void verifiesAndPrintsAStoredChain() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("cli-chain").federationServers(4).auditServers(4)
        .store(FileBlockStore.open(dir)).build();
    f.commit(f.registerPatient(f.actor("alice")));
    String tip = f.ledger.tip().orElseThrow().hash().toHex();
    f.ledger.close();
    Run ok = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain");
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().contains("\"height\":1"), ok.out());
    assertTrue(ok.out().contains("\"tip\":\"" + tip + "\""), ok.out());
    assertTrue(ok.out().contains("\"auditServers\":4"), ok.out());
    Run block = run("chain", "block", "--store", dir.toString(), "--chain", "cli-chain", "--height", "1");
    assertEquals(0, block.code(), block.err());
    assertEquals(tip, CertifiedBlock.fromJson(block.out().trim()).header().hash().toHex());
    // another chain's parameters: the genesis block is refused
    Run wrong = run("chain", "verify", "--store", dir.toString(), "--chain", "other");
    assertEquals(1, wrong.code());
    assertTrue(wrong.err().startsWith("invalid chain: stored block at height 0"), wrong.err());
    assertEquals(2, run("chain", "block", "--store", dir.toString(), "--chain", "cli-chain", "--height", "9").code());
    assertEquals(2, run("chain", "verify", "--store", dir.resolve("missing").toString(), "--chain", "x").code());
    assertEquals(2, run("chain", "verify", "--chain", "x").code());
    assertEquals(2, run("chain", "frobnicate", "--store", dir.toString(), "--chain", "x").code());
    // damage on disk
    Path segment;
    try (Stream<Path> s = Files.list(dir)) {
      segment = s.filter(p -> Files.isRegularFile(p)).max((a, b) -> Long.compare(a.toFile().length(),
          b.toFile().length())).orElseThrow();
    }
    try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
      raf.seek(raf.length() / 4);
      int x = raf.read();
      raf.seek(raf.length() / 4);
      raf.write(x ^ 1);
    }
    Run damaged = run("chain", "verify", "--store", dir.toString(), "--chain", "cli-chain");
    assertEquals(1, damaged.code());
    assertTrue(damaged.err().startsWith("invalid chain:"), damaged.err());
  }

  /**
   * Issue 12, finding 6: {@code chain verify} applies the strict evidence rule. A store whose
   * block files an honest auditor's votes of two heights as equivocation is an invalid chain.
   */
  @Test
  void verifyRefusesFalseEvidence() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("evidence").federationServers(4).auditServers(4)
        .store(FileBlockStore.open(dir)).build();
    f.commit(f.registerPatient(f.actor("alice")));
    ChainFixture.Actor honest = f.auditors.get(1);
    long h = f.ledger.height();
    Entry falseEvidence = f.evidence(f.federation.get(0), honest,
        f.statement(StatementBytes.PREVOTE, h, 0, "block-1", -1),
        f.statement(StatementBytes.PREVOTE, h + 1, 0, "block-2", -1));
    Block bad = f.rawBlock(List.of(falseEvidence));
    f.store.append(new CertifiedBlock(bad, f.certify(bad.header())).encode());
    f.ledger.close();
    Run refused = run("chain", "verify", "--store", dir.toString(), "--chain", "evidence");
    assertEquals(1, refused.code(), refused.out());
    assertTrue(refused.err().startsWith("invalid chain:") && refused.err().contains("prove no offence"),
        refused.err());
  }

  /**
   * A chain whose membership holds no audit server: the audit quorum accepts any certificate then,
   * so a store of blocks nobody certified (a bookkeeper's own history, entries left out) was
   * called valid. It is refused now, unless the caller names the consensus protocol that
   * certified it or accepts uncertified blocks outright.
   */
  @Test
  void aBlockNoAuditServerCouldCertifyIsRefusedUnlessAsked() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("unaudited").federationServers(2).auditServers(0)
        .store(FileBlockStore.open(dir)).build();
    f.commit(f.registerPatient(f.actor("alice")));
    f.ledger.close();
    String store = dir.toString();
    Run refused = run("chain", "verify", "--store", store, "--chain", "unaudited");
    assertEquals(1, refused.code(), refused.out());
    assertTrue(refused.err().startsWith("invalid chain:")
        && refused.err().contains("no audit server is there to certify block 1"), refused.err());
    Run noQuorum = run("chain", "verify", "--store", store, "--chain", "unaudited", "--consensus", "bft");
    assertEquals(1, noQuorum.code(), noQuorum.out());
    assertTrue(noQuorum.err().contains("consensus certificate"), noQuorum.err());
    assertEquals(0, run("chain", "verify", "--store", store, "--chain", "unaudited", "--any-certificate").code());
    assertEquals(2, run("chain", "verify", "--store", store, "--chain", "unaudited", "--consensus", "paxos").code());
    assertEquals(2, run("chain", "verify", "--store", store, "--chain", "unaudited", "--consensus", "bft",
        "--any-certificate").code());
  }

  /** A store written by consensus (precommit quorums in the certificates) verifies under its protocol. */
  @Test
  void aConsensusCertifiedStoreVerifiesUnderItsProtocol() throws Exception {
    try (io.medledger.federation.Federation fed = io.medledger.federation.Federation.builder("consensus-store")
        .institution("City Hospital", io.medledger.access.InstitutionClass.A)
        .institution("Health Authority", io.medledger.access.InstitutionClass.B)
        .dataDirectory(dir).build()) {
      fed.registerPatient("Anna");
    }
    String store = dir.resolve("node-0").toString();
    Run ok = run("chain", "verify", "--store", store, "--chain", "consensus-store", "--consensus", "rotating-audit");
    assertEquals(0, ok.code(), ok.err());
    Run wrong = run("chain", "verify", "--store", store, "--chain", "consensus-store", "--consensus", "bft");
    assertEquals(1, wrong.code(), wrong.out());
  }

  /**
   * A store grown from another genesis block under the same chain name (so the same chain id),
   * with servers of its maker's own: every rule holds inside it. Given the genesis hash the
   * verifier trusts, it is refused; the hash is printed for comparison either way.
   */
  @Test
  void aStoreFromAnotherGenesisIsRefusedWhenTheGenesisIsGiven() throws IOException {
    ChainFixture real = ChainFixture.builder().chainName("pinned").federationServers(4).auditServers(4).build();
    String genesis = real.ledger.block(0).header().hash().toHex();
    real.ledger.close();
    ChainFixture other = ChainFixture.builder().chainName("pinned").federationServers(3).auditServers(1)
        .store(FileBlockStore.open(dir)).build();
    other.commit(other.registerPatient(other.actor("made-up")));
    String otherGenesis = other.ledger.block(0).header().hash().toHex();
    other.ledger.close();
    Run plain = run("chain", "verify", "--store", dir.toString(), "--chain", "pinned");
    assertEquals(0, plain.code(), plain.err());
    assertTrue(plain.out().contains("\"genesis\":\"" + otherGenesis + "\""), plain.out());
    Run pinned = run("chain", "verify", "--store", dir.toString(), "--chain", "pinned", "--genesis", genesis);
    assertEquals(1, pinned.code(), pinned.out());
    assertTrue(pinned.err().startsWith("invalid chain: the genesis block is " + otherGenesis), pinned.err());
    assertEquals(0, run("chain", "verify", "--store", dir.toString(), "--chain", "pinned", "--genesis", otherGenesis)
        .code());
    assertEquals(2, run("chain", "verify", "--store", dir.toString(), "--chain", "pinned", "--genesis", "zz").code());
  }

  /** Issue 13, finding 4: verify reports a torn tail and changes nothing on disk. */
  @Test
  void verifyLeavesATornTailInPlace() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("torn").federationServers(4).auditServers(4)
        .store(FileBlockStore.open(dir)).build();
    f.commit(f.registerPatient(f.actor("alice")));
    f.ledger.close();
    Path segment;
    try (Stream<Path> s = Files.list(dir)) {
      segment = s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
    Files.write(segment, new byte[] {(byte) 0xB1, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
    byte[] before = Files.readAllBytes(segment);
    Run r = run("chain", "verify", "--store", dir.toString(), "--chain", "torn");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"height\":1") && r.out().contains("\"tornTailBytes\":3"), r.out());
    assertTrue(r.err().startsWith("warning: torn tail of 3 bytes after block 1"), r.err());
    org.junit.jupiter.api.Assertions.assertArrayEquals(before, Files.readAllBytes(segment), "the store is unchanged");
    Run block = run("chain", "block", "--store", dir.toString(), "--chain", "torn", "--height", "1");
    assertEquals(0, block.code(), block.err());
    org.junit.jupiter.api.Assertions.assertArrayEquals(before, Files.readAllBytes(segment));
  }
}
