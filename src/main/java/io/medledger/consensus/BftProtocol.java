package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;

/**
 * The classic alternative for federations without an audit tier: every federation server is a
 * validator that both proposes (in rotation over height and round) and votes, Tendermint-style,
 * with two voting phases and locking. A block is final with precommits from more than two thirds
 * of the validators. Safe while at most f of 3f+1 validators are Byzantine.
 *
 * <p>See docs/consensus.md for the rules and the proofs. Not thread-safe: one driver thread.
 *
 * @param <B> the application's block type
 */
public final class BftProtocol<B> extends QuorumProtocol {
  /** The name under which the protocol is chosen by configuration. */
  public static final String NAME = "bft";

  /** A protocol instance for the node holding {@code ctx.key()}. */
  public BftProtocol(ConsensusApp<B> app, ConsensusContext ctx, ConsensusConfig config) {
    super(NAME, QuorumEngine.Roles.BFT, app, ctx, config);
  }

  /** The voters whose precommits form this protocol's certificates at a height. */
  public static List<Ed25519PublicKey> voters(VoterSet membership) {
    return membership.federation();
  }
}
