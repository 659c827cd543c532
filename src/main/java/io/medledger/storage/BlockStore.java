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
   * Appends a block without forcing it to disk: it is readable at once, and durable after the
   * next {@link #sync()} (or a later {@link #append}). A crash before then may lose it, and every
   * deferred block after it, never an earlier one. For blocks that can be fetched again (catch-up
   * of blocks final on the network). The default appends durably.
   *
   * @return the new block's index
   * @throws IllegalArgumentException if the block exceeds the store's maximum block size
   * @throws StoreException if the store is closed or the write fails
   */
  default long appendDeferred(byte[] encodedBlock) {
    return append(encodedBlock);
  }

  /**
   * Forces every block appended so far to disk (what {@link #appendDeferred} left undone).
   *
   * @throws StoreException if the store is closed or the force fails
   */
  default void sync() {}

  /**
   * Reads the block at {@code index}.
   *
   * @return a fresh copy of the block's bytes
   * @throws IndexOutOfBoundsException if {@code index} is outside {@code 0..size()-1}
   * @throws StoreCorruptedException if the stored bytes fail their checksum
   * @throws StoreException if the store is closed or the read fails
   */
  byte[] read(long index);

  /**
   * Reads {@code length} bytes at {@code offset} of the block at {@code index}, without reading
   * the rest of the block. The store checks the block's frame (where it has one) and that the
   * range lies inside the block, but it cannot check the range against the block's checksum
   * without reading the whole block. The caller checks the bytes against a hash it trusts; if
   * they do not match, it reads the whole block with {@link #read}, which throws
   * {@link StoreCorruptedException} if the stored block is damaged.
   *
   * @return a fresh array of {@code length} bytes
   * @throws IndexOutOfBoundsException if {@code index} is outside {@code 0..size()-1}, or the
   *     range is not inside the block
   * @throws StoreCorruptedException if the block's frame header fails its checksum
   * @throws StoreException if the store is closed or the read fails
   */
  default byte[] readRange(long index, int offset, int length) {
    byte[] block = read(index);
    java.util.Objects.checkFromIndexSize(offset, length, block.length);
    return java.util.Arrays.copyOfRange(block, offset, offset + length);
  }

  /** The number of blocks appended so far (and readable). */
  long size();

  /** Releases the store's resources; further calls fail with {@link StoreException}. Idempotent. */
  @Override
  void close();
}
