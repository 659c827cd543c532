package io.medledger.merkle;

import io.medledger.crypto.Digest;

/**
 * An append-only RFC 9162 log of leaf hashes that answers roots, inclusion proofs and consistency
 * proofs for any size up to its current one. {@link MerkleLog} keeps it in memory; a tile-backed
 * implementation keeps it on disk.
 *
 * <p>Thread safety is stated by each implementation; every implementation allows one appender at a
 * time.
 */
public interface LeafHashLog {
  /** Returns the number of leaves. */
  long size();

  /** Appends a leaf hash; returns its index. */
  long appendLeafHash(Digest leafHash);

  /**
   * Returns the hash of leaf {@code index}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   */
  Digest leafHash(long index);

  /**
   * Returns the root the log had when it held {@code size} leaves.
   *
   * @throws IllegalArgumentException unless {@code 0 <= size <= size()}
   */
  Digest root(long size);

  /**
   * Returns the proof that leaf {@code index} is in the tree of {@code size} leaves.
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < size <= size()}
   */
  InclusionProof inclusionProof(long index, long size);

  /**
   * Returns the proof that the tree of {@code size1} leaves is a prefix of the tree of
   * {@code size2} leaves.
   *
   * @throws IllegalArgumentException unless {@code 1 <= size1 <= size2 <= size()}
   */
  ConsistencyProof consistencyProof(long size1, long size2);

  /**
   * Makes every appended leaf durable before returning; a no-op for a log in memory.
   *
   * @throws io.medledger.storage.StoreException if the log's storage fails
   */
  default void commit() {}
}
