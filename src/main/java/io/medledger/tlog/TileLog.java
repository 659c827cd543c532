package io.medledger.tlog;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.medledger.crypto.Digest;
import io.medledger.internal.PrivateFiles;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.InclusionProof;
import io.medledger.merkle.LeafHashLog;
import io.medledger.merkle.MerkleLog;
import io.medledger.merkle.Subtrees;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.storage.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An append-only RFC 9162 log of leaf hashes kept on disk as C2SP {@code tlog-tiles} hash tiles
 * (height 8): {@code <dir>/tile/<L>/<N>} for full tiles and {@code <dir>/tile/<L>/<N>.p/<W>} for
 * the partial right edge, so the directory can be served as it is. Memory holds only the right
 * edge (at most 8 KiB per level) and a bounded cache of tiles; a root, an inclusion proof or a
 * consistency proof of any size reads O(log n) tiles.
 *
 * <p>Durability: {@link #commit()} fsyncs every tile written since the last commit, writes the
 * partial tiles of the current size, and then atomically replaces {@code <dir>/tree} (size and
 * root); reopening restores exactly the last committed size and checks the root against the
 * right edge, and every full tile read from disk is checked against its hash in the level above,
 * so damaged files are reported ({@link StoreCorruptedException}), never used. Leaves appended after the last commit are lost in a crash. Files are owner-only (0600,
 * directories 0700), and a lock file keeps a second process out.
 *
 * <p>Thread-safe: one appender at a time; reads may run concurrently with each other and with
 * appends (an internal read-write lock orders them).
 */
public final class TileLog implements LeafHashLog, AutoCloseable {
  /** Bytes in a full tile: 256 hashes of 32 bytes. */
  public static final int TILE_BYTES = TilePath.FULL * Digest.LENGTH;
  /** The default number of tiles kept in memory (2 MiB). */
  public static final int DEFAULT_CACHE_TILES = 256;
  private static final int LEVELS = 6; // 2^40 leaves need at most 5 full levels plus one
  private static final String TREE_FILE = "tree";
  private static final int TREE_BYTES = 8 + Digest.LENGTH;

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Cache<Long, byte[]> cache;
  /** edge[L]: the hashes of the rightmost, incomplete tile of level L (count = width at size). */
  private final byte[][] edge = new byte[LEVELS][TILE_BYTES];
  private final Set<Path> unsynced = new LinkedHashSet<>();
  /** The partial tile last written durably at each level, or null. */
  private final TilePath[] writtenPartial = new TilePath[LEVELS];
  private long size;
  private boolean closed;

  private TileLog(Path dir, int cacheTiles) throws IOException {
    this.dir = dir;
    this.cache = CacheBuilder.newBuilder().maximumSize(cacheTiles).build();
    OwnerFiles.mkdirs(dir);
    this.lockChannel = OwnerFiles.openForWrite(dir.resolve("LOCK"));
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new StoreException("tile log " + dir + " is open elsewhere");
    }
    this.fileLock = l;
  }

  /** Opens (creating if needed) the tile log in {@code dir} with the default cache. */
  public static TileLog open(Path dir) {
    return open(dir, DEFAULT_CACHE_TILES);
  }

  /**
   * Opens (creating if needed) the tile log in {@code dir}, caching up to {@code cacheTiles}
   * tiles.
   *
   * @throws StoreCorruptedException if the committed size, the partial tiles and the root disagree
   * @throws StoreException if the directory cannot be used or is open elsewhere
   */
  public static TileLog open(Path dir, int cacheTiles) {
    Objects.requireNonNull(dir, "dir");
    if (cacheTiles < 1) {
      throw new IllegalArgumentException("cacheTiles must be positive: " + cacheTiles);
    }
    TileLog t;
    try {
      t = new TileLog(dir, cacheTiles);
    } catch (IOException e) {
      throw new StoreException("cannot open tile log " + dir + ": " + e.getMessage(), e);
    }
    try {
      t.recover();
      return t;
    } catch (IOException e) {
      t.close();
      throw new StoreException("cannot read tile log " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private void recover() throws IOException {
    Path treeFile = dir.resolve(TREE_FILE);
    // under the lock: the temporary files of tree writes that a crash cut short
    PrivateFiles.deleteTempsOf(treeFile);
    PrivateFiles.deleteLeftovers(dir, TREE_FILE + ".tmp"); // the fixed name of earlier versions
    byte[] tree = OwnerFiles.read(treeFile, TREE_BYTES);
    if (tree == null) {
      return;
    }
    if (tree.length != TREE_BYTES) {
      throw new StoreCorruptedException(treeFile, 0, "tree file is " + tree.length + " bytes");
    }
    long n = ByteBuffer.wrap(tree).getLong();
    if (n < 0 || n > MerkleLog.MAX_SIZE) {
      throw new StoreCorruptedException(treeFile, 0, "tree size " + n + " out of range");
    }
    for (int level = 0; level < LEVELS; level++) {
      int w = width(n, level);
      if (w == 0) {
        continue;
      }
      TilePath p = TilePath.hashes(level, n >>> (TilePath.HEIGHT * (level + 1)), w);
      Path f = file(p);
      byte[] b = OwnerFiles.read(f, TILE_BYTES);
      if (b == null || b.length != w * Digest.LENGTH) {
        throw new StoreCorruptedException(f, 0, "partial tile missing or of the wrong length");
      }
      System.arraycopy(b, 0, edge[level], 0, b.length);
      writtenPartial[level] = p;
    }
    size = n;
    Digest want = Digest.of(tree, 8);
    Digest got = root(n);
    if (!got.equals(want)) {
      throw new StoreCorruptedException(treeFile, 8, "the tiles do not hash to the committed root");
    }
  }

  private static int width(long size, int level) {
    return (int) ((size >>> (TilePath.HEIGHT * level)) & (TilePath.FULL - 1));
  }

  private Path file(TilePath p) {
    return dir.resolve(p.toString());
  }

  /** The directory holding the {@code tile/} tree. */
  public Path directory() {
    return dir;
  }

  @Override
  public long size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Appends a leaf hash; returns its index. A completed tile is written at once (fsynced by the
   * next {@link #commit()}).
   *
   * @throws StoreException if a tile cannot be written (the log is then unchanged)
   */
  @Override
  public long appendLeafHash(Digest leafHash) {
    Objects.requireNonNull(leafHash, "leafHash");
    lock.writeLock().lock();
    try {
      checkOpen();
      if (size >= MerkleLog.MAX_SIZE) {
        throw new IllegalStateException("the log is full (" + MerkleLog.MAX_SIZE + " leaves)");
      }
      byte[] h = leafHash.toByteArray();
      int level = 0;
      List<Runnable> undo = new ArrayList<>();
      try {
        while (true) {
          int w = width(size, level);
          System.arraycopy(h, 0, edge[level], w * Digest.LENGTH, Digest.LENGTH);
          if (w + 1 < TilePath.FULL) {
            break;
          }
          long index = size >>> (TilePath.HEIGHT * (level + 1));
          byte[] tile = edge[level].clone();
          TilePath p = TilePath.hashes(level, index, TilePath.FULL);
          Path f = file(p);
          OwnerFiles.write(f, tile);
          unsynced.add(f);
          long key = key(level, index);
          cache.put(key, tile);
          undo.add(() -> cache.invalidate(key));
          h = mth(tile, 0, TilePath.FULL);
          level++;
        }
      } catch (IOException e) {
        undo.forEach(Runnable::run);
        throw new StoreException("cannot write tile in " + dir + ": " + e.getMessage(), e);
      }
      return size++;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Makes every appended leaf durable: fsyncs the tiles written since the last commit, writes the
   * partial tiles of the current size, then atomically records the size and root.
   *
   * @throws StoreException if a file cannot be written or synced
   */
  @Override
  public void commit() {
    lock.writeLock().lock();
    try {
      checkOpen();
      Set<Path> dirs = new LinkedHashSet<>();
      for (Path f : unsynced) {
        OwnerFiles.fsync(f);
        dirs.add(f.getParent());
      }
      List<TilePath> stale = new ArrayList<>();
      TilePath[] now = new TilePath[LEVELS];
      for (int level = 0; level < LEVELS; level++) {
        int w = width(size, level);
        if (w == 0) {
          if (writtenPartial[level] != null) {
            stale.add(writtenPartial[level]);
          }
          continue;
        }
        TilePath p = TilePath.hashes(level, size >>> (TilePath.HEIGHT * (level + 1)), w);
        now[level] = p;
        if (!p.equals(writtenPartial[level])) {
          Path f = file(p);
          OwnerFiles.write(f, Arrays.copyOf(edge[level], w * Digest.LENGTH));
          OwnerFiles.fsync(f);
          dirs.add(f.getParent());
          if (writtenPartial[level] != null) {
            stale.add(writtenPartial[level]);
          }
        }
      }
      for (Path d : dirs) {
        OwnerFiles.fsync(d);
      }
      byte[] tree = ByteBuffer.allocate(TREE_BYTES).putLong(size).put(root(size).toByteArray()).array();
      OwnerFiles.writeAtomic(dir.resolve(TREE_FILE), tree);
      unsynced.clear();
      for (TilePath p : stale) {
        Files.deleteIfExists(file(p));
      }
      for (int level = 0; level < LEVELS; level++) {
        writtenPartial[level] = now[level];
      }
    } catch (IOException e) {
      throw new StoreException("cannot commit tile log " + dir + ": " + e.getMessage(), e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Digest leafHash(long index) {
    lock.readLock().lock();
    try {
      Objects.checkIndex(index, size);
      byte[] t = tileFor(0, index >>> TilePath.HEIGHT);
      return Digest.of(t, (int) (index & (TilePath.FULL - 1)) * Digest.LENGTH);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Returns the root of the current tree. */
  public Digest root() {
    lock.readLock().lock();
    try {
      return root(size);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Digest root(long treeSize) {
    lock.readLock().lock();
    try {
      checkSize(treeSize);
      return Subtrees.root(this::subtree, treeSize);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public InclusionProof inclusionProof(long index, long treeSize) {
    lock.readLock().lock();
    try {
      if (treeSize < 1 || treeSize > size || index < 0 || index >= treeSize) {
        throw new IllegalArgumentException("need 0 <= index < size <= " + size + ", got index " + index
            + " and size " + treeSize);
      }
      return Subtrees.inclusionProof(this::subtree, index, treeSize);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public ConsistencyProof consistencyProof(long size1, long size2) {
    lock.readLock().lock();
    try {
      if (size1 < 1 || size1 > size2 || size2 > size) {
        throw new IllegalArgumentException("need 1 <= size1 <= size2 <= " + size + ", got size1 " + size1
            + " and size2 " + size2);
      }
      return Subtrees.consistencyProof(this::subtree, size1, size2);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Returns the hash tile {@code p} as it is in the tree of {@code treeSize} leaves (the first
   * {@code p.width()} hashes of tile {@code p.index()} at {@code p.level()}).
   *
   * @throws IllegalArgumentException if {@code p} is an entry bundle or is not a tile of that tree
   */
  public byte[] tile(TilePath p, long treeSize) {
    lock.readLock().lock();
    try {
      checkSize(treeSize);
      if (p.isEntries() || !TilePath.inTree(p.level(), p.index(), treeSize).equals(p)) {
        throw new IllegalArgumentException(p + " is not a tile of the tree of size " + treeSize);
      }
      return Arrays.copyOf(tileFor(p.level(), p.index()), p.width() * Digest.LENGTH);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void checkSize(long treeSize) {
    if (treeSize < 0 || treeSize > size) {
      throw new IllegalArgumentException("size " + treeSize + " outside 0.." + size);
    }
  }

  /** The hashes of tile {@code index} at {@code level}: a full tile, or the right edge. */
  private byte[] tileFor(int level, long index) {
    long full = size >>> (TilePath.HEIGHT * (level + 1));
    if (index < full) {
      return readFull(level, index);
    }
    if (index == full && level < LEVELS) {
      return edge[level];
    }
    throw new IllegalStateException("no tile " + index + " at level " + level);
  }

  private byte[] readFull(int level, long index) {
    try {
      return cache.get(key(level, index), () -> {
        TilePath p = TilePath.hashes(level, index, TilePath.FULL);
        Path f = file(p);
        byte[] b = OwnerFiles.read(f, TILE_BYTES);
        if (b == null || b.length != TILE_BYTES) {
          throw new StoreCorruptedException(f, 0, "full tile missing or of the wrong length");
        }
        // Authenticate against the level above, itself read the same way down from the right
        // edge, which opening checked against the committed root.
        byte[] parent = tileFor(level + 1, index >>> TilePath.HEIGHT);
        int off = (int) (index & (TilePath.FULL - 1)) * Digest.LENGTH;
        if (!Arrays.equals(mth(b, 0, TilePath.FULL), 0, Digest.LENGTH, parent, off, off + Digest.LENGTH)) {
          throw new StoreCorruptedException(f, 0, "full tile does not hash to its entry in the level above");
        }
        return b;
      });
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw new StoreException("cannot read tile in " + dir + ": " + io.getMessage(), io);
      }
      throw new StoreException("cannot read tile in " + dir + ": " + c.getMessage(), c);
    } catch (com.google.common.util.concurrent.UncheckedExecutionException e) {
      if (e.getCause() instanceof StoreException s) {
        throw s;
      }
      throw e;
    }
  }

  private static long key(int level, long index) {
    return (index << 6) | level;
  }

  private Digest subtree(int height, long index) {
    return TileHashes.subtree(this::tileFor, height, index);
  }

  private static byte[] mth(byte[] t, int off, int count) {
    return TileHashes.mth(t, off, count);
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("tile log " + dir + " is closed");
    }
  }

  /** Releases the lock file; uncommitted leaves are not written. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        fileLock.release();
        lockChannel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "TileLog[" + dir + ", size=" + size() + "]";
  }
}
