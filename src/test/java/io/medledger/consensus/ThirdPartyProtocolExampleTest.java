package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.consensus.sim.SimApp;
import io.medledger.consensus.sim.SimEntry;
import io.medledger.consensus.sim.SimLedger;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The minimal third-party protocol of docs/consensus.md, compiled and run. */
class ThirdPartyProtocolExampleTest {
  /** Commits a block as soon as one entry is pending, certified by the node's own signature. */
  static final class Immediate<B> implements ConsensusProtocol {
    private final ConsensusApp<B> app;
    private final ConsensusContext ctx;

    Immediate(ConsensusApp<B> app, ConsensusContext ctx) {
      this.app = app;
      this.ctx = ctx;
    }

    @Override
    public List<Action> handle(Event e) {
      if (!(e instanceof Event.EntrySubmitted s)) {
        return List.of();
      }
      long h = app.committedHeight() + 1;
      Ed25519PublicKey me = ctx.key().publicKey();
      ProposalContext pc = new ProposalContext(h, 0, me, ctx.clock().millis());
      B b = app.propose(pc, List.of(s.entry()));
      if (app.validate(b, pc) instanceof ValidationVerdict.Rejected r) {
        return List.of(new Action.ProposalRejected(h, 0, app.hash(b), me, r.reason()));
      }
      Statement st = new Statement(StatementKind.PRECOMMIT, h, 0, app.hash(b), -1);
      QuorumCertificate c = new QuorumCertificate(st, List.of(new QuorumCertificate.VoterSignature(
          app.membership(h).federation().indexOf(me), ctx.key().sign(st.signingBytes(app.chainId())))));
      app.commit(b, c);
      return List.of(new Action.Committed(h, app.hash(b), me, app.entries(b).size(), c));
    }

    @Override
    public long height() {
      return app.committedHeight() + 1;
    }

    @Override
    public int round() {
      return 0;
    }

    @Override
    public String name() {
      return "immediate";
    }
  }

  @Test
  void theDocumentedExampleCommitsCertifiedBlocks() {
    Ed25519PrivateKey key = Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {42}).toByteArray());
    VoterSet m = new VoterSet(List.of(key.publicKey()), List.of());
    SimApp app = new SimApp(Sha256.hash(new byte[] {1}), m, new SimLedger(), 1_000);
    ConsensusProtocol p = new Immediate<>(app,
        new ConsensusContext(key, Clock.systemUTC(), new SplittableRandom(1), new InMemorySafetyStore()));
    assertTrue(p.handle(new Event.Start()).isEmpty());
    Ed25519PrivateKey client = Ed25519PrivateKey.fromSeed(new byte[32]);
    for (int i = 0; i < 3; i++) {
      List<Action> out = p.handle(new Event.EntrySubmitted(SimEntry.sign(client, i, new byte[] {(byte) i}).encode()));
      Action.Committed c = assertInstanceOf(Action.Committed.class, out.get(0));
      assertEquals(i + 1, c.height());
      assertTrue(c.certificate().verify(app.chainId(), m.federation()));
    }
    assertEquals(3, app.committedHeight());
    List<Action> bad = p.handle(new Event.EntrySubmitted(
        SimEntry.sign(client, 0, new byte[] {0}).encode()));
    assertInstanceOf(Action.Committed.class, bad.get(0), "a duplicate entry is left out, leaving an empty block");
    assertEquals(0, ((Action.Committed) bad.get(0)).entries());
  }
}
