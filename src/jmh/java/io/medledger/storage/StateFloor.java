package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.internal.bench.Ed25519Yardstick;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A lower bound on the CPU that an ingest spends on its state store per entry, against one
 * Ed25519 verification measured in the same run: the ratio {@code V / (V + S)} bounds what any
 * ingest that verifies every entry once and writes at least {@code S} of state per entry can reach
 * of the signature-verification ceiling when its cores are saturated.
 *
 * <p>It commits blocks of 1,000 entries, each entry {@code puts} puts of fresh random 44-byte keys
 * (a tag byte, then random bytes, as the ledger's digest-keyed state) with 28-byte values, and
 * measures the whole process's CPU (RocksDB's flushes and compactions included), less the CPU of
 * making the keys; before each block's commit it looks up 1,000 of its keys in one batch (absent:
 * the duplicate check of the block's entry ids). Nothing else of an ingest is done: no decoding,
 * authorization, block store or tile log, no other reads. To that it adds the CPU of the hashing every entry needs at
 * least ({@link #hashMicros}). Settings:
 *
 * <ul>
 *   <li>{@code store}: {@link StateStore#rocksDb}, the ledger's store (sorted, synced batches);
 *   <li>{@code leveled} and {@code universal}: plain RocksDB with settings that favour writes (no
 *       write-ahead log, two 128 MiB memtables, no compression), with leveled or universal
 *       compaction, the keys of each batch sorted.
 * </ul>
 *
 * <p>Run: {@code java -Xmx256m -cp target/benchmarks.jar io.medledger.storage.StateFloor DIR ENTRIES
 * PUTS_PER_ENTRY store|leveled|universal}. The last line is {@code entries=N puts_per_entry=K
 * state_cpu_us_per_entry=S verify_cpu_us=V bound=B}, V the median of the verifications measured
 * before and after. DIR must not exist; it is deleted at the end.
 */
public final class StateFloor {
  private static final int BLOCK = 1000;
  private static final int KEY_BYTES = 44;
  private static final int VALUE_BYTES = 28;
  /** Verifications per round of the yardstick, before and after. */
  private static final int VERIFICATIONS = 2000;
  /** One patient registration in 50 entries, as {@code bench ingest}'s mix (2%). */
  private static final int PATIENT_EVERY = 50;
  /** Distinct patients per entry in a block of {@code bench ingest} (its sub-blocks). */
  private static final double PATIENTS_PER_ENTRY = 0.85;

  private StateFloor() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4 || !List.of("store", "leveled", "universal").contains(args[3])) {
      System.err.println("usage: StateFloor DIR ENTRIES PUTS_PER_ENTRY store|leveled|universal");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    long entries = Long.parseLong(args[1]);
    double puts = Double.parseDouble(args[2]);
    String settings = args[3];
    if (Files.exists(dir) || entries < BLOCK || puts <= 0 || puts > 100) {
      System.err.println("DIR must not exist, ENTRIES >= 1000, 0 < PUTS_PER_ENTRY <= 100");
      System.exit(2);
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var threads = ManagementFactory.getThreadMXBean();
    double v0 = Ed25519Yardstick.microsPerVerification(VERIFICATIONS, 300);
    System.out.printf("verify_cpu_us=%.1f (before)%n", v0);
    SplittableRandom random = new SplittableRandom(7);
    int perBlock = (int) Math.round(puts * BLOCK);
    long making = 0;
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    try (Sink sink = settings.equals("store") ? new Store(dir) : new Raw(dir, settings.equals("universal"))) {
      for (long h = 0; h * BLOCK < entries; h++) {
        long m0 = threads.getCurrentThreadCpuTime();
        byte[][] keys = new byte[perBlock][];
        for (int i = 0; i < perBlock; i++) {
          keys[i] = randomKey(random);
        }
        making += threads.getCurrentThreadCpuTime() - m0;
        // The duplicate check: one lookup of an absent key per entry, in one batch per block.
        sink.lookUp(Arrays.copyOf(keys, Math.min(BLOCK, keys.length)));
        sink.commit(h, keys);
        if ((h + 1) % 1000 == 0) {
          double us = (os.getProcessCpuTime() - cpu0 - making) / 1e3 / ((h + 1) * BLOCK);
          System.out.printf("entries=%d state_cpu_us_per_entry=%.1f wall_s=%.0f%n", (h + 1) * BLOCK, us,
              (System.nanoTime() - wall0) / 1e9);
        }
      }
    }
    double state = (os.getProcessCpuTime() - cpu0 - making) / 1e3 / entries;
    long wall = System.nanoTime() - wall0;
    BlockStoreBench.deleteTree(dir);
    double v1 = Ed25519Yardstick.microsPerVerification(VERIFICATIONS, 300);
    System.out.printf("verify_cpu_us=%.1f (after)%n", v1);
    double v = (v0 + v1) / 2;
    int depth = 64 - Long.numberOfLeadingZeros(Math.max(1, entries / PATIENT_EVERY));
    double hashing = hashMicros(depth);
    System.out.printf("wall_s=%.0f%n", wall / 1e9);
    System.out.printf("hashing_cpu_us_per_entry=%.1f (2 x SHA-256 of 300 bytes, 1 + %.2f x %d of 65 bytes)%n", hashing,
        PATIENTS_PER_ENTRY, depth);
    System.out.printf("entries=%d puts_per_entry=%.2f state_cpu_us_per_entry=%.1f verify_cpu_us=%.1f bound=%.2f%n",
        entries, puts, state + hashing, v, v / (v + state + hashing));
  }

  /**
   * Median CPU microseconds, on this thread, of the hashing every ingested entry needs at least:
   * its id and its RFC 9162 leaf hash (two SHA-256 of a 300-byte entry), one interior node of the
   * ledger-wide log, and for the sub-block of its patient ({@link #PATIENTS_PER_ENTRY} per entry) a
   * path of {@code depth} nodes of the patient-heads tree (SHA-256 of 65 bytes each).
   */
  static double hashMicros(int depth) {
    java.security.MessageDigest sha = io.medledger.crypto.Sha256.newMessageDigest();
    byte[] entry = new byte[300];
    byte[] node = new byte[65];
    byte[] out = new byte[32];
    var threads = ManagementFactory.getThreadMXBean();
    double[] rounds = new double[7];
    int n = 20_000;
    for (int r = -3; r < rounds.length; r++) {
      long c0 = threads.getCurrentThreadCpuTime();
      double paths = 0;
      for (int i = 0; i < n; i++) {
        entry[0] = (byte) i;
        sha.update(entry);
        out = sha.digest();
        entry[1] = out[0];
        sha.update(entry);
        out = sha.digest();
        node[0] = out[1];
        sha.update(node);
        out = sha.digest();
        paths += PATIENTS_PER_ENTRY;
        for (; paths >= 1; paths--) {
          for (int d = 0; d < depth; d++) {
            node[1] = out[0];
            sha.update(node);
            out = sha.digest();
          }
        }
      }
      if (r >= 0) {
        rounds[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e3 / n;
      }
      entry[2] = out[3];
    }
    Arrays.sort(rounds);
    return rounds[rounds.length / 2];
  }

  private static byte[] randomKey(SplittableRandom random) {
    byte[] k = new byte[KEY_BYTES];
    for (int j = 0; j < KEY_BYTES; j += 8) {
      long x = random.nextLong();
      for (int q = 0; q < 8 && j + q < KEY_BYTES; q++) {
        k[j + q] = (byte) (x >>> (8 * q));
      }
    }
    k[0] = (byte) (1 + random.nextInt(12));
    return k;
  }

  /** The value of a block's {@code i}th put. */
  private static byte[] value(int i) {
    byte[] v = new byte[VALUE_BYTES];
    v[0] = (byte) i;
    return v;
  }

  private static void requireAbsent(List<byte[]> values) {
    for (byte[] v : values) {
      if (v != null) {
        throw new AssertionError("a fresh key was present");
      }
    }
  }

  private interface Sink extends AutoCloseable {
    void lookUp(byte[][] keys) throws Exception;

    void commit(long height, byte[][] keys) throws Exception;

    @Override
    void close() throws Exception;
  }

  private static final class Store implements Sink {
    private final StateStore store;
    private final Digest tip = Digest.of(new byte[Digest.LENGTH]);

    Store(Path dir) {
      store = StateStore.rocksDb(dir);
    }

    @Override
    public void lookUp(byte[][] keys) {
      requireAbsent(store.getAll(Arrays.asList(keys)));
    }

    @Override
    public void commit(long height, byte[][] keys) {
      StateStore.Batch b = new StateStore.Batch(height, tip);
      for (int i = 0; i < keys.length; i++) {
        b.put(keys[i], value(i));
      }
      store.commit(b);
    }

    @Override
    public void close() {
      store.close();
    }
  }

  private static final class Raw implements Sink {
    private final LRUCache cache;
    private final BloomFilter bloom;
    private final Options options;
    private final WriteOptions write;
    private final RocksDB db;

    Raw(Path dir, boolean universal) throws Exception {
      RocksDB.loadLibrary();
      cache = new LRUCache(32L << 20, -1, false, 0.5);
      bloom = new BloomFilter(10);
      write = new WriteOptions().setDisableWAL(true);
      BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom)
          .setBlockSize(16 << 10).setIndexType(IndexType.kTwoLevelIndexSearch).setPartitionFilters(true)
          .setMetadataBlockSize(4096).setCacheIndexAndFilterBlocks(true);
      options = new Options().setCreateIfMissing(true).setTableFormatConfig(table).setWriteBufferSize(128L << 20)
          .setMaxWriteBufferNumber(2).setCompressionType(CompressionType.NO_COMPRESSION).setMaxBackgroundJobs(2)
          .setCompactionStyle(universal ? CompactionStyle.UNIVERSAL : CompactionStyle.LEVEL);
      db = RocksDB.open(options, dir.toString());
    }

    @Override
    public void lookUp(byte[][] keys) throws Exception {
      requireAbsent(db.multiGetAsList(Arrays.asList(keys)));
    }

    @Override
    public void commit(long height, byte[][] keys) throws Exception {
      Arrays.sort(keys, Arrays::compareUnsigned);
      try (WriteBatch wb = new WriteBatch()) {
        for (int i = 0; i < keys.length; i++) {
          wb.put(keys[i], value(i));
        }
        wb.put(new byte[] {0}, java.nio.ByteBuffer.allocate(Long.BYTES).putLong(height).array());
        db.write(write, wb);
      }
    }

    @Override
    public void close() {
      db.close();
      options.close();
      write.close();
      bloom.close();
      cache.close();
    }
  }
}
