package io.medledger.internal.rocksdb;

import io.medledger.crypto.Digest;
import io.medledger.internal.PrivateFiles;
import io.medledger.internal.StateKey;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.storage.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
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
public final class RocksStateStore implements StateStore {
  private static final byte[] META = {0};
  private static final long CACHE_BYTES = 32L << 20;
  private static final long MEMTABLE_BYTES = 32L << 20;

  private final LRUCache cache;
  private final BloomFilter bloom;
  private final Options options;
  private final AbstractEventListener restrict;
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
      }

      @Override
      public void onCompactionCompleted(RocksDB rocks, CompactionJobInfo info) {
        restrictQuietly(dir);
      }
    };
    options = new Options().setCreateIfMissing(true).setTableFormatConfig(table).setListeners(List.of(restrict))
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
    lock.writeLock().lock();
    try {
      ensureOpen();
      if (batch.firstHeight() != height + 1) {
        throw new IllegalArgumentException("batch from height " + batch.firstHeight() + " on a state at " + height);
      }
      byte[] meta = ByteBuffer.allocate(8 + Digest.LENGTH).putLong(batch.height()).put(batch.tip().toByteArray())
          .array();
      // In key order, and only the last put of each key: the memtable inserts each key next to
      // the previous one instead of searching from its head (half the write in StateCommitBench).
      // The batch goes to RocksDB in its serialized form, one native call instead of one per put.
      int[] order = keyOrder(batch);
      byte[] rep = serialized(batch, order, meta);
      try (WriteBatch wb = rep != null ? new WriteBatch(rep) : perPut(batch, order, meta)) {
        db.write(sync, wb);
      }
      tip = batch.tip();
      height = batch.height();
    } catch (RocksDBException e) {
      throw new StoreException("state store write failed: " + e.getMessage(), e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The batch's puts one native call each: for a batch too large for one array. */
  private static WriteBatch perPut(Batch batch, int[] order, byte[] meta) throws RocksDBException {
    WriteBatch wb = new WriteBatch();
    try {
      for (int i = 0; i < order.length; i++) {
        if (!supersededAt(batch, order, i)) {
          wb.put(batch.key(order[i]), batch.value(order[i]));
        }
      }
      wb.put(META, meta);
      return wb;
    } catch (RocksDBException | RuntimeException e) {
      wb.close();
      throw e;
    }
  }

  /** Whether the put at position {@code i} of {@code order} is followed by a put of the same key. */
  private static boolean supersededAt(Batch batch, int[] order, int i) {
    return i + 1 < order.length && Arrays.equals(batch.key(order[i]), batch.key(order[i + 1]));
  }

  /**
   * The indices of the batch's puts in unsigned byte order of their keys; puts of equal keys keep
   * their order (so the last one of a key is last).
   */
  static int[] keyOrder(Batch batch) {
    int n = batch.size();
    if (n == 0) {
      return new int[0];
    }
    // Sorted as primitive longs: each the top bits of the key's head with the put's index below
    // them (so equal prefixes stay in index order); runs whose prefixes tie are then sorted by
    // whole keys, stably.
    int bits = Math.max(1, 64 - Long.numberOfLeadingZeros(n - 1));
    long mask = (1L << bits) - 1;
    long[] heads = new long[n];
    long[] packed = new long[n];
    for (int i = 0; i < n; i++) {
      long h = StateKey.head(batch.key(i));
      heads[i] = h;
      packed[i] = (((h >>> bits) << bits) | i) ^ Long.MIN_VALUE; // signed order of these is unsigned order
    }
    Arrays.sort(packed);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = (int) (packed[i] & mask);
    }
    for (int from = 0; from < n;) {
      long prefix = packed[from] >>> bits;
      int to = from + 1;
      while (to < n && packed[to] >>> bits == prefix) {
        to++;
      }
      if (to - from > 1) {
        sortRun(batch, heads, order, from, to);
      }
      from = to;
    }
    return order;
  }

  /** Sorts {@code order[from, to)} (indices in ascending order) by whole keys, stably. */
  private static void sortRun(Batch batch, long[] heads, int[] order, int from, int to) {
    Comparator<Integer> byKey = (a, b) -> StateKey.compare(batch.key(a), heads[a], batch.key(b), heads[b]);
    if (to - from <= 16) {
      for (int i = from + 1; i < to; i++) { // insertion sort: stable
        int x = order[i];
        int j = i - 1;
        while (j >= from && byKey.compare(order[j], x) > 0) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = x;
      }
      return;
    }
    Integer[] run = new Integer[to - from];
    for (int i = from; i < to; i++) {
      run[i - from] = order[i];
    }
    Arrays.sort(run, byKey); // a merge sort: stable
    for (int i = from; i < to; i++) {
      order[i] = run[i - from];
    }
  }

  /**
   * The serialized RocksDB write batch (format of {@code db/write_batch.cc}: a fixed64 sequence
   * number, which the write assigns, a fixed32 count, then per put the type byte 0x01 and the key
   * and value each as a varint32 length and its bytes) of the puts in {@code order}, each key's
   * last put only, then {@code meta} under {@link #META}; null if it would not fit in an array.
   */
  static byte[] serialized(Batch batch, int[] order, byte[] meta) {
    long size = 12 + record(META.length, meta.length);
    int count = 1;
    for (int i = 0; i < order.length; i++) {
      if (!supersededAt(batch, order, i)) {
        size += record(batch.key(order[i]).length, batch.value(order[i]).length);
        count++;
      }
    }
    if (size > Integer.MAX_VALUE - 16) {
      return null;
    }
    ByteBuffer b = ByteBuffer.allocate((int) size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(0).putInt(count);
    for (int i = 0; i < order.length; i++) {
      if (!supersededAt(batch, order, i)) {
        putRecord(b, batch.key(order[i]), batch.value(order[i]));
      }
    }
    putRecord(b, META, meta);
    return b.array();
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

  private static void putRecord(ByteBuffer b, byte[] key, byte[] value) {
    b.put((byte) 0x01); // kTypeValue
    putVarint(b, key.length);
    b.put(key);
    putVarint(b, value.length);
    b.put(value);
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
