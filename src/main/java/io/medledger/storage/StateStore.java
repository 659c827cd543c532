package io.medledger.storage;

import io.medledger.crypto.Digest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger state on the side of the block store: an ordered map of byte keys to byte values
 * that advances one block at a time. Each {@link #commit} writes one block's changes together
 * with that block's height and header hash, atomically and durably, so the store always reflects
 * exactly the block it names. The ledger decides what the keys and values mean (participants,
 * grants and their terms, revocations, records and erasure flags, patient heads, query indexes).
 *
 * <p>Two implementations: {@link InMemoryStateStore} (tests and pilots, nothing durable) and
 * {@link #rocksDb(Path)} (on disk; needs {@code org.rocksdb:rocksdbjni} at run time).
 *
 * <p>Thread safety: one committer at a time and any number of concurrent readers. A reader
 * running during a commit may see part of it; the ledger reads under its own lock.
 */
public interface StateStore extends AutoCloseable {
  /** The height of the block the state reflects, -1 when nothing was committed. */
  long height();

  /** The hash of the header of that block; empty when nothing was committed. */
  Optional<Digest> tip();

  /**
   * The value under {@code key}, or null.
   *
   * @return a fresh array the caller may keep
   */
  byte[] get(byte[] key);

  /**
   * Visits the entries with {@code from <= key < to} (unsigned byte order) in ascending order
   * until {@code visitor} returns false. The arrays passed are the visitor's to keep.
   */
  void scan(byte[] from, byte[] to, Visitor visitor);

  /**
   * The values of {@code keys}, in their order, with null for each absent key: what {@link #get}
   * returns for each. Stores that can read a batch of keys at once (one native call, filters
   * probed together) override this; the default reads them one by one.
   *
   * @throws StoreException if the store cannot be read, or is closed
   */
  default List<byte[]> getAll(List<byte[]> keys) {
    List<byte[]> out = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      out.add(get(k));
    }
    return out;
  }

  /**
   * Applies {@code batch} atomically and durably: after a crash the store reflects either the
   * previous block or the batch's last one, never part of it.
   *
   * @throws IllegalArgumentException if the batch's first height is not {@link #height()} + 1
   * @throws StoreException if the store is closed or the write fails
   */
  void commit(Batch batch);

  /** Releases the store; further calls fail with {@link StoreException}. Idempotent. */
  @Override
  void close();

  /** Receives the entries of a {@link #scan}. */
  @FunctionalInterface
  interface Visitor {
    /** Handles one entry; false stops the scan. */
    boolean visit(byte[] key, byte[] value);
  }

  /**
   * The state changes of one block, or of consecutive blocks {@link #firstHeight()} to
   * {@link #height()}: puts in order (a later put of the same key wins) and the block they bring
   * the state to. Not thread-safe; the store owns the arrays once committed.
   */
  final class Batch {
    private final long firstHeight;
    private final long height;
    private final Digest tip;
    private final List<byte[]> keys = new ArrayList<>();
    private final List<byte[]> values = new ArrayList<>();

    /** An empty batch bringing the state to block {@code height} with header hash {@code tip}. */
    public Batch(long height, Digest tip) {
      this(height, height, tip);
    }

    /**
     * An empty batch of the changes of blocks {@code firstHeight} to {@code height}, bringing the
     * state to block {@code height} with header hash {@code tip}.
     */
    public Batch(long firstHeight, long height, Digest tip) {
      if (firstHeight < 0 || height < firstHeight) {
        throw new IllegalArgumentException("heights must satisfy 0 <= first <= last: " + firstHeight + ", " + height);
      }
      this.firstHeight = firstHeight;
      this.height = height;
      this.tip = Objects.requireNonNull(tip, "tip");
    }

    /**
     * Adds a put; the arrays are not copied.
     *
     * @throws IllegalArgumentException if the key is empty or starts with 0x00 (reserved for the
     *     store's own records)
     */
    public Batch put(byte[] key, byte[] value) {
      if (key.length == 0 || key[0] == 0) {
        throw new IllegalArgumentException("keys are not empty and do not start with 0x00");
      }
      keys.add(key);
      values.add(Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The height of the first block whose changes the batch holds (the store's height + 1). */
    public long firstHeight() {
      return firstHeight;
    }

    /** The height of the block this batch brings the state to. */
    public long height() {
      return height;
    }

    /** The hash of that block's header. */
    public Digest tip() {
      return tip;
    }

    /** The number of puts. */
    public int size() {
      return keys.size();
    }

    /** The key of put {@code i}. */
    public byte[] key(int i) {
      return keys.get(i);
    }

    /** The value of put {@code i}. */
    public byte[] value(int i) {
      return values.get(i);
    }
  }

  /**
   * Opens (creating if needed) the RocksDB state store in {@code dir}. Each commit is one
   * synced write batch that also records the height and tip. One process at a time.
   *
   * @throws StoreException if RocksDB is not on the class or module path, the directory is
   *     locked by another process, or it cannot be opened
   */
  static StateStore rocksDb(Path dir) {
    Objects.requireNonNull(dir, "dir");
    try {
      return io.medledger.internal.rocksdb.RocksStateStore.open(dir);
    } catch (NoClassDefFoundError e) {
      throw new StoreException("the on-disk state store needs org.rocksdb:rocksdbjni on the class path", e);
    }
  }
}
