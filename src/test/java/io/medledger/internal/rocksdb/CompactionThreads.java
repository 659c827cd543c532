package io.medledger.internal.rocksdb;

import io.medledger.crypto.Sha256;
import io.medledger.storage.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helper: the CPU priority RocksDB's compaction threads of this process run at, from /proc. */
public final class CompactionThreads {
  private CompactionThreads() {}

  /** Whether this platform shows threads' nice values in /proc. */
  public static boolean observable() {
    return Files.isDirectory(Path.of("/proc/self/task"));
  }

  /**
   * Runs a compaction that merges two table files of a fresh store in {@code dir}, then returns
   * the nice value of each of this process's {@code rocksdb:low} threads (one of them ran it).
   */
  public static List<Integer> niceAfterACompaction(Path dir) throws IOException {
    try (RocksStateStore s = RocksStateStore.open(dir)) {
      for (int h = 0; h < 2; h++) { // two overlapping table files, so that the compaction merges them
        StateStore.Batch b = new StateStore.Batch(h, Sha256.hash(new byte[] {(byte) h}));
        for (int i = 0; i < 1000; i++) {
          b.put(("k" + i).getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) h});
        }
        s.commit(b);
        s.compactAll();
      }
      if (s.get("k7".getBytes(StandardCharsets.US_ASCII))[0] != 1) {
        throw new AssertionError("the compaction lost the later value");
      }
    }
    List<Integer> nice = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : tasks.toList()) {
        try {
          if (Files.readString(t.resolve("comm")).strip().equals("rocksdb:low")) {
            String stat = Files.readString(t.resolve("stat"));
            // fields after the command's closing parenthesis: state is field 3, nice field 19
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            nice.add(Integer.parseInt(f[16]));
          }
        } catch (java.nio.file.NoSuchFileException ended) {
          // the thread ended meanwhile
        }
      }
    }
    if (nice.isEmpty()) {
      throw new AssertionError("no thread named rocksdb:low: RocksDB's compaction threads are named otherwise");
    }
    return nice;
  }
}
