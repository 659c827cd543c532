package io.medledger.consensus.sim;

/** How a simulated node treats what its (honest) protocol instance asks it to send. */
public enum Behaviour {
  /** Sends exactly what the protocol says. */
  HONEST,
  /** As bookkeeper, sends one valid proposal to half the peers and a conflicting one to the rest. */
  EQUIVOCATE_PROPOSALS,
  /** Sends every vote, and to a random subset also a conflicting vote for another hash. */
  DOUBLE_SIGN_VOTES,
  /** As bookkeeper, replaces its proposals with invalid blocks (properly signed). */
  INVALID_PROPOSALS,
  /** Never sends its votes. */
  WITHHOLD_VOTES
}
