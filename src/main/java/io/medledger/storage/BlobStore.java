package io.medledger.storage;

import io.medledger.crypto.Digest;
import java.util.Optional;

/**
 * A content-addressed store of encrypted payloads: a blob's id is the SHA-256 of its bytes.
 *
 * <p>Reads are verified: an implementation never returns bytes whose digest differs from the id
 * asked for; it throws {@link BlobCorruptedException} instead. Implementations are thread-safe.
 */
public interface BlobStore {
  /**
   * Stores {@code data} durably and returns its id. Storing the same bytes twice is harmless.
   *
   * @throws BlobUnavailableException if the store cannot be reached or written
   */
  Digest put(byte[] data);

  /**
   * Returns the verified bytes of blob {@code id}, or empty when this store does not hold it.
   *
   * @throws BlobCorruptedException if the stored copy does not hash to {@code id}
   * @throws BlobUnavailableException if the store cannot be reached or read
   */
  Optional<byte[]> get(Digest id);

  /**
   * Deletes blob {@code id}; returns whether a copy existed.
   *
   * @throws BlobUnavailableException if the store cannot be reached
   */
  boolean delete(Digest id);
}
