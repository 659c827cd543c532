package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;

/**
 * Federation servers take turns as bookkeeper over (height, round); audit servers validate each
 * proposal with the application's full rules and countersign it in two phases (prevote,
 * precommit). A block is final with precommits from more than two thirds of the audit servers:
 * that quorum is its certificate. Safety holds while at most f of 3f+1 audit servers are
 * Byzantine, whatever the federation servers do; progress needs at least one honest federation
 * server and at most f faulty audit servers.
 *
 * <p>See docs/consensus.md for the rules and the proofs. Not thread-safe: one driver thread.
 *
 * @param <B> the application's block type
 */
public final class RotatingAuditProtocol<B> extends QuorumProtocol {
  /** The name under which the protocol is chosen by configuration. */
  public static final String NAME = "rotating-audit";

  /** A protocol instance for the node holding {@code ctx.key()}. */
  public RotatingAuditProtocol(ConsensusApp<B> app, ConsensusContext ctx, ConsensusConfig config) {
    super(NAME, QuorumEngine.Roles.AUDIT, app, ctx, config);
  }

  /** The voters whose precommits form this protocol's certificates at a height. */
  public static List<Ed25519PublicKey> voters(VoterSet membership) {
    return membership.auditors();
  }
}
