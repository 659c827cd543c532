package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Block;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.chain.EvidencePolicy;
import io.medledger.chain.Ledger;
import io.medledger.chain.ValidationResult;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Sha256;
import io.medledger.internal.consensus.StatementBytes;
import io.medledger.storage.InMemoryBlockStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The protocols ordering real chain blocks through {@link LedgerApp}. */
class LedgerAppTest {
  /** The members of {@code f} that run {@code protocol}, each with its own ledger from genesis, on one driver. */
  private record Network(List<Actor> members, DirectDriver driver, List<LedgerApp> apps) {}

  private static Network network(ChainFixture f, String protocol, int maxBlockEntries) {
    CertifiedBlock genesis = f.ledger.block(0);
    List<Actor> members = new ArrayList<>(f.federation);
    if (protocol.equals(RotatingAuditProtocol.NAME)) {
      members.addAll(f.auditors);
    }
    long start = f.clock.millis();
    DirectDriver driver = new DirectDriver(t -> f.clock.advance(Duration.ofMillis(start + t - f.clock.millis())), 3);
    List<LedgerApp> apps = new ArrayList<>();
    for (Actor a : members) {
      Ledger l = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
          .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open();
      assertInstanceOf(ValidationResult.Accepted.class, l.append(genesis));
      LedgerApp app = new LedgerApp(l);
      apps.add(app);
      ConsensusContext ctx = new ConsensusContext(a.key(), f.clock, new SplittableRandom(3), new InMemorySafetyStore());
      driver.add(a.publicKey(), Protocols.create(protocol, app, ctx, ConsensusConfig.defaults()
          .withBatching(maxBlockEntries, 1 << 20, Duration.ofMillis(30))));
    }
    return new Network(members, driver, apps);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rotating-audit", "bft"})
  void protocolsOrderChainBlocksWithVerifiableCertificates(String protocol) {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    CertifiedBlock genesis = f.ledger.block(0);
    Network n = network(f, protocol, 8);
    List<Actor> members = n.members();
    DirectDriver driver = n.driver();
    List<LedgerApp> apps = n.apps();
    List<Entry> submitted = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Entry e = f.registerPatient(f.actor("patient-" + i));
      submitted.add(e);
      driver.at(10 + 13L * i, i % members.size(), new Event.EntrySubmitted(e.encode()));
    }
    driver.runUntil(10_000);

    Ledger first = apps.get(0).ledger();
    assertTrue(first.height() >= 3, "several blocks of 8 entries at most: " + first.height());
    long included = 0;
    for (long h = 1; h <= first.height(); h++) {
      included += first.block(h).block().entries().size();
    }
    assertEquals(submitted.size(), included, "every entry is final exactly once");
    for (Entry e : submitted) {
      assertTrue(first.locate(e.id()).isPresent());
    }
    VoterSet m = apps.get(0).membership(first.height() + 1);
    for (LedgerApp app : apps) {
      assertEquals(first.height(), app.ledger().height());
      for (long h = 1; h <= first.height(); h++) {
        CertifiedBlock cb = app.ledger().block(h);
        assertEquals(first.block(h).block().hash(), cb.block().hash());
        QuorumCertificate c = app.certificate(h);
        assertTrue(c.verify(f.params.chainId(), Protocols.voters(protocol, m)));
        assertEquals(cb.block().hash(), c.blockHash());
        assertTrue(m.federation().stream().anyMatch(k -> ParticipantId.of(k).equals(cb.header().bookkeeper())),
            "the block names a federation server as bookkeeper");
      }
    }
    // a ledger reopened over a node's store replays every block under the consensus certificate policy
    Ledger copy = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
        .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open();
    for (long h = 0; h <= first.height(); h++) {
      assertInstanceOf(ValidationResult.Accepted.class, copy.append(first.block(h)), "height " + h);
    }
    // a forged certificate (too few signers) is refused by the policy
    QuorumCertificate real = apps.get(0).certificate(1);
    QuorumCertificate weak = new QuorumCertificate(real.statement(), real.signatures().subList(0, 1));
    Block b1 = first.block(1).block();
    Ledger other = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
        .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open();
    other.append(genesis);
    ValidationResult<CertifiedBlock> refused = other.append(new CertifiedBlock(b1,
        new io.medledger.chain.Certificate(List.of(), ByteString.of(weak.encode()))));
    assertInstanceOf(ValidationResult.Rejected.class, refused);
  }

