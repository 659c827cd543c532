package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.consensus.sim.SimApp;
import io.medledger.consensus.sim.SimBlock;
import io.medledger.consensus.sim.SimEntry;
import io.medledger.consensus.sim.SimLedger;
import io.medledger.consensus.sim.Simulation;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ConsensusConfig#catchUpTrustsCertificates()}: a block that arrives by catch-up with a
 * verified precommit certificate, or whose precommit quorum a node that does not vote counted, is
 * checked without its entry signatures, but with every other rule; a proposal never is.
 */
class CatchUpTrustTest {
  private static final long T0 = 1_700_000_000_000L;
  private final Digest chainId = Sha256.hash("catch-up-trust".getBytes(StandardCharsets.US_ASCII));
  private final List<Ed25519PrivateKey> keys = new ArrayList<>();
  private final VoterSet membership;
  private final Ed25519PrivateKey client = Ed25519PrivateKey.fromSeed(new byte[32]);

  CatchUpTrustTest() {
    List<Ed25519PublicKey> validators = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] seed = new byte[32];
      seed[0] = (byte) (i + 1);
      keys.add(Ed25519PrivateKey.fromSeed(seed));
      validators.add(keys.get(i).publicKey());
    }
    membership = new VoterSet(validators, List.of());
  }

  private byte[] entry(long nonce, boolean validSignature) {
    SimEntry e = SimEntry.sign(client, nonce, new byte[] {(byte) nonce, 1, 2});
    return (validSignature ? e : e.corrupted()).encode();
  }

  private SimBlock block(long h, Digest previous, List<byte[]> entries, boolean rightRoot) {
    Ed25519PublicKey proposer = QuorumEngine.proposerOf(membership, h, 0);
    return rightRoot ? SimBlock.build(h, previous, T0 + h, proposer, entries)
        : SimBlock.withRoot(h, previous, T0 + h, proposer, Sha256.hash(new byte[] {9}), entries);
  }

  private QuorumCertificate certify(SimBlock b) {
    Statement st = new Statement(StatementKind.PRECOMMIT, b.height(), 0, b.hash(), -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      sigs.add(new QuorumCertificate.VoterSignature(v, keys.get(v).sign(st.signingBytes(chainId))));
    }
    return new QuorumCertificate(st, sigs);
  }

  private ConsensusProtocol node(SimApp app, boolean trust) {
    ConsensusContext ctx = new ConsensusContext(keys.get(3), Clock.fixed(Instant.ofEpochMilli(T0 + 10_000), ZoneOffset.UTC),
        new SplittableRandom(1), new InMemorySafetyStore(), SignatureVerifier.DIRECT);
    ConsensusProtocol p = Protocols.create(BftProtocol.NAME, app, ctx, Simulation.defaultConfig().withCatchUp(256, trust));
    p.handle(new Event.Start());
    return p;
  }

  /** Delivers block 1 (valid) and then {@code second} with its certificate; returns the node's height. */
  private long deliver(boolean trust, SimBlock second, List<Action> actions) {
    SimApp app = new SimApp(chainId, membership, new SimLedger(), 1_000);
    ConsensusProtocol p = node(app, trust);
    SimBlock first = block(1, SimApp.genesisHash(chainId), List.of(entry(1, true)), true);
    p.handle(new Event.BlockDelivered(first.encode(), certify(first)));
    assertEquals(2, p.height());
    actions.addAll(p.handle(new Event.BlockDelivered(second.encode(), certify(second))));
    return p.height();
  }

  private SimBlock secondBlock(boolean validSignatures, boolean rightRoot) {
    SimBlock first = block(1, SimApp.genesisHash(chainId), List.of(entry(1, true)), true);
    return block(2, first.hash(), List.of(entry(2, true), entry(3, validSignatures)), rightRoot);
  }

  @Test
  void aCertifiedBlockIsCommittedWithoutCheckingEntrySignaturesWhenTrusted() {
    List<Action> actions = new ArrayList<>();
    assertEquals(3, deliver(true, secondBlock(false, true), actions));
    assertTrue(actions.stream().anyMatch(a -> a instanceof Action.Committed c && c.height() == 2));
  }

  @Test
  void withoutTrustTheSameBlockIsRefusedForItsEntrySignature() {
    List<Action> actions = new ArrayList<>();
    assertEquals(2, deliver(false, secondBlock(false, true), actions));
    assertTrue(actions.stream().anyMatch(a -> a instanceof Action.ProposalRejected r && r.reason().contains("signature")),
        actions.toString());
  }

  @Test
  void everyOtherRuleStillHoldsForATrustedCertifiedBlock() {
    List<Action> actions = new ArrayList<>();
    assertEquals(2, deliver(true, secondBlock(true, false), actions), "a wrong entry root is refused");
    SimBlock first = block(1, SimApp.genesisHash(chainId), List.of(entry(1, true)), true);
    SimBlock duplicate = block(2, first.hash(), List.of(entry(1, true)), true);
    assertEquals(2, deliver(true, duplicate, new ArrayList<>()), "an entry already on the chain is refused");
    SimBlock unlinked = block(2, Sha256.hash(new byte[] {1}), List.of(entry(2, true)), true);
    assertEquals(2, deliver(true, unlinked, new ArrayList<>()), "a block that does not link is refused");
  }

  @Test
  void aProposalIsAlwaysCheckedInFullEvenWhenCatchUpTrustsCertificates() {
    SimApp app = new SimApp(chainId, membership, new SimLedger(), 1_000);
    ConsensusProtocol p = node(app, true);
    SimBlock bad = block(1, SimApp.genesisHash(chainId), List.of(entry(1, true), entry(2, false)), true);
    Ed25519PrivateKey proposer = keys.get(membership.federation().indexOf(QuorumEngine.proposerOf(membership, 1, 0)));
    Statement st = new Statement(StatementKind.PROPOSAL, 1, 0, bad.hash(), -1);
    ConsensusMessage.Proposal msg = new ConsensusMessage.Proposal(st, proposer.sign(st.signingBytes(chainId)), bad.encode(), null);
    List<Action> actions = p.handle(new Event.MessageReceived(proposer.publicKey(), msg.encode()));
    assertTrue(actions.stream().anyMatch(a -> a instanceof Action.ProposalRejected r && r.reason().contains("signature")),
        actions.toString());
    assertFalse(actions.stream().anyMatch(a -> a instanceof Action.Broadcast b && b.message() instanceof ConsensusMessage.Vote),
        "no prevote for a block with a bad entry signature");
    assertEquals(1, p.height());
  }

  /**
   * Under {@code rotating-audit} a federation server does not vote: it commits on the auditors'
   * precommits. Returns its height after a proposal holding a bad entry signature and forged
   * precommits for it from three of the four auditors, and collects the actions.
   */
  private long nonVoterSeesPrecommitQuorum(boolean trust, List<Action> actions) {
    return nonVoterSeesPrecommitQuorum(trust, actions, new int[1], new int[1]);
  }

  /**
   * As above; {@code checks[0]} counts the app's checks of the block, {@code checksOnProposal[0]}
   * those already made when the proposal had been handled.
   */
  private long nonVoterSeesPrecommitQuorum(boolean trust, List<Action> actions, int[] checks, int[] checksOnProposal) {
    List<Ed25519PrivateKey> auditors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] seed = new byte[32];
      seed[0] = (byte) (i + 101);
      auditors.add(Ed25519PrivateKey.fromSeed(seed));
    }
    VoterSet m = new VoterSet(membership.federation(), auditors.stream().map(Ed25519PrivateKey::publicKey).toList());
    Ed25519PublicKey proposerKey = QuorumEngine.proposerOf(m, 1, 0);
    Ed25519PrivateKey proposer = keys.get(m.federation().indexOf(proposerKey));
    Ed25519PrivateKey self = keys.stream().filter(k -> !k.publicKey().equals(proposerKey)).findFirst().orElseThrow();
    SimApp app = new SimApp(chainId, m, new SimLedger(), 1_000);
    app.rejectWhen(b -> {
      checks[0]++;
      return java.util.Optional.empty();
    });
    ConsensusContext ctx = new ConsensusContext(self, Clock.fixed(Instant.ofEpochMilli(T0 + 10_000), ZoneOffset.UTC),
        new SplittableRandom(1), new InMemorySafetyStore(), SignatureVerifier.DIRECT);
    ConsensusProtocol p = Protocols.create(RotatingAuditProtocol.NAME, app, ctx, Simulation.defaultConfig().withCatchUp(256, trust));
    p.handle(new Event.Start());
    SimBlock bad = SimBlock.build(1, SimApp.genesisHash(chainId), T0 + 1, proposerKey, List.of(entry(1, true), entry(2, false)));
    Statement st = new Statement(StatementKind.PROPOSAL, 1, 0, bad.hash(), -1);
    byte[] proposerSig = proposer.sign(st.signingBytes(chainId));
    actions.addAll(p.handle(new Event.MessageReceived(proposerKey,
        new ConsensusMessage.Proposal(st, proposerSig, bad.encode(), null).encode())));
    assertEquals(1, p.height(), "a node that does not vote does not commit on a proposal alone");
    checksOnProposal[0] = checks[0];
    Statement pc = new Statement(StatementKind.PRECOMMIT, 1, 0, bad.hash(), -1);
    for (int v = 0; v < 3; v++) {
      ConsensusMessage.Vote vote = new ConsensusMessage.Vote(pc, v, auditors.get(v).sign(pc.signingBytes(chainId)), -1, proposerSig);
      actions.addAll(p.handle(new Event.MessageReceived(auditors.get(v).publicKey(), vote.encode())));
    }
    return p.height();
  }

  @Test
  void aNodeThatDoesNotVoteCommitsOnAPrecommitQuorumWithoutEntrySignatures() {
    List<Action> trusted = new ArrayList<>();
    assertEquals(2, nonVoterSeesPrecommitQuorum(true, trusted), trusted.toString());
    assertTrue(trusted.stream().anyMatch(a -> a instanceof Action.Committed c && c.height() == 1));
    List<Action> untrusted = new ArrayList<>();
    assertEquals(1, nonVoterSeesPrecommitQuorum(false, untrusted));
    assertTrue(untrusted.stream().anyMatch(a -> a instanceof Action.ProposalRejected r && r.reason().contains("signature")),
        untrusted.toString());
  }

  /**
   * A node that does not vote checks a proposal (without its entry signatures) when it arrives, so
   * that the check overlaps the voters' own and its commit does not wait for it; once per block.
   * Without trust it checks the block in full, and only when the certificate makes it final.
   */
  @Test
  void aNodeThatDoesNotVoteChecksAProposalWhenItArrivesAndOnlyOnce() {
    int[] checks = new int[1];
    int[] onProposal = new int[1];
    List<Action> trusted = new ArrayList<>();
    assertEquals(2, nonVoterSeesPrecommitQuorum(true, trusted, checks, onProposal), trusted.toString());
    assertEquals(1, onProposal[0], "checked when the proposal arrived");
    assertEquals(1, checks[0], "not checked again at the commit");
    int[] fullChecks = new int[1];
    int[] fullOnProposal = new int[1];
    assertEquals(1, nonVoterSeesPrecommitQuorum(false, new ArrayList<>(), fullChecks, fullOnProposal));
    assertEquals(0, fullOnProposal[0], "without trust, nothing is checked before the certificate");
  }

  @Test
  void theDefaultsTrustCertificatesForCatchUpAndTheSimulatorAsksForBulkBatches() {
    assertTrue(ConsensusConfig.defaults().catchUpTrustsCertificates());
    assertEquals(256, Simulation.defaultConfig().syncBatch());
    assertTrue(Simulation.defaultConfig().catchUpTrustsCertificates());
    assertFalse(ConsensusConfig.defaults().withCatchUp(16, false).catchUpTrustsCertificates());
  }
}
