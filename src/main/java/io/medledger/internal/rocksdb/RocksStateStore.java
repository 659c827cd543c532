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
    try (WriteBatch wb = new WriteBatch()) {
      ensureOpen();
      if (batch.firstHeight() != height + 1) {
        throw new IllegalArgumentException("batch from height " + batch.firstHeight() + " on a state at " + height);
      }
      // In key order, and only the last put of each key: the memtable inserts each key next to
      // the previous one instead of searching from its head (half the write in StateCommitBench).
      Put[] puts = new Put[batch.size()];
      for (int i = 0; i < puts.length; i++) {
        puts[i] = new Put(batch.key(i), batch.value(i));
      }
      Arrays.sort(puts, BY_KEY); // stable: equal keys keep their order
      for (int i = 0; i < puts.length; i++) {
        if (i + 1 < puts.length && Arrays.equals(puts[i].key, puts[i + 1].key)) {
          continue;
        }
        wb.put(puts[i].key, puts[i].value);
      }
      byte[] meta = ByteBuffer.allocate(8 + Digest.LENGTH).putLong(batch.height()).put(batch.tip().toByteArray())
          .array();
      wb.put(META, meta);
      db.write(sync, wb);
      tip = batch.tip();
      height = batch.height();
    } catch (RocksDBException e) {
      throw new StoreException("state store write failed: " + e.getMessage(), e);
    } finally {
      lock.writeLock().unlock();
    }
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

  /** A put and its key's {@link StateKey#head}, for the sort. */
  private record Put(byte[] key, byte[] value, long head) {
    Put(byte[] key, byte[] value) {
      this(key, value, StateKey.head(key));
    }
  }

  /**
   * Unsigned byte order of the keys: the first eight bytes as one number decide most comparisons
   * (state keys are a one-byte kind and then digests), the rest only on a tie.
   */
  private static final Comparator<Put> BY_KEY = (a, b) -> StateKey.compare(a.key, a.head, b.key, b.head);

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
