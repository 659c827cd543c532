package io.medledger.consensus;

import java.util.List;

/**
 * The common base of the two-phase quorum protocols ({@link RotatingAuditProtocol},
 * {@link BftProtocol}): they differ only in who votes. Not thread-safe: one driver thread.
 */
public abstract sealed class QuorumProtocol implements ConsensusProtocol
    permits RotatingAuditProtocol, BftProtocol {
  /**
   * K: a node keeps proposals and votes only for rounds up to its current round plus K (and, of
   * the next height, rounds 0 to K); later rounds are dropped before any signature is checked.
   */
  public static final int ROUND_WINDOW = 8;

  private final ConsensusProtocol engine;

  <B> QuorumProtocol(String name, QuorumEngine.Roles roles, ConsensusApp<B> app, ConsensusContext ctx,
      ConsensusConfig config) {
    this.engine = new QuorumEngine<>(name, roles, app, ctx, config);
  }

  /** The bookkeeper of (height, round): federation server number (height + round) mod n. */
  public static io.medledger.crypto.Ed25519PublicKey bookkeeper(VoterSet membership, long height, int round) {
    return QuorumEngine.proposerOf(membership, height, round);
  }

  @Override
  public final List<Action> handle(Event event) {
    return engine.handle(event);
  }

  @Override
  public final long height() {
    return engine.height();
  }

  @Override
  public final int round() {
    return engine.round();
  }

  @Override
  public final long retainedBytes() {
    return engine.retainedBytes();
  }

  @Override
  public final String name() {
    return engine.name();
  }
}
