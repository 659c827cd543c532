package io.medledger.storage;

/**
 * An append-only store of encoded blocks (opaque bytes), indexed by position
 * {@code 0..size()-1}. Blocks are never modified or removed.
 *
 * <p>Thread safety: implementations allow one writer (appends are serialized) and any number of
 * concurrent readers; a reader never sees a partially appended block, and a block becomes
 * readable exactly when {@link #size()} covers it.
 */
public interface BlockStore extends AutoCloseable {
  /**
   * Appends a block. When this returns the block is durable (the file store has forced it to
   * disk) and readable at the returned index.
   *
   * @param encodedBlock the bytes to store (copied; the caller may reuse the array)
   * @return the new block's index, equal to the previous {@link #size()}
   * @throws IllegalArgumentException if the block exceeds the store's maximum block size
   * @throws StoreException if the store is closed or the write fails
   */
  long append(byte[] encodedBlock);

  /**
   * Reads the block at {@code index}.
   *
   * @return a fresh copy of the block's bytes
   * @throws IndexOutOfBoundsException if {@code index} is outside {@code 0..size()-1}
   * @throws StoreCorruptedException if the stored bytes fail their checksum
   * @throws StoreException if the store is closed or the read fails
   */
  byte[] read(long index);

  /** The number of blocks appended so far (and readable). */
  long size();

  /** Releases the store's resources; further calls fail with {@link StoreException}. Idempotent. */
  @Override
  void close();
}
