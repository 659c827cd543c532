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
 * verified precommit certificate is checked without its entry signatures, but with every other
 * rule; a proposal never is.
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
    List<QuorumCertificate.Signature> sigs = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      sigs.add(new QuorumCertificate.Signature(v, keys.get(v).sign(st.signingBytes(chainId))));
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

  @Test
  void theDefaultsTrustCertificatesForCatchUpAndTheSimulatorAsksForBulkBatches() {
    assertTrue(ConsensusConfig.defaults().catchUpTrustsCertificates());
    assertEquals(256, Simulation.defaultConfig().syncBatch());
    assertTrue(Simulation.defaultConfig().catchUpTrustsCertificates());
    assertFalse(ConsensusConfig.defaults().withCatchUp(16, false).catchUpTrustsCertificates());
  }
}
