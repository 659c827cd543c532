package io.medledger.consensus;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Single-node consensus for development and tests: the only federation server batches pending
 * entries (by count, bytes or delay), validates its own block, signs a one-signature certificate
 * and commits. No fault tolerance. Written against the public interfaces only, as an example of a
 * third-party protocol. Not thread-safe: one driver thread.
 *
 * @param <B> the application's block type
 */
public final class SoloProtocol<B> implements ConsensusProtocol {
  /** The name under which the protocol is chosen by configuration. */
  public static final String NAME = "solo";

  private final ConsensusApp<B> app;
  private final ConsensusContext ctx;
  private final ConsensusConfig cfg;
  private final LinkedHashMap<Digest, byte[]> pool = new LinkedHashMap<>();
  private long poolBytes;
  private long timerSeq;
  private TimerId pendingTimer;
  private long height;
  private boolean started;

  /** A protocol instance; {@code ctx.key()} must be the only federation server. */
  public SoloProtocol(ConsensusApp<B> app, ConsensusContext ctx, ConsensusConfig config) {
    this.app = app;
    this.ctx = ctx;
    this.cfg = config;
  }

  @Override
  public List<Action> handle(Event event) {
    List<Action> out = new ArrayList<>();
    if (event instanceof Event.Start) {
      started = true;
      height = app.committedHeight() + 1;
      if (!pool.isEmpty()) {
        armTimer(out);
      }
      return out;
    }
    if (!started) {
      throw new IllegalStateException("the first event must be Start");
    }
    if (event instanceof Event.EntrySubmitted s) {
      byte[] e = s.entry();
      if (pool.size() < cfg.maxPendingEntries() && pool.putIfAbsent(io.medledger.crypto.Sha256.hash(e), e) == null) {
        poolBytes += e.length;
      }
      if (pool.size() >= cfg.maxBlockEntries() || poolBytes >= cfg.maxBlockBytes()) {
        produce(out);
      } else if (pendingTimer == null) {
        armTimer(out);
      }
    } else if (event instanceof Event.TimerFired t) {
      if (t.timer().equals(pendingTimer)) {
        pendingTimer = null;
        produce(out);
      }
    } else if (event instanceof Event.BlockDelivered d) {
      B b = app.decode(d.block());
      QuorumCertificate c = d.certificate();
      VoterSet m = app.membership(height);
      if (app.height(b) == height && c.blockHash().equals(app.hash(b))
          && c.statement().kind() == StatementKind.PRECOMMIT && c.verify(app.chainId(), m.federation(), ctx.verifier())
          && app.proposer(b).isPresent() && validCertified(b, c)) {
        commit(b, c, out);
      }
    }
    return out;
  }

  /** A delivered block with a verified certificate: entry signatures are trusted when so configured. */
  private boolean validCertified(B b, QuorumCertificate c) {
    ProposalContext pc = new ProposalContext(height, c.round(), app.proposer(b).get(), ctx.clock().millis());
    return (cfg.catchUpTrustsCertificates() ? app.validateCertified(b, pc) : app.validate(b, pc)).accepted();
  }

  private void armTimer(List<Action> out) {
    pendingTimer = new TimerId("batch", height, 0, ++timerSeq);
    out.add(new Action.SetTimer(pendingTimer, cfg.maxBatchDelay()));
  }

  private void produce(List<Action> out) {
    while (!pool.isEmpty()) {
      List<byte[]> batch = new ArrayList<>();
      long bytes = 0;
      for (byte[] e : pool.values()) {
        if (batch.size() >= cfg.maxBlockEntries() || (bytes + e.length > cfg.maxBlockBytes() && !batch.isEmpty())) {
          break;
        }
        batch.add(e);
        bytes += e.length;
      }
      Ed25519PublicKey me = ctx.key().publicKey();
      ProposalContext pc = new ProposalContext(height, 0, me, ctx.clock().millis());
      B b = app.propose(pc, batch);
      Digest hash = app.hash(b);
      ValidationVerdict v = app.validate(b, pc);
      if (v instanceof ValidationVerdict.Rejected r) {
        out.add(new Action.ProposalRejected(height, 0, hash, me, r.reason()));
        for (byte[] e : batch) {
          poolBytes -= e.length;
          pool.remove(io.medledger.crypto.Sha256.hash(e));
        }
        continue;
      }
      Statement st = new Statement(StatementKind.PRECOMMIT, height, 0, hash, -1);
      int index = app.membership(height).federation().indexOf(me);
      if (index < 0) {
        throw new IllegalStateException("this node is not the federation server of the chain");
      }
      QuorumCertificate c = new QuorumCertificate(st, List.of(
          new QuorumCertificate.VoterSignature(index, ctx.key().sign(st.signingBytes(app.chainId())))));
      commit(b, c, out);
      if (pool.size() < cfg.maxBlockEntries()) {
        break;
      }
    }
    if (!pool.isEmpty() && pendingTimer == null) {
      armTimer(out);
    }
  }

  private void commit(B b, QuorumCertificate c, List<Action> out) {
    app.commit(b, c);
    List<byte[]> entries = app.entries(b);
    for (byte[] e : entries) {
      byte[] removed = pool.remove(io.medledger.crypto.Sha256.hash(e));
      if (removed != null) {
        poolBytes -= removed.length;
      }
    }
    out.add(new Action.Committed(height, app.hash(b), app.proposer(b).orElseThrow(), entries.size(), c));
    height++;
  }

  @Override
  public long height() {
    return height;
  }

  @Override
  public int round() {
    return 0;
  }

  @Override
  public String name() {
    return NAME;
  }

}
