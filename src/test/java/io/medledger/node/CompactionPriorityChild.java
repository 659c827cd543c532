package io.medledger.node;

import io.medledger.internal.rocksdb.CompactionThreads;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * Run in a JVM of its own by {@link NodeRuntimeTest}: prints the nice values of RocksDB's
 * compaction threads after a compaction before any node started ({@code before=[...]}), then
 * after one once a node of a fresh testnet layout in {@code args[0]} has started
 * ({@code after=[...]}). Exits 0 when it printed both.
 */
final class CompactionPriorityChild {
  private CompactionPriorityChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    List<Integer> before = CompactionThreads.niceAfterACompaction(dir.resolve("before"));
    System.out.println("before=" + before);
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    Node n = NodeRuntimeTest.open(t.nodeDirectories().get(0), new LocalNetwork());
    try {
      System.out.println("after=" + CompactionThreads.niceAfterACompaction(dir.resolve("after")));
    } finally {
      n.close();
    }
    System.out.flush();
    System.exit(0);
  }
}
