package io.medledger.consensus;

import io.medledger.consensus.sim.Scenario;
import io.medledger.consensus.sim.SimEntry;
import io.medledger.consensus.sim.Simulation;
import io.medledger.consensus.sim.SimulationResult;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The consensus path in the simulator, beside its ceiling (one Ed25519 verification of an entry).
 * Each {@code consensus} invocation runs a whole zero-latency simulation that makes {@link #ENTRIES}
 * pre-signed entries final; the score is divided by entries x nodes, so it reads as CPU time per
 * final entry per node (the simulator runs every node on one thread, without the shared
 * verification cache). {@link #main} prints the LAN latency distribution at 1,000 entries/s and
 * messages per final block.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ConsensusBench {
  /** Entries per simulated run. */
  public static final int ENTRIES = 4000;

  /** protocol:federation:auditors:block entries. */
  @Param({"rotating-audit:4:4:500", "rotating-audit:4:4:1000", "bft:4:0:500", "bft:7:0:500"})
  public String setup;

  private List<byte[]> entries;
  private byte[] message;
  private byte[] signature;
  private Ed25519PublicKey key;
  private int nodes;

  static List<byte[]> presign(int n, int payload) {
    List<Ed25519PrivateKey> clients = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      clients.add(Ed25519PrivateKey.fromSeed(Sha256.hash(("bench/client/" + i).getBytes(StandardCharsets.UTF_8)).toByteArray()));
    }
    SplittableRandom r = new SplittableRandom(7);
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] p = new byte[payload];
      r.nextBytes(p);
      out.add(SimEntry.sign(clients.get(i % clients.size()), i, p).encode());
    }
    return out;
  }

  static Simulation simulation(String setup, List<byte[]> entries, long latencyMin, long latencyMax, double rate) {
    String[] p = setup.split(":");
    int blockEntries = Integer.parseInt(p[3]);
    ConsensusConfig cfg = new ConsensusConfig(blockEntries, 8 << 20, Duration.ofMillis(100), Duration.ofSeconds(1), 4,
        Duration.ofMillis(500), 1_000_000, 64 << 20, 8);
    long duration = (long) Math.ceil(entries.size() * 1000.0 / rate) + 1;
    return Simulation.of(p[0], 1).scenario(Scenario.HEALTHY).members(Integer.parseInt(p[1]), Integer.parseInt(p[2]))
        .consensus(cfg).latency(latencyMin, latencyMax).entries(entries).workload(rate, 100)
        .timeline(0, duration).shareVerification(false);
  }

  @Setup(Level.Trial)
  public void setUp() {
    entries = presign(ENTRIES, 100);
    SimEntry e = SimEntry.decode(entries.get(0));
    message = e.signingBytes();
    signature = e.signature();
    key = Ed25519PublicKey.fromBytes(e.client());
    String[] p = setup.split(":");
    nodes = Integer.parseInt(p[1]) + Integer.parseInt(p[2]);
  }

  /** The ceiling: one Ed25519 verification of an entry signature. */
  @Benchmark
  public boolean verifyOneEntrySignature() {
    return key.verify(message, signature);
  }

  /**
   * A whole zero-latency run making ENTRIES entries final on every node; divide the score by
   * ENTRIES x nodes (printed by {@link #main}) for CPU per final entry per node.
   */
  @Benchmark
  public SimulationResult consensusRun() {
    SimulationResult r = simulation(setup, entries, 0, 0, 50_000).run();
    if (r.finalEntries() != ENTRIES || !r.passed()) {
      throw new IllegalStateException("run did not finalize every entry: " + r.finalEntries());
    }
    return r;
  }

  /**
   * Prints the LAN figures: the time-to-final distribution of 4+4 rotating-audit at 1,000
   * submitted entries/s with 1 to 5 ms latency, messages per final block, and single-run CPU
   * per final entry per node at zero latency for each setup.
   */
  public static void main(String[] args) {
    List<byte[]> lanEntries = args.length > 0 && args[0].equals("--zero-only") ? List.of() : presign(10_000, 100);
    for (String setup : lanEntries.isEmpty() ? List.<String>of() : List.of("rotating-audit:4:4:1000", "bft:4:0:1000", "bft:7:0:1000")) {
      SimulationResult r = simulation(setup, lanEntries, 1, 5, 1_000).run();
      System.out.printf("LAN %s 1000 entries/s: final=%d blocks=%d p50=%dms p90=%dms p99=%dms max=%dms "
          + "messages/block=%.1f passed=%s%n", setup, r.finalEntries(), r.finalBlocks(), r.latencyQuantile(0.5),
          r.latencyQuantile(0.9), r.latencyQuantile(0.99), r.latencyQuantile(1.0),
          (double) r.messages() / Math.max(1, r.finalBlocks()), r.passed());
    }
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    List<byte[]> zero = presign(ENTRIES, 100);
    SimEntry one = SimEntry.decode(zero.get(0));
    Ed25519PublicKey k = Ed25519PublicKey.fromBytes(one.client());
    byte[] msg = one.signingBytes();
    byte[] sig = one.signature();
    for (int i = 0; i < 20_000; i++) {
      k.verify(msg, sig);
    }
    long c0 = mx.getCurrentThreadCpuTime();
    for (int i = 0; i < 20_000; i++) {
      if (!k.verify(msg, sig)) {
        throw new IllegalStateException();
      }
    }
    double verifyMicros = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / 20_000;
    System.out.printf("ceiling: one Ed25519 verification = %.1f us CPU%n", verifyMicros);
    for (String setup : List.of("rotating-audit:4:4:500", "rotating-audit:4:4:1000", "bft:4:0:500", "bft:7:0:500")) {
      String[] p = setup.split(":");
      int n = Integer.parseInt(p[1]) + Integer.parseInt(p[2]);
      for (int warm = 0; warm < 3; warm++) {
        simulation(setup, zero, 0, 0, 50_000).run();
      }
      long t0 = mx.getCurrentThreadCpuTime();
      SimulationResult r = simulation(setup, zero, 0, 0, 50_000).measureCpu(mx::getCurrentThreadCpuTime).run();
      double micros = (mx.getCurrentThreadCpuTime() - t0) / 1e3;
      long[] cpu = r.nodeCpuNanos();
      double mean = java.util.Arrays.stream(cpu).average().orElse(0) / 1e3 / r.finalEntries();
      double max = java.util.Arrays.stream(cpu).max().orElse(0) / 1e3 / r.finalEntries();
      System.out.printf("zero-latency %s: final=%d blocks=%d; CPU per final entry per node: mean %.1f us = %.2fx one "
          + "verification, busiest node %.1f us = %.2fx; %.0f entries/s per node at the busiest node; whole "
          + "simulation (all %d nodes and the checker on one core) %.0f entries/s; messages/block=%.1f%n",
          setup, r.finalEntries(), r.finalBlocks(), mean, mean / verifyMicros, max, max / verifyMicros, 1e6 / max, n,
          r.finalEntries() / (micros / 1e6), (double) r.messages() / Math.max(1, r.finalBlocks()));
    }
  }
}
