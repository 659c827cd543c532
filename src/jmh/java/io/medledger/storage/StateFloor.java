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
 * making the keys and of the JIT compiler; before each block's commit it looks up 1,000 of its keys
 * in one batch (absent: the duplicate check of the block's entry ids). Nothing else of an ingest is done: no decoding,
 * authorization, block store or tile log, no other reads. To that it adds the CPU of the hashing every entry needs at
 * least ({@link #hashMicros}). Settings:
 *
 * <ul>
 *   <li>{@code store}: {@link StateStore#rocksDb}, the ledger's store (sorted, synced batches);
 *   <li>{@code leveled} and {@code universal}: plain RocksDB with settings that favour writes (no
 *       write-ahead log, two 128 MiB memtables, no compression), with leveled or universal
 *       compaction, the keys of each batch sorted;
 *   <li>{@code ingest}: as {@code leveled}, but each commit's sorted keys are written to an SST file
 *       that is then ingested, bypassing the memtable (a bulk load).
 * </ul>
 *
 * <p>Run: {@code java -Xmx256m -cp target/benchmarks.jar io.medledger.storage.StateFloor DIR ENTRIES
 * PUTS_PER_ENTRY store|leveled|universal|ingest [COMMIT_ENTRIES]}. The last line is {@code entries=N
 * puts_per_entry=K state_cpu_us_per_entry=S verify_cpu_us=V bound=B}, V the median of the
 * verifications measured before and after. {@code COMMIT_ENTRIES} (a multiple of 1,000; default
 * 1,000) groups that many entries' puts into one commit, as catch-up writes a whole sync response
 * at once; the lookups stay one batch per 1,000 entries. DIR must not exist; it is deleted at the
 * end.
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
    if (args.length < 4 || args.length > 5 || !List.of("store", "leveled", "universal", "ingest").contains(args[3])) {
      System.err.println("usage: StateFloor DIR ENTRIES PUTS_PER_ENTRY store|leveled|universal|ingest [COMMIT_ENTRIES]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    long entries = Long.parseLong(args[1]);
    double puts = Double.parseDouble(args[2]);
    String settings = args[3];
    int commitEntries = args.length == 5 ? Integer.parseInt(args[4]) : BLOCK;
    if (Files.exists(dir) || entries < BLOCK || puts <= 0 || puts > 100 || commitEntries < BLOCK
        || commitEntries % BLOCK != 0 || commitEntries > 100 * BLOCK) {
      System.err.println("DIR must not exist, ENTRIES >= 1000, 0 < PUTS_PER_ENTRY <= 100,"
          + " COMMIT_ENTRIES a multiple of 1000 up to 100000");
      System.exit(2);
    }
    int blocksPerCommit = commitEntries / BLOCK;
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var threads = ManagementFactory.getThreadMXBean();
    double v0 = Ed25519Yardstick.microsPerVerification(VERIFICATIONS, 300);
    System.out.printf("verify_cpu_us=%.1f (before)%n", v0);
    SplittableRandom random = new SplittableRandom(7);
    int perBlock = (int) Math.round(puts * BLOCK);
    long making = 0;
    long cpu0 = os.getProcessCpuTime();
    long jit0 = compilerCpuNanos();
    long wall0 = System.nanoTime();
    try (Sink sink = settings.equals("store") ? new Store(dir)
        : settings.equals("ingest") ? new Ingest(dir) : new Raw(dir, settings.equals("universal"))) {
      byte[][] held = new byte[perBlock * blocksPerCommit][];
      int heldBlocks = 0;
      long commits = 0;
      for (long h = 0; h * BLOCK < entries; h++) {
        long m0 = threads.getCurrentThreadCpuTime();
        byte[][] keys = new byte[perBlock][];
        for (int i = 0; i < perBlock; i++) {
          keys[i] = randomKey(random);
        }
        making += threads.getCurrentThreadCpuTime() - m0;
        // The duplicate check: one lookup of an absent key per entry, in one batch per block.
        sink.lookUp(Arrays.copyOf(keys, Math.min(BLOCK, keys.length)));
        System.arraycopy(keys, 0, held, heldBlocks++ * perBlock, perBlock);
        if (heldBlocks == blocksPerCommit || (h + 1) * BLOCK >= entries) {
          sink.commit(commits++, Arrays.copyOf(held, heldBlocks * perBlock));
          heldBlocks = 0;
        }
        long done = (h + 1) * BLOCK;
        if (done % 1_000_000 == 0 || done == 100_000 || done == 200_000 || done == 500_000) {
          double us = (os.getProcessCpuTime() - cpu0 - making - (compilerCpuNanos() - jit0)) / 1e3 / done;
          System.out.printf("entries=%d state_cpu_us_per_entry=%.1f wall_s=%.0f%n", done, us,
              (System.nanoTime() - wall0) / 1e9);
        }
      }
    }
    long jit = compilerCpuNanos() - jit0;
    double state = (os.getProcessCpuTime() - cpu0 - making - jit) / 1e3 / entries;
    System.out.printf("jit_cpu_s=%.2f (left out: a running node's code is compiled)%n", jit / 1e9);
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
    // Catch-up of 100-entry blocks: the same state and hashing per entry, plus the certificate's
    // three verifications (3 of 4 voters) per block, on at most every core of this host.
    double blockMillis = (100 * (state + hashing) + 3 * v) / 1e3;
    System.out.printf("commit_entries=%d catch_up_floor_cpu_ms_per_block=%.2f blocks_per_s_at_most=%.0f (%d cores)%n",
        commitEntries, blockMillis, 1e3 * Runtime.getRuntime().availableProcessors() / blockMillis,
        Runtime.getRuntime().availableProcessors());
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

  /**
   * CPU nanoseconds of this JVM's JIT compiler threads so far, from {@code /proc/self/task} (0 where
   * that is not available).
   */
  static long compilerCpuNanos() {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          if (!Files.readString(t.resolve("comm")).contains("CompilerThre")) {
            continue;
          }
          String stat = Files.readString(t.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException gone) {
          // the thread ended
        }
      }
    } catch (java.io.IOException | RuntimeException absent) {
      return 0;
    }
    return ticks * 10_000_000L; // USER_HZ is 100 on Linux
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

  /** The value recorded under the key {@code {0}}: the height of the last commit. */
  private static byte[] heightRecord(long height) {
    return java.nio.ByteBuffer.allocate(Long.BYTES).putLong(height).array();
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

  /** Each commit a sorted SST file, ingested; leveled compaction as {@link Raw}. */
  private static final class Ingest implements Sink {
    private final Path dir;
    private final Raw raw;
    private final org.rocksdb.EnvOptions env = new org.rocksdb.EnvOptions();
    private final org.rocksdb.IngestExternalFileOptions ingest =
        new org.rocksdb.IngestExternalFileOptions().setMoveFiles(true);
    private long files;

    Ingest(Path dir) throws Exception {
      this.dir = Files.createDirectories(dir);
      raw = new Raw(dir.resolve("db"), false);
    }

    @Override
    public void lookUp(byte[][] keys) throws Exception {
      raw.lookUp(keys);
    }

    @Override
    public void commit(long height, byte[][] keys) throws Exception {
      Arrays.sort(keys, Arrays::compareUnsigned);
      String file = dir.resolve("sst-" + files++).toString();
      try (org.rocksdb.SstFileWriter w = new org.rocksdb.SstFileWriter(env, raw.options)) {
        w.open(file);
        w.put(new byte[] {0}, heightRecord(height));
        for (int i = 0; i < keys.length; i++) {
          w.put(keys[i], value(i));
        }
        w.finish();
      }
      raw.db.ingestExternalFile(List.of(file), ingest);
    }

    @Override
    public void close() {
      raw.close();
      ingest.close();
      env.close();
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
        wb.put(new byte[] {0}, heightRecord(height));
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
