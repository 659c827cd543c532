package io.medledger.internal.rocksdb;

import io.medledger.crypto.Digest;
import io.medledger.internal.KeyOrder;
import io.medledger.internal.PrivateFiles;
import io.medledger.internal.SortedPuts;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.storage.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.ConfigOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Priority;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A {@link StateStore} in a RocksDB database. Each commit is one {@link WriteBatch} written with
 * {@code sync}, holding the block's puts and, under the reserved key {@code 0x00}, its height and
 * header hash. Memory outside the Java heap: a 32 MiB block cache and up to two 32 MiB memtables
 * (each with a 3.2 MiB bloom filter).
 *
 * <p><b>Permissions.</b> The directory is created 0700 and is what keeps other users out. RocksDB
 * creates its files with the umask's permissions (typically 0644), so they are also made 0600: all
 * of them when the store opens, and again after every flush and compaction (when RocksDB creates
 * table, log and manifest files).
 *
 * <p>Thread-safe as {@link StateStore} states; an internal read-write lock keeps reads off a
 * closed database.
 */
public final class RocksStateStore implements StateStore, SortedPuts.Store {
  private static final byte[] META = {0};
  private static final long CACHE_BYTES = 32L << 20;
  private static final long MEMTABLE_BYTES = 32L << 20;

  private final LRUCache cache;
  private final BloomFilter bloom;
  private final Options options;
  private final AbstractEventListener restrict;
  /** Runs of {@link #restrict} finished (after a flush or a compaction) since open. */
  private final java.util.concurrent.atomic.AtomicLong restricted = new java.util.concurrent.atomic.AtomicLong();
  private final WriteOptions sync;
  private final RocksDB db;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile long height;
  private volatile Digest tip;
  private boolean closed;

