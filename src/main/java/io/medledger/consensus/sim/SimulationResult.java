package io.medledger.consensus.sim;

import io.medledger.crypto.Digest;
import java.util.List;

/**
 * The outcome of one simulated run: violations of each invariant (empty when it held), counts,
 * the time-to-final of each entry submitted after stabilization, and a digest of the whole trace
 * (equal seeds give equal digests), optionally each node's CPU time, and scenario measurements
 * ({@code metrics}, for example how long the node that a timestamp attack aims at takes to commit).
 * Immutable.
 */
public record SimulationResult(String protocol, long seed, Scenario scenario, int servers,
    int auditors, long finalBlocks, long finalEntries, List<String> safetyViolations,
    List<String> livenessFailures, long evidence, long rejections, long messages,
    long[] latenciesMillis, Digest trace, long[] nodeCpuNanos, java.util.Map<String, Long> metrics) {

  public SimulationResult {
    metrics = java.util.Map.copyOf(metrics);
    safetyViolations = List.copyOf(safetyViolations);
    livenessFailures = List.copyOf(livenessFailures);
    latenciesMillis = latenciesMillis.clone();
    nodeCpuNanos = nodeCpuNanos.clone();
  }

  /**
   * Thread CPU time spent in each node's protocol and application, by node index (federation
   * servers first); zeros unless {@link Simulation#measureCpu} was given a clock.
   */
  @Override
  public long[] nodeCpuNanos() {
    return nodeCpuNanos.clone();
  }

  @Override
  public long[] latenciesMillis() {
    return latenciesMillis.clone();
  }

  /** Equal when every component is equal, the arrays element by element. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SimulationResult r && protocol.equals(r.protocol) && seed == r.seed && scenario == r.scenario
        && servers == r.servers && auditors == r.auditors && finalBlocks == r.finalBlocks
        && finalEntries == r.finalEntries && safetyViolations.equals(r.safetyViolations)
        && livenessFailures.equals(r.livenessFailures) && evidence == r.evidence && rejections == r.rejections
        && messages == r.messages && java.util.Arrays.equals(latenciesMillis, r.latenciesMillis)
        && trace.equals(r.trace) && java.util.Arrays.equals(nodeCpuNanos, r.nodeCpuNanos) && metrics.equals(r.metrics);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(protocol, seed, scenario, servers, auditors, finalBlocks, finalEntries,
        safetyViolations, livenessFailures, evidence, rejections, messages,
        java.util.Arrays.hashCode(latenciesMillis), trace, java.util.Arrays.hashCode(nodeCpuNanos), metrics);
  }

  /** The run's identity, its counts and its violations; the per-entry latencies by count only. */
  @Override
  public String toString() {
    return "SimulationResult[protocol=" + protocol + ", seed=" + seed + ", scenario=" + scenario + ", servers="
        + servers + ", auditors=" + auditors + ", finalBlocks=" + finalBlocks + ", finalEntries=" + finalEntries
        + ", safetyViolations=" + safetyViolations + ", livenessFailures=" + livenessFailures + ", evidence="
        + evidence + ", rejections=" + rejections + ", messages=" + messages + ", latencies="
        + latenciesMillis.length + ", trace=" + trace + ", metrics=" + metrics + "]";
  }

  /** True when no invariant was violated. */
  public boolean passed() {
    return safetyViolations.isEmpty() && livenessFailures.isEmpty();
  }

  /** The one-line command that replays this run. */
  public String replayCommand() {
    return "bin/medledger simulate --protocol " + protocol + " --seeds 1 --first-seed " + seed
        + " --servers " + servers + " --auditors " + auditors + " --scenario " + scenario.cliName();
  }

  /** The latency at quantile {@code q} in [0, 1] (nearest rank), or -1 without samples. */
  public long latencyQuantile(double q) {
    if (latenciesMillis.length == 0) {
      return -1;
    }
    long[] s = latenciesMillis.clone();
    java.util.Arrays.sort(s);
    int i = (int) Math.ceil(q * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, i))];
  }
}
