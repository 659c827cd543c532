package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * One block's update of the patient-heads tree: 1,000 new patients put into a committed tree of
 * {@code keys} patients (and growing by 1,000 a call) in a state store, with the ledger's node
 * cache, then committed; beside its ceiling, the SHA-256 of the nodes such an update writes, the
 * store reads of one update (pages, on cache misses) one by one and batched, and one Ed25519
 * verification as the yardstick, in the same run. Use with {@code -prof io.medledger.chain.CpuTimeProfiler}: the
 * store's background threads count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HeadsTreeBench {
  static final int BLOCK = 1000;

  @Param({"300000"})
  public int keys;

  /** The state store under the tree: {@code rocksdb} (the ledger's on disk) or {@code memory}. */
  @Param({"rocksdb"})
  public String store;

  /** Nodes per generation of the node cache (the ledger's default is 32,768). */
  @Param({"32768"})
  public int cacheGeneration;

  StateStore state;
  Path dir;
  HeadsTree committed;
  long height;
  final Random random = new Random(1);
  byte[][] written;
  List<byte[]> missed;
  final Ed25519PrivateKey yardstick = Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {42}).toByteArray());
  final Ed25519PublicKey yardstickKey = yardstick.publicKey();
  final byte[] yardstickMessage = new byte[200];
  final byte[] yardstickSignature = yardstick.sign(yardstickMessage);

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    if (store.equals("rocksdb")) {
      dir = Files.createTempDirectory("heads-bench");
      state = StateStore.rocksDb(dir.resolve("state"));
    } else {
      state = new InMemoryStateStore();
    }
    HeadsTree t = HeadsTree.open(state, 0, new HeadsNodeCache(cacheGeneration));
    for (int done = 0; done < keys; done += BLOCK) {
      t = commit(put(t, block(Math.min(BLOCK, keys - done))));
    }
    committed = t;
    StateStore.Batch probe = new StateStore.Batch(height, Sha256.hash(new byte[] {1}));
    HeadsTree sample = put(committed, block(BLOCK));
    sample.writeTo(probe);
    long pageBytes = 0;
    for (int i = 0; i < probe.size(); i++) {
      pageBytes += probe.value(i).length;
    }
    written = sample.writtenNodes().toArray(new byte[0][]);
    List<byte[]> reads = new ArrayList<>();
    HeadsTree counted = committed.rebase(k -> {
      reads.add(k);
      return state.get(k);
    });
    put(counted, block(BLOCK));
    missed = reads;
    System.out.printf("%nnodes written by one update: %d, in %d pages of %d bytes in all; store reads (cache misses)"
        + " of one update: %d%n", written.length, probe.size(), pageBytes, missed.size());
  }

  /** The store reads of one update (its cache misses), one at a time. */
  @Benchmark
  public int storeReadsOneByOne() {
    int n = 0;
    for (byte[] k : missed) {
      n += state.get(k) != null ? 1 : 0;
    }
    return n;
  }

  /** The same reads as one batch. */
  @Benchmark
  public int storeReadsBatched() {
    int n = 0;
    for (byte[] v : state.getAll(missed)) {
      n += v != null ? 1 : 0;
    }
    return n;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    state.close();
    if (dir != null) {
      try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private TreeMap<Digest, Digest> block(int n) {
    return newPatients(random, n);
  }

  /** {@code n} new patients' keys drawn from {@code random}, each mapped to a value, in key order. */
  static TreeMap<Digest, Digest> newPatients(Random random, int n) {
    TreeMap<Digest, Digest> m = new TreeMap<>();
    byte[] k = new byte[32];
    while (m.size() < n) {
      random.nextBytes(k);
      m.put(Digest.of(k), Sha256.hash(k));
    }
    return m;
  }

  private static HeadsTree put(HeadsTree t, TreeMap<Digest, Digest> block) {
    return t.putAll(new ArrayList<>(block.keySet()), new ArrayList<>(block.values()));
  }

  /**
   * The update a block makes, then its commit: every node on the 1,000 new paths read (cache,
   * then store) and written, and the written nodes committed to the store. The tree grows by
   * 1,000 patients per call, as a ledger's does.
   */
  @Benchmark
  public Digest updateAndCommit() {
    committed = commit(put(committed, block(BLOCK)));
    return committed.root();
  }

  /** Commits {@code t} as the next block's state and returns it read from the store. */
  private HeadsTree commit(HeadsTree t) {
    StateStore.Batch b = new StateStore.Batch(height, Sha256.hash(new byte[] {(byte) height++}));
    t.writeTo(b);
    state.commit(b);
    return t.rebase(HeadsTree.Base.of(state));
  }

  /** The yardstick: one Ed25519 verification (BouncyCastle, through the library's key type). */
  @Benchmark
  public boolean verifyOne() {
    return yardstickKey.verify(yardstickMessage, yardstickSignature);
  }

  /** Ceiling: hashing the nodes such an update writes, and drawing its keys. */
  @Benchmark
  public Digest hashingAlone() {
    block(BLOCK);
    Digest d = null;
    for (byte[] n : written) {
      d = Sha256.hashPrefixed(n[0], Digest.of(n, 1), Digest.of(n, 33));
    }
    return d;
  }
}
