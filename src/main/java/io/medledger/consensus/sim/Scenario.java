package io.medledger.consensus.sim;

import java.util.List;

/**
 * A fault scenario of the simulator. Faults happen before the stabilization time; afterwards the
 * network is healthy and at most f voters stay Byzantine, so liveness is checked from then on.
 */
public enum Scenario {
  /** LAN latency with jitter, no faults. */
  HEALTHY,
  /** 10% loss, 5% duplication, wide latency spread (reordering). */
  LOSSY,
  /** The nodes split into two groups; the partition heals at stabilization. */
  PARTITION,
  /** Up to f voters and one bookkeeper crash and restart with their durable stores. */
  CRASH_RESTART,
  /** Every node crashes at once and restarts. */
  ALL_RESTART,
  /** More than f voters are down for a while (no quorum), then return. */
  MAJORITY_DOWN,
  /** Clock offsets of up to 300 ms and 0.5% timer drift. */
  CLOCK_SKEW,
  /** A bookkeeper sends different valid proposals to different halves of the network. */
  EQUIVOCATING_BOOKKEEPER,
  /** f voters sign a second, conflicting vote for every vote they cast. */
  DOUBLE_SIGNING_AUDITOR,
  /** A bookkeeper proposes invalid blocks (bad signature, broken link, wrong root, duplicate). */
  INVALID_PROPOSER,
  /** f voters never send their votes. */
  VOTE_WITHHOLDER,
  /** Byzantine bookkeepers and voters together, with 5% loss. */
  MIXED_BYZANTINE,
  /**
   * A Byzantine bookkeeper stamps its blocks almost the skew bound ahead; one honest voter's clock
   * is 200 ms behind, so it cannot vote for them yet, and must still commit them once certified.
   */
  TIMESTAMP_EDGE,
  /** A Byzantine server floods status messages claiming to be far ahead while a node returns far behind. */
  STATUS_FLOOD,
  /** f Byzantine voters flood far-future rounds and heights; memory per peer must stay bounded. */
  FAR_FUTURE_FLOOD,
  /** One voter is down for 12 s of simulated time (configurable) and returns far behind. */
  LONG_OUTAGE,
  /**
   * An equivocating bookkeeper and f colluding voters that vote for both of its blocks, each
   * block's votes aimed at a different group of honest voters, with targeted delays before
   * stabilization: the attack that a broken lock rule or quorum turns into two final blocks.
   */
  COLLUDING_EQUIVOCATION,
  /**
   * Voters and a bookkeeper crash in the middle of saving their safety state (the write is lost)
   * or just after sending what they saved, and restart; run with six voters (where a quorum
   * computed as ceil(2n/3) would differ from floor(2n/3)+1).
   */
  TORN_SAFETY_WRITE,
  /**
   * Reconfiguration under faults: a spare server joins the voters at a defined height, a
   * double-signing voter is suspended (and in rotating-audit a federation server leaves) at a later
   * one, with 5% loss and an honest voter crashing across the join.
   */
  RECONFIGURATION,
  /**
   * A bookkeeper falls silent for good, and clients submit to the bookkeepers only, so a voter holds
   * only the entries that were gossiped to it; the voters must still time out the silent
   * bookkeeper's rounds.
   */
  SILENT_BOOKKEEPER;

  /** The scenarios that apply to a protocol ({@code solo} has no network and no peers to betray). */
  public static List<Scenario> forProtocol(String protocol) {
    if (protocol.equals("solo")) {
      return List.of(HEALTHY, CRASH_RESTART, ALL_RESTART, CLOCK_SKEW);
    }
    return List.of(values());
  }

  /** The scenario a seed runs: seeds cycle through the protocol's scenarios. */
  public static Scenario forSeed(String protocol, long seed) {
    List<Scenario> all = forProtocol(protocol);
    return all.get((int) Math.floorMod(seed, (long) all.size()));
  }

  /** The command-line name. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