  /**
   * A proposer defers the patient registrations beyond one registrar's share of a block and the
   * protocol keeps them pending, so that a registrar flooding the chain (here through one member)
   * takes at most its share of each block and every registration it submitted still becomes
   * final, while another registrar's registrations queued behind the flood go into the first block.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rotating-audit", "bft"})
  void deferredRegistrationsStayPendingUntilLaterBlocks(String protocol) {
    int share = 2;
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).registrationBound(share, 0).build();
    Network n = network(f, protocol, 100);
    List<Entry> flood = new ArrayList<>();
    for (int i = 0; i < 6 * share; i++) {
      flood.add(f.registerPatient(f.actor("flood-" + i), f.hospitalA));
    }
    List<Entry> honest = List.of(f.registerPatient(f.actor("honest-0"), f.hospitalB),
        f.registerPatient(f.actor("honest-1"), f.hospitalB));
    List<Entry> all = new ArrayList<>(flood);
    all.addAll(honest);
    for (int i = 0; i < all.size(); i++) {
      n.driver().at(10 + i, 0, new Event.EntrySubmitted(all.get(i).encode()));
    }
    n.driver().runUntil(30_000);
    Ledger first = n.apps().get(0).ledger();
    for (Entry e : all) {
      assertTrue(first.locate(e.id()).isPresent(), "not final: " + e.id());
    }
    long start = first.locate(honest.get(0).id()).orElseThrow().height();
    assertEquals(start, first.locate(honest.get(1).id()).orElseThrow().height());
    for (long h = 1; h <= first.height(); h++) {
      long mine = first.block(h).block().entries().stream().filter(flood::contains).count();
      assertTrue(mine <= share, "block " + h + " holds " + mine + " of one registrar's registrations");
      assertTrue(h >= start || mine == 0, "no block of the flood comes before the honest registrations' block");
    }
  }

  /**
   * A relay that keeps a genuine header and certificate but swaps the entries: the app refuses the
   * bytes as undecodable (the header's hash does not determine them), so the protocol caches no
   * verdict under the genuine block's hash and commits the genuine block delivered next.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rotating-audit", "bft"})
  void aForgedBodyUnderAGenuineHeaderIsRefusedAndTheGenuineBlockStillCommits(String protocol) {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    Network n = network(f, protocol, 4);
    for (int i = 0; i < 4; i++) {
      n.driver().at(10, i % n.members().size(), new Event.EntrySubmitted(f.registerPatient(f.actor("genuine-" + i)).encode()));
    }
    n.driver().runUntil(5_000);
    Block genuine = n.apps().get(0).ledger().block(1).block();
    QuorumCertificate cert = n.apps().get(0).certificate(1);
    List<Entry> others = new ArrayList<>();
    for (int i = 0; i < genuine.entries().size(); i++) {
      others.add(f.registerPatient(f.actor("forged-" + i)));
    }
    Block forged = new Block(genuine.header(), others);
    assertEquals(genuine.hash(), forged.hash(), "control: the forgery carries the genuine header");
    assertFalse(forged.entriesMatchHeader());
    assertTrue(genuine.entriesMatchHeader());

    CertifiedBlock genesis = f.ledger.block(0);
    Ledger late = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
        .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open();
    late.append(genesis);
    LedgerApp app = new LedgerApp(late);
    org.junit.jupiter.api.Assertions.assertThrows(io.medledger.codec.MalformedEncodingException.class,
        () -> app.decode(forged.encode()));
    app.predecode(forged.encode(), cert); // decoded ahead, it is not kept either
    org.junit.jupiter.api.Assertions.assertThrows(io.medledger.codec.MalformedEncodingException.class,
        () -> app.decode(forged.encode()));
    ConsensusProtocol p = Protocols.create(protocol, app, new ConsensusContext(f.auditors.get(3).key(), f.clock,
        new SplittableRandom(6), new InMemorySafetyStore()), ConsensusConfig.defaults());
    p.handle(new Event.Start());
    List<Action> out = p.handle(new Event.BlockDelivered(forged.encode(), cert));
    assertTrue(out.stream().noneMatch(a -> a instanceof Action.Committed || a instanceof Action.ProposalRejected),
        out.toString());
    out = p.handle(new Event.BlockDelivered(genuine.encode(), cert));
    assertTrue(out.stream().anyMatch(a -> a instanceof Action.Committed c && c.blockHash().equals(genuine.hash())),
        "the genuine block commits after the forgery: " + out);
    assertEquals(genuine.hash(), late.block(1).block().hash());
  }

  /**
   * Issue 12, "evidence with consequences", end to end: evidence ordered by the protocol suspends
   * the accused from the next height on every node; its votes no longer count and it no longer
   * proposes, while the chain goes on.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rotating-audit", "bft"})
  void orderedEvidenceSuspendsTheAccusedOnEveryNode(String protocol) {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    boolean audit = protocol.equals(RotatingAuditProtocol.NAME);
    List<Actor> members = new ArrayList<>(f.federation);
    if (audit) {
      members.addAll(f.auditors);
    }
    Actor badVoter = audit ? f.auditors.get(3) : f.federation.get(3);
    Actor badProposer = f.federation.get(3);
    long start = f.clock.millis();
    DirectDriver driver = new DirectDriver(t -> f.clock.advance(Duration.ofMillis(start + t - f.clock.millis())), 3);
    List<LedgerApp> apps = new ArrayList<>();
    for (Actor a : members) {
      Ledger l = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
          .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open();
      assertInstanceOf(ValidationResult.Accepted.class, l.append(f.ledger.block(0)));
      LedgerApp app = new LedgerApp(l);
      apps.add(app);
      ConsensusContext ctx = new ConsensusContext(a.key(), f.clock, new SplittableRandom(5), new InMemorySafetyStore());
      driver.add(a.publicKey(), Protocols.create(protocol, app, ctx, ConsensusConfig.defaults()
          .withBatching(8, 1 << 20, Duration.ofMillis(30))));
    }
    Actor reporter = f.federation.get(0);
    List<Entry> evidence = new ArrayList<>(List.of(f.evidence(reporter, badVoter,
        f.statement(StatementBytes.PRECOMMIT, 1, 0, "X", -1), f.statement(StatementBytes.PRECOMMIT, 1, 0, "Y", -1))));
    if (audit) {
      evidence.add(f.evidence(reporter, badProposer, f.statement(StatementBytes.PROPOSAL, 1, 0, "X", -1),
          f.statement(StatementBytes.PROPOSAL, 1, 0, "Y", -1)));
    }
    for (Entry e : evidence) {
      driver.at(50, 0, new Event.EntrySubmitted(e.encode()));
    }
    for (int i = 0; i < 24; i++) {
      driver.at(10 + 13L * i, i % members.size(), new Event.EntrySubmitted(f.registerPatient(f.actor("p" + i)).encode()));
    }
    driver.runUntil(10_000);

    Ledger first = apps.get(0).ledger();
    long c = first.locate(evidence.get(0).id()).orElseThrow().height();
    assertEquals(c, first.locate(evidence.get(evidence.size() - 1).id()).orElseThrow().height());
    assertTrue(first.height() >= c + 2, "the chain goes on after the suspension: " + first.height() + " vs " + c);
    for (LedgerApp app : apps) {
      assertEquals(first.height(), app.ledger().height(), "every node, the suspended ones too, has the chain");
      for (long h = 1; h <= first.height() + 1; h++) {
        assertEquals(apps.get(0).membership(h), app.membership(h), "all nodes agree at height " + h);
      }
    }
    LedgerApp app = apps.get(0);
    assertTrue(Protocols.voters(protocol, app.membership(c)).contains(badVoter.publicKey()), "serving up to c");
    for (long h = c + 1; h <= first.height(); h++) {
      VoterSet m = app.membership(h);
      assertFalse(Protocols.voters(protocol, m).contains(badVoter.publicKey()), "suspended from c + 1");
      assertFalse(m.federation().contains(badProposer.publicKey()));
      assertTrue(app.certificate(h).verify(f.params.chainId(), Protocols.voters(protocol, m)),
          "certified by the serving voters only");
      assertFalse(first.block(h).block().header().bookkeeper().equals(badProposer.id()), "skipped as bookkeeper");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rotating-audit"})
  void evidenceBecomesAValidChainEntry(String protocol) {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    Actor cheat = f.auditors.get(1);
    Actor reporter = f.federation.get(0);
    long h = f.ledger.height() + 1;
    Statement a = new Statement(StatementKind.PRECOMMIT, h, 2, Sha256.hash(new byte[] {1}), -1);
    Statement b = new Statement(StatementKind.PRECOMMIT, h, 2, Sha256.hash(new byte[] {2}), -1);
    Equivocation ev = new Equivocation(cheat.publicKey(), a, cheat.key().sign(a.signingBytes(f.params.chainId())), b,
        cheat.key().sign(b.signingBytes(f.params.chainId())));
    assertTrue(ev.verify(f.params.chainId()));
    LedgerApp app = new LedgerApp(f.ledger);
    io.medledger.chain.Evidence entry = app.evidenceEntry(ev, reporter.key(), f.now());
    assertEquals(ParticipantId.of(cheat.publicKey()), entry.accused());
    assertInstanceOf(ValidationResult.Accepted.class, f.ledger.checkEntry(entry));
    EvidencePolicy strict = f.params.evidencePolicy();
    assertTrue(strict.offence(f.params.chainId(), entry.firstMessage(), entry.secondMessage()).isPresent());
    assertFalse(strict.offence(f.params.chainId(), entry.firstMessage(), entry.firstMessage()).isPresent());
    Statement otherRound = new Statement(StatementKind.PRECOMMIT, h, 3, b.hash(), -1);
    assertFalse(strict.offence(f.params.chainId(), entry.firstMessage(),
        ByteString.of(otherRound.signingBytes(f.params.chainId()))).isPresent());
    assertEquals(protocol, RotatingAuditProtocol.NAME);
  }

  /**
   * What a proposal leaves out is {@code forged} only when no state makes it valid: undecodable
   * bytes, or a signature that does not verify. An entry refused for the state (a patient that is
   * already registered) is not: an honest member may have gossiped it before the state changed.
   */
  @org.junit.jupiter.api.Test
  void forgedNamesOnlyWhatNoStateMakesValid() {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    f.commit(f.registerPatient(alice));
    LedgerApp app = new LedgerApp(f.ledger);
    byte[] good = f.registerPatient(f.actor("bob")).encode();
    byte[] again = f.sign(new io.medledger.chain.PatientRegistration(alice.publicKey(), f.now() + 1, List.of()), alice)
        .encode();
    byte[] badSignature = f.registerPatient(f.actor("carol")).encode();
    badSignature[badSignature.length - 1] ^= 1;
    byte[] garbage = {9, 9, 9};
    Block b = app.propose(new ProposalContext(2, 0, f.federation.get(0).publicKey(), f.now()),
        List.of(good, again, badSignature, garbage));
    assertEquals(1, app.entries(b).size(), "only the good entry is proposed");
    assertFalse(app.forged(good));
    assertFalse(app.forged(again), "refused for the state: not forged");
    assertTrue(app.forged(badSignature));
    assertTrue(app.forged(garbage));
  }
}