  private RocksStateStore(Path dir) throws RocksDBException {
    // Half of the cache is kept for index and filter blocks. They are partitioned (4 KiB pieces
    // under a pinned top level), so a lookup of an absent key (every new entry's duplicate check)
    // costs a cached filter piece, never reloading a whole table's filter after an eviction.
    cache = new LRUCache(CACHE_BYTES, -1, false, 0.5);
    bloom = new BloomFilter(10);
    BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom)
        .setBlockSize(16 << 10).setIndexType(IndexType.kTwoLevelIndexSearch).setPartitionFilters(true)
        .setMetadataBlockSize(4096).setCacheIndexAndFilterBlocks(true)
        .setCacheIndexAndFilterBlocksWithHighPriority(true).setPinTopLevelIndexAndFilter(true)
        .setPinL0FilterAndIndexBlocksInCache(true);
    restrict = new AbstractEventListener() {
      @Override
      public void onFlushCompleted(RocksDB rocks, FlushJobInfo info) {
        restrictQuietly(dir);
        restricted.incrementAndGet();
      }

      @Override
      public void onCompactionCompleted(RocksDB rocks, CompactionJobInfo info) {
        restrictQuietly(dir);
        restricted.incrementAndGet();
      }
    };
    options = hintedOptions().setCreateIfMissing(true).setTableFormatConfig(table).setListeners(List.of(restrict))
        .setWriteBufferSize(MEMTABLE_BYTES).setMaxWriteBufferNumber(2).setMaxOpenFiles(512)
        .setCompressionType(CompressionType.NO_COMPRESSION).setMaxBackgroundJobs(2)
        // A whole-key bloom filter in each memtable (a tenth of its size): a read of a key the
        // memtable does not hold (every duplicate check, most reads) skips the memtable's search.
        .setMemtableWholeKeyFiltering(true).setMemtablePrefixBloomSizeRatio(0.1);
    sync = new WriteOptions().setSync(true);
    RocksDB opened;
    try {
      opened = RocksDB.open(options, dir.toString());
    } catch (RocksDBException e) {
      sync.close();
      options.close();
      restrict.close();
      bloom.close();
      cache.close();
      throw e;
    }
    db = opened;
    try {
      PrivateFiles.restrictFiles(dir);
    } catch (IOException e) {
      close();
      throw new StoreException("cannot make the state store's files owner-only in " + dir + ": " + e.getMessage(), e);
    }
    byte[] meta = db.get(META);
    if (meta == null) {
      height = -1;
    } else if (meta.length != 8 + Digest.LENGTH) {
      close();
      throw new StoreCorruptedException(dir, 0, "state store metadata has " + meta.length + " bytes");
    } else {
      height = ByteBuffer.wrap(meta).getLong();
      tip = Digest.of(meta, 8);
      if (height < 0) {
        close();
        throw new StoreCorruptedException(dir, 0, "state store height is negative");
      }
    }
  }

  /**
   * Default options but for one: each memtable keeps, per key kind (a key's first byte), where it
   * last inserted, and starts the next insert of that kind there. Every write hands its keys in
   * order, so an insert mostly walks a few nodes from the last one rather than searching the skip
   * list from its top. RocksJava has no setter for this option, so it is parsed from its name.
   */
  private static Options hintedOptions() {
    Properties p = new Properties();
    p.setProperty("memtable_insert_with_hint_prefix_extractor", "rocksdb.FixedPrefix.1");
    try (ConfigOptions config = new ConfigOptions(); DBOptions db = new DBOptions();
        ColumnFamilyOptions cf = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(config, p)) {
      if (cf == null) {
        throw new StoreException("RocksDB did not accept the memtable insert hint option");
      }
      return new Options(db, cf);
    }
  }

  /**
   * Opens or creates the store in {@code dir} (created owner-only if missing).
   *
   * @throws StoreException if it cannot be opened, for example while another process holds it
   */
  public static RocksStateStore open(Path dir) {
    try {
      PrivateFiles.createDirectories(dir);
      RocksDB.loadLibrary();
      return new RocksStateStore(dir);
    } catch (RocksDBException e) {
      throw new StoreException("cannot open the state store in " + dir + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StoreException("cannot create " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs RocksDB's compactions in this process at the host's lowest CPU priority (nice 19 on
   * Linux), so that they take the CPU time that the process's other threads leave and never delay
   * them: for every database that RocksJava's default environment runs, not only this class's.
   * Flushes keep their priority. Idempotent; takes effect on each compaction thread when it next
   * runs a job.
   *
   * @throws StoreException if RocksDB's native library cannot be loaded
   */
  public static void lowerCompactionPriority() {
    try {
      RocksDB.loadLibrary();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new StoreException("cannot load RocksDB: " + e.getMessage(), e);
    }
    Env.getDefault().lowerThreadPoolCPUPriority(Priority.LOW);
  }

  /** Compacts the whole key range now, on RocksDB's compaction threads (tests). */
  void compactAll() {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new StoreException("the state store is closed");
      }
      db.compactRange();
    } catch (RocksDBException e) {
      throw new StoreException("compaction failed: " + e.getMessage(), e);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long height() {
    return height;
  }

  @Override
  public Optional<Digest> tip() {
    return Optional.ofNullable(tip);
  }

  @Override
  public byte[] get(byte[] key) {
    lock.readLock().lock();
    try {
      ensureOpen();
      return db.get(key);
    } catch (RocksDBException e) {
      throw new StoreException("state store read failed: " + e.getMessage(), e);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) {
    if (keys.isEmpty()) {
      return List.of();
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      return db.multiGetAsList(keys);
    } catch (RocksDBException e) {
      throw new StoreException("state store read failed: " + e.getMessage(), e);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    lock.readLock().lock();
    try {
      ensureOpen();
      try (RocksIterator it = db.newIterator()) {
        for (it.seek(from); it.isValid(); it.next()) {
          byte[] k = it.key();
          if (Arrays.compareUnsigned(k, to) >= 0 || !visitor.visit(k, it.value())) {
            break;
          }
        }
        it.status();
      }
    } catch (RocksDBException e) {
      throw new StoreException("state store scan failed: " + e.getMessage(), e);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void commit(Batch batch) {
    // In key order, and only the last put of each key: the memtable inserts each key next to the
    // previous one instead of searching from its head (half the write in StateCommitBench).
    byte[][] keys = keys(batch);
    write(batch.firstHeight(), batch.height(), batch.tip(), inKeyOrder(batch, keys, keyOrder(keys)), false);
  }

  /**
   * {@inheritDoc} The puts are serialized straight from their arrays into one write batch, with no
   * array per key or value and no sort.
   */
  @Override
  public void commitSorted(long firstHeight, long height, Digest tip, SortedPuts puts) {
    if (firstHeight < 0 || height < firstHeight) {
      throw new IllegalArgumentException("heights must satisfy 0 <= first <= last: " + firstHeight + ", " + height);
    }
    write(firstHeight, height, Objects.requireNonNull(tip, "tip"), puts, true);
  }

  /**
   * Writes {@code puts} and the new height and tip as one synced batch, in its serialized form (one
   * native call instead of one per put); {@code check}s the puts' order and keys first.
   */
  private void write(long firstHeight, long height, Digest tip, SortedPuts puts, boolean check) {
    lock.writeLock().lock();
    try {
      ensureOpen();
      if (firstHeight != this.height + 1) {
        throw new IllegalArgumentException("batch from height " + firstHeight + " on a state at " + this.height);
      }
      byte[] meta = ByteBuffer.allocate(8 + Digest.LENGTH).putLong(height).put(tip.toByteArray()).array();
      byte[] rep = serialized(puts, meta, check);
      try (WriteBatch wb = rep != null ? new WriteBatch(rep) : perPut(puts, meta)) {
        db.write(sync, wb);
      }
      this.tip = tip;
      this.height = height;
    } catch (RocksDBException e) {
      throw new StoreException("state store write failed: " + e.getMessage(), e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static byte[][] keys(Batch batch) {
    byte[][] keys = new byte[batch.size()][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = batch.key(i);
    }
    return keys;
  }

  /** The puts of {@code batch} whose indices {@code order} lists, in that order, -1 skipped. */
  static SortedPuts inKeyOrder(Batch batch, byte[][] keys, int[] order) {
    int[] kept = Arrays.stream(order).filter(i -> i >= 0).toArray();
    return new SortedPuts() {
      @Override
      public int size() {
        return kept.length;
      }

      @Override
      public byte[] keyArray(int i) {
        return keys[kept[i]];
      }

      @Override
      public int keyOffset(int i) {
        return 0;
      }

      @Override
      public int keyLength(int i) {
        return keys[kept[i]].length;
      }

      @Override
      public byte[] valueArray(int i) {
        return batch.value(kept[i]);
      }

      @Override
      public int valueOffset(int i) {
        return 0;
      }

      @Override
      public int valueLength(int i) {
        return batch.value(kept[i]).length;
      }
    };
  }

  /**
   * The indices of the puts of {@code keys}, in unsigned byte order of their keys, each key's last
   * put only: an earlier put of the same key is marked -1 in place.
   */
  static int[] keyOrder(byte[][] keys) {
    int n = keys.length;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    KeyOrder.sort(KeyOrder.of(keys), order, 0, n);
    for (int i = 0; i + 1 < n; i++) {
      if (Arrays.equals(keys[order[i]], keys[order[i + 1]])) {
        order[i] = -1; // stable order: the later put follows
      }
    }
    return order;
  }

  /**
   * The serialized RocksDB write batch (format of {@code db/write_batch.cc}: a fixed64 sequence
   * number, which the write assigns, a fixed32 count, then per put the type byte 0x01 and the key
   * and value each as a varint32 length and its bytes) of {@code puts} in their order, then
   * {@code meta} under {@link #META}; null if it would not fit in an array. With {@code check},
   * first refuses puts out of strictly increasing key order and keys that are empty or start with
   * 0x00, with an {@link IllegalArgumentException}.
   */
  static byte[] serialized(SortedPuts puts, byte[] meta, boolean check) {
    int n = puts.size();
    long size = 12 + record(META.length, meta.length);
    for (int i = 0; i < n; i++) {
      int k = puts.keyLength(i);
      if (check) {
        if (k == 0 || puts.keyArray(i)[puts.keyOffset(i)] == 0) {
          throw new IllegalArgumentException("keys are not empty and do not start with 0x00");
        }
        if (i > 0 && Arrays.compareUnsigned(puts.keyArray(i - 1), puts.keyOffset(i - 1),
            puts.keyOffset(i - 1) + puts.keyLength(i - 1), puts.keyArray(i), puts.keyOffset(i), puts.keyOffset(i) + k) >= 0) {
          throw new IllegalArgumentException("put " + i + "'s key does not follow put " + (i - 1) + "'s");
        }
      }
      size += record(k, puts.valueLength(i));
    }
    if (size > Integer.MAX_VALUE - 16) {
      return null;
    }
    ByteBuffer b = ByteBuffer.allocate((int) size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(0).putInt(n + 1);
    for (int i = 0; i < n; i++) {
      b.put((byte) 0x01); // kTypeValue
      putVarint(b, puts.keyLength(i));
      b.put(puts.keyArray(i), puts.keyOffset(i), puts.keyLength(i));
      putVarint(b, puts.valueLength(i));
      b.put(puts.valueArray(i), puts.valueOffset(i), puts.valueLength(i));
    }
    b.put((byte) 0x01);
    putVarint(b, META.length);
    b.put(META);
    putVarint(b, meta.length);
    b.put(meta);
    return b.array();
  }

  /** {@code puts} one native call each: for a batch too large for one array (already checked). */
  private static WriteBatch perPut(SortedPuts puts, byte[] meta) throws RocksDBException {
    WriteBatch wb = new WriteBatch();
    try {
      for (int i = 0; i < puts.size(); i++) {
        int k = puts.keyOffset(i);
        int v = puts.valueOffset(i);
        wb.put(Arrays.copyOfRange(puts.keyArray(i), k, k + puts.keyLength(i)),
            Arrays.copyOfRange(puts.valueArray(i), v, v + puts.valueLength(i)));
      }
      wb.put(META, meta);
      return wb;
    } catch (RocksDBException | RuntimeException e) {
      wb.close();
      throw e;
    }
  }

  private static long record(int keyLength, int valueLength) {
    return 1 + varintLength(keyLength) + keyLength + varintLength(valueLength) + valueLength;
  }

  private static int varintLength(int v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  private static void putVarint(ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      db.close();
      sync.close();
      options.close();
      restrict.close();
      bloom.close();
      cache.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** How many times the files were made owner-only after a flush or compaction since open (for tests). */
  long restrictionsAfterJobs() {
    return restricted.get();
  }

  /** On RocksDB's background thread: a failure leaves the files as they are (the directory is 0700). */
  private static void restrictQuietly(Path dir) {
    try {
      PrivateFiles.restrictFiles(dir);
    } catch (IOException | RuntimeException e) {
      // nothing to report to: the next flush or open tries again
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("state store is closed");
    }
  }
}
