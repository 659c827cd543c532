package io.medledger.node;

import io.medledger.consensus.Action;

/**
 * Observes what a {@link ProtocolDriver}'s protocol reports. Called on the driver's event-loop
 * thread, in the order the protocol emitted the actions: implementations must not block for long
 * and must not call back into the driver synchronously except through its asynchronous methods.
 */
public interface ConsensusListener {
  /** A block became final and is already durable in the node's block store. */
  default void committed(Action.Committed committed) {}

  /** Conflicting signed statements were seen; the node may submit them as an evidence entry. */
  default void evidenceFound(Action.EvidenceFound evidence) {}

  /** This node refused a proposal. */
  default void proposalRejected(Action.ProposalRejected rejected) {}

  /**
   * A peer sent a signed checkpoint of the ledger-wide log ({@code NodeFrames.CHECKPOINT}); the
   * payload is unverified and at most the transport's frame bound.
   */
  default void checkpointReceived(io.medledger.crypto.Ed25519PublicKey from, byte[] payload) {}

  /**
   * The protocol failed (for example its block store or safety store could not write); the driver
   * has stopped and the node must be restarted from its data directory.
   */
  default void failed(Throwable cause) {}
}
