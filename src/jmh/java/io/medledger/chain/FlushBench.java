package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.storage.BlockStoreBench;
import io.medledger.storage.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * The write of one catch-up response's held state: {@link DeferringStateStore#flush} of 150,000
 * puts (about one response of 256 blocks of the {@code mixed} workload: 58% query-index keys that
 * share a 33-byte list prefix, the rest 33- to 44-byte digest keys; values of 0 to 60 bytes) into
 * the ledger's RocksDB state store, which syncs each commit.
 *
 * <ul>
 *   <li>{@code sorted}: the store takes the held puts in key order, read in place
 *       ({@link io.medledger.internal.SortedPuts});
 *   <li>{@code batch}, its peer: the same puts copied into a {@link StateStore.Batch} (an array per
 *       key and per value), which the store then sorts and serializes, as before the sorted path.
 * </ul>
 *
 * Each invocation holds fresh random values for the same keys first, outside the measurement, so
 * that the database stays the size of one response and its compactions stay small. Run with
 * {@code -prof io.medledger.chain.CpuTimeProfiler} for the process's CPU per flush besides the wall
 * time, which includes the sync.
 */
public class FlushBench {
  static final int PUTS = 150_000;
  static final int LISTS = 20_000;

  @State(Scope.Benchmark)
  public static class Held {
    @Param({"sorted", "batch"})
    public String path;

    Path dir;
    StateStore rocks;
    DeferringStateStore deferring;
    final SplittableRandom random = new SplittableRandom(3);
    byte[][] keys;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("medledger-bench-flush");
      rocks = StateStore.rocksDb(dir.resolve("state"));
      deferring = new DeferringStateStore(path.equals("sorted") ? rocks : new Plain(rocks));
      keys = keys(random);
    }

    @Setup(Level.Invocation)
    public void hold() {
      deferring.defer(true);
      long h = deferring.height() + 1;
      StateStore.Batch b = new StateStore.Batch(h, h, Digest.of(new byte[Digest.LENGTH]));
      for (int i = 0; i < PUTS; i++) {
        byte[] v = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(61)];
        random.nextBytes(v);
        b.put(keys[i], v);
      }
      deferring.commit(b);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      rocks.close();
      BlockStoreBench.deleteTree(dir);
    }
  }

  /** The {@value #PUTS} keys of a catch-up response's state, distinct with high probability. */
  static byte[][] keys(SplittableRandom random) {
    byte[][] lists = new byte[LISTS][];
    for (int i = 0; i < LISTS; i++) {
      lists[i] = new byte[33];
      random.nextBytes(lists[i]);
      lists[i][0] = 'Q';
    }
    byte[][] keys = new byte[PUTS][];
    for (int i = 0; i < PUTS; i++) {
      keys[i] = key(random, lists);
    }
    return keys;
  }

  /** A key of a catch-up response's state: 58% query-index keys of one of {@code lists}, else a digest key. */
  private static byte[] key(SplittableRandom random, byte[][] lists) {
    if (random.nextInt(100) < 58) {
      byte[] k = new byte[41];
      System.arraycopy(lists[random.nextInt(lists.length)], 0, k, 0, 33);
      for (int j = 33; j < 41; j++) {
        k[j] = (byte) random.nextInt(256);
      }
      return k;
    }
    byte[] k = new byte[33 + random.nextInt(12)];
    random.nextBytes(k);
    k[0] = (byte) (1 + random.nextInt(12)); // a dozen kinds of key, as the ledger's tags
    return k;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long flush(Held s) {
    s.deferring.flush();
    return s.deferring.height();
  }

  /** The store without its sorted path: every method but that one, delegated. */
  private record Plain(StateStore base) implements StateStore {
    @Override
    public long height() {
      return base.height();
    }

    @Override
    public Optional<Digest> tip() {
      return base.tip();
    }

    @Override
    public byte[] get(byte[] key) {
      return base.get(key);
    }

    @Override
    public List<byte[]> getAll(List<byte[]> keys) {
      return base.getAll(keys);
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      base.scan(from, to, visitor);
    }

    @Override
    public void commit(Batch batch) {
      base.commit(batch);
    }

    @Override
    public void close() {
      base.close();
    }
  }
}
