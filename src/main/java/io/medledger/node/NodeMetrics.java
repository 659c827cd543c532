package io.medledger.node;

/**
 * Counters and timings a node reports: blocks and rounds, submissions, peers, the re-encryption
 * proxy. The node calls these on its own threads (the consensus event loop, client threads), so
 * implementations must be thread-safe and must not block. {@link #NONE} discards everything;
 * {@link JfrNodeMetrics} emits JDK Flight Recorder events. Cost: the node makes one call per
 * block, per submission and per proxy operation, never per message.
 */
public interface NodeMetrics {
  /** Discards every report. */
  NodeMetrics NONE = new NodeMetrics() {};

  /** Block {@code height} with {@code entries} entries became final in round {@code round}. */
  default void blockCommitted(long height, int entries, int round) {}

  /** A submission became final after {@code nanos} on this node. */
  default void submissionFinal(long nanos) {}

  /** A submission was refused for {@code cause}. */
  default void submissionRefused(SubmissionRefusedException.Cause cause) {}

  /** This node refused a proposal at {@code height}, round {@code round}. */
  default void proposalRejected(long height, int round) {}

  /** The number of authenticated peer connections is now {@code connected} of {@code configured}. */
  default void peers(int connected, int configured) {}

  /** The proxy re-encrypted (or refused to, {@code ok} false) in {@code nanos}. */
  default void proxyReencryption(long nanos, boolean ok) {}

  /** The proxy took ({@code ok}) or could not take a grant's key fragment. */
  default void proxyFragment(boolean ok) {}
}
