package io.medledger.node;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@link SyncBench}'s ceiling and TLS sync measured in CPU time rather than wall time, so that a
 * host loaded by other work still gives a comparable figure: CPU milliseconds per block of the
 * benchmark thread for the ceiling ({@code verifyAndAppend}, one thread), and of the whole process
 * for TLS sync (joining node, serving node, TLS, decoder thread); and, with each run of blocks
 * handed to the decoder's work first ({@link SyncBench#applyDecodedAhead}), the CPU of the applying
 * thread and of the thread ahead of it. Run:
 * {@code java -cp target/benchmarks.jar io.medledger.node.SyncCpu [blocks] [repetitions] [memory|disk] [registrations|mixed] [none|node]}
 * (the joining node's stores, as {@link SyncBench#store}; the blocks' entries, as {@link SyncBench#workload};
 * its commit listener during TLS sync, as {@link SyncBench#listener}).
 * Prints medians (the first repetition of each is a warm-up and is left out).
 */
public final class SyncCpu {
  private SyncCpu() {}

  public static void main(String[] args) throws Exception {
    int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    String store = args.length > 2 ? args[2] : "memory";
    String workload = args.length > 3 ? args[3] : "registrations";
    String listener = args.length > 4 ? args[4] : "none";
    var threads = ManagementFactory.getThreadMXBean();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    SyncBench b = new SyncBench();
    b.blocks = blocks;
    b.store = store;
    b.workload = workload;
    b.listener = listener;
    b.setUp();
    List<Double> ceiling = new ArrayList<>();
    List<Double> ceilingWall = new ArrayList<>();
    List<Double> tls = new ArrayList<>();
    List<Double> tlsWall = new ArrayList<>();
    List<Double> apply = new ArrayList<>();
    List<Double> ahead = new ArrayList<>();
    try {
      for (int i = 0; i <= reps; i++) {
        b.freshJoiner();
        long c0 = threads.getCurrentThreadCpuTime();
        long cw0 = System.nanoTime();
        b.verifyAndAppend();
        double ms = (threads.getCurrentThreadCpuTime() - c0) / 1e6 / blocks;
        double cwms = (System.nanoTime() - cw0) / 1e6 / blocks;
        b.closeJoiner();
        b.freshJoiner();
        long p0 = os.getProcessCpuTime();
        long w0 = System.nanoTime();
        b.syncTls();
        double pms = (os.getProcessCpuTime() - p0) / 1e6 / blocks;
        double wms = (System.nanoTime() - w0) / 1e6 / blocks;
        b.closeJoiner();
        b.freshJoiner();
        long a0 = threads.getCurrentThreadCpuTime();
        b.applyDecodedAhead();
        double ams = (threads.getCurrentThreadCpuTime() - a0) / 1e6 / blocks;
        double dms = b.aheadCpuNanos / 1e6 / blocks;
        b.closeJoiner();
        System.out.printf("rep %d: ceiling %.2f ms CPU/block, %.2f ms wall/block; syncTls %.2f ms process CPU/block, %.2f ms wall/block; "
            + "decoded ahead: apply %.2f ms CPU/block, ahead %.2f ms CPU/block%n", i, ms, cwms, pms, wms, ams, dms);
        if (i > 0) {
          ceiling.add(ms);
          ceilingWall.add(cwms);
          tls.add(pms);
          tlsWall.add(wms);
          apply.add(ams);
          ahead.add(dms);
        }
      }
    } finally {
      b.tearDown();
    }
    System.out.printf("store=%s workload=%s listener=%s blocks=%d reps=%d median: ceiling_cpu_ms_per_block=%.2f (%.0f blocks per CPU-second) ceiling_wall_ms_per_block=%.2f "
        + "sync_tls_process_cpu_ms_per_block=%.2f (%.0f blocks per CPU-second of both nodes) sync_tls_wall_ms_per_block=%.2f "
        + "apply_cpu_ms_per_block=%.2f ahead_cpu_ms_per_block=%.2f%n",
        store, workload, listener, blocks, reps, median(ceiling), 1000 / median(ceiling), median(ceilingWall), median(tls), 1000 / median(tls), median(tlsWall),
        median(apply), median(ahead));
  }

  private static double median(List<Double> l) {
    List<Double> s = new ArrayList<>(l);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
