package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.TreeMap;

/**
 * Where one block's heads-tree update spends its CPU: a tree grown to {@code keys} patients by
 * blocks of 1,000 new ones, then {@code blocks} blocks of {@code entries} new ones (1,000 unless
 * given), each timed in three phases on the calling thread (the update, {@code putAll}; encoding
 * its pages into a batch, {@code writeTo}; the store's commit of that batch) and in the whole
 * process's CPU (the store's background threads included). Prints the median of each, in
 * milliseconds per block.
 *
 * <pre>java -cp target/benchmarks.jar io.medledger.chain.HeadsTreePhases KEYS BLOCKS [ENTRIES [rocksdb|memory]]</pre>
 */
public final class HeadsTreePhases {
  private static final int BLOCK = 1000;

  private HeadsTreePhases() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || args.length > 4) {
      System.err.println("usage: HeadsTreePhases KEYS BLOCKS [ENTRIES [rocksdb|memory]]");
      System.exit(2);
    }
    int keys = Integer.parseInt(args[0]);
    int blocks = Integer.parseInt(args[1]);
    int entries = args.length > 2 ? Integer.parseInt(args[2]) : BLOCK;
    boolean memory = args.length > 3 && args[3].equals("memory");
    Path dir = memory ? null : Files.createTempDirectory("heads-phases");
    StateStore state = memory ? new InMemoryStateStore() : StateStore.rocksDb(dir.resolve("state"));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Random random = new Random(1);
    HeadsTree tree = HeadsTree.open(state, 0, new HeadsNodeCache());
    long height = 0;
    long[] put = new long[blocks];
    long[] write = new long[blocks];
    long[] commit = new long[blocks];
    long[] process = new long[blocks];
    long[] bytes = new long[blocks];
    for (int i = -(keys / BLOCK); i < blocks; i++) {
      TreeMap<Digest, Digest> block = HeadsTreeBench.newPatients(random, i < 0 ? BLOCK : entries);
      long p0 = os.getProcessCpuTime();
      long t0 = threads.getCurrentThreadCpuTime();
      HeadsTree next = tree.putAll(new ArrayList<>(block.keySet()), new ArrayList<>(block.values()));
      long t1 = threads.getCurrentThreadCpuTime();
      StateStore.Batch batch = new StateStore.Batch(height, Sha256.hash(new byte[] {(byte) height++}));
      next.writeTo(batch);
      long t2 = threads.getCurrentThreadCpuTime();
      state.commit(batch);
      long t3 = threads.getCurrentThreadCpuTime();
      tree = next.rebase(HeadsTree.Base.of(state));
      long p1 = os.getProcessCpuTime();
      if (i >= 0) {
        put[i] = t1 - t0;
        write[i] = t2 - t1;
        commit[i] = t3 - t2;
        process[i] = p1 - p0;
        for (int j = 0; j < batch.size(); j++) {
          bytes[i] += batch.key(j).length + batch.value(j).length;
        }
      }
    }
    // close the store before the JVM exits: RocksDB's native exit handlers can hang on its open background threads
    state.close();
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.printf("keys=%d blocks=%d entries=%d store=%s median_ms_per_block put=%.1f write_to=%.1f"
        + " store_commit=%.1f process=%.1f median_kb_written_per_block=%.1f%n", keys, blocks, entries,
        memory ? "memory" : "rocksdb", median(put), median(write), median(commit), median(process),
        median(bytes) * 1e6 / 1024);
  }

  private static double median(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[s.length / 2] / 1e6;
  }
}
