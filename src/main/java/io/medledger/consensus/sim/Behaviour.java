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
  WITHHOLD_VOTES,
  /** Its clock runs ahead by almost the skew bound, so its blocks carry timestamps at the edge. */
  SKEW_EDGE_TIMESTAMPS,
  /** Floods every peer with signed status messages claiming a far greater height; serves no blocks. */
  STATUS_FLOOD,
  /** Floods every peer with signed messages for far-future rounds and heights. */
  FAR_FUTURE_FLOOD,
  /**
   * Takes part in the lock attack: as bookkeeper shows its block to some voters only and later
   * proposes a conflicting fresh block without proof of lock; as voter votes for both blocks, each
   * vote aimed at the peers the attack needs.
   */
  COLLUDER,
  /** Sends nothing from a point in the run on, as a server that crashed and never came back. */
  SILENT
}