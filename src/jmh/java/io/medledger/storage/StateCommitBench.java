package io.medledger.storage;

import io.medledger.crypto.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * One block's state commit: 13,000 puts of 44-byte keys and 28-byte values (the key and value
 * sizes and the puts per 1,000-entry block of {@code bench ingest}), given in arrival order.
 *
 * <ul>
 *   <li>{@code store}: {@link StateStore#commit} of the RocksDB store, which writes the puts in key
 *       order (sorting included);
 *   <li>{@code rocksArrivalOrder} and {@code rocksKeyOrder}, its peers: a plain RocksDB database
 *       with the same memtable size, one synced {@code WriteBatch} of the same puts in arrival
 *       order, and in key order (sorted beforehand, outside the measurement).
 * </ul>
 *
 * Each invocation writes new random keys, so memtables fill, flush and compact as in an ingest.
 */
public class StateCommitBench {
  static final int PUTS = 13_000;

  @State(Scope.Benchmark)
  public static class Stores {
    Path dir;
    StateStore store;
    RocksDB raw;
    Options options;
    WriteOptions sync;
    Random random = new Random(1);
    long height = -1;
    byte[][] keys = new byte[PUTS][];
    byte[][] values = new byte[PUTS][];
    byte[][] sortedKeys = new byte[PUTS][];

    @Setup(Level.Trial)
    public void open() throws IOException, RocksDBException {
      dir = Files.createTempDirectory("medledger-bench-state");
      store = StateStore.rocksDb(dir.resolve("store"));
      RocksDB.loadLibrary();
      options = new Options().setCreateIfMissing(true).setWriteBufferSize(32L << 20).setMaxWriteBufferNumber(2);
      sync = new WriteOptions().setSync(true);
      raw = RocksDB.open(options, dir.resolve("raw").toString());
    }

    @Setup(Level.Invocation)
    public void nextBlock() {
      for (int i = 0; i < PUTS; i++) {
        byte[] k = new byte[44];
        random.nextBytes(k);
        k[0] = (byte) (1 + random.nextInt(12)); // a dozen kinds of key, as the ledger's tags
        keys[i] = k;
        values[i] = new byte[28];
        random.nextBytes(values[i]);
      }
      sortedKeys = keys.clone();
      Arrays.sort(sortedKeys, Arrays::compareUnsigned);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      store.close();
      raw.close();
      sync.close();
      options.close();
      BlockStoreBench.deleteTree(dir);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long store(Stores s) {
    s.height++;
    StateStore.Batch b = new StateStore.Batch(s.height, Digest.of(new byte[Digest.LENGTH]));
    for (int i = 0; i < PUTS; i++) {
      b.put(s.keys[i], s.values[i]);
    }
    s.store.commit(b);
    return s.store.height();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int rocksArrivalOrder(Stores s) throws RocksDBException {
    return write(s, s.keys);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int rocksKeyOrder(Stores s) throws RocksDBException {
    return write(s, s.sortedKeys);
  }

  private static int write(Stores s, byte[][] keys) throws RocksDBException {
    try (WriteBatch wb = new WriteBatch()) {
      for (int i = 0; i < PUTS; i++) {
        wb.put(keys[i], s.values[i]);
      }
      s.raw.write(s.sync, wb);
      return wb.count();
    }
  }
}
