package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;

/**
 * The classic alternative for federations without an audit tier: every federation server is a validator that both proposes (in rotation over height and round) and votes, Tendermint-style, with two voting phases and locking. A block is final with precommits from more than two thirds of the validators. Safe while at most f of 3f+1 validators are Byzantine.
 *
 * <p>See docs/consensus.md for the rules and the proofs. Not thread-safe: one driver thread.
 *
 * @param <B> the application's block type
 */
public final class BftProtocol<B> implements ConsensusProtocol {
  /** The name under which the protocol is chosen by configuration. */
  public static final String NAME = "bft";

  private final QuorumEngine<B> engine;

  /** A protocol instance for the node holding {@code ctx.key()}. */
  public BftProtocol(ConsensusApp<B> app, ConsensusContext ctx, ConsensusConfig config) {
    this.engine = new QuorumEngine<>(NAME, QuorumEngine.Roles.BFT, app, ctx, config);
  }

  /** The bookkeeper of (height, round): federation server number (height + round) mod n. */
  public static Ed25519PublicKey bookkeeper(Membership membership, long height, int round) {
    return QuorumEngine.proposerOf(membership, height, round);
  }

  /** The voters whose precommits form this protocol's certificates at a height. */
  public static List<Ed25519PublicKey> voters(Membership membership) {
    return membership.federation();
  }

  @Override
  public List<Action> handle(Event event) {
    return engine.handle(event);
  }

  @Override
  public long height() {
    return engine.height();
  }

  @Override
  public int round() {
    return engine.round();
  }

  @Override
  public String name() {
    return NAME;
  }
}
