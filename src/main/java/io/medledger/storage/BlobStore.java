package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

  /**
   * Stores the bytes of {@code data}, read to its end, durably and returns their id. The caller
   * closes the stream. The default reads the whole payload into memory.
   *
   * @throws BlobUnavailableException if the store cannot be reached or written, or {@code data}
   *     cannot be read
   */
  default Digest put(InputStream data) {
    try {
      return put(data.readAllBytes());
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read the payload to store: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the bytes of blob {@code id} to {@code out}; returns false when this store does not hold
   * it. The bytes are checked against {@code id} as they pass, so a corrupted copy is detected only
   * at its end, after part of it may have been written: write to a spool that is discarded on an
   * exception (as {@link ReplicatedBlobStore} does) before handing bytes on.
   *
   * @throws BlobCorruptedException if the copy does not hash to {@code id}
   * @throws BlobUnavailableException if the store cannot be reached or read, or {@code out} fails
   */
  default boolean read(Digest id, OutputStream out) {
    Optional<byte[]> b = get(id);
    if (b.isEmpty()) {
      return false;
    }
    if (!Sha256.hash(b.get()).equals(id)) {
      throw new BlobCorruptedException("blob " + id + " does not match its digest");
    }
    try {
      out.write(b.get());
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot write blob " + id + " out: " + e.getMessage(), e);
    }
    return true;
  }

  /**
   * Whether this store holds a verified copy of {@code id}: checked where the bytes are, so a
   * remote store answers without sending them. The default reads the blob through.
   *
   * @throws BlobUnavailableException if the store cannot be reached or read
   */
  default BlobState check(Digest id) {
    try {
      return read(id, OutputStream.nullOutputStream()) ? BlobState.PRESENT : BlobState.MISSING;
    } catch (BlobCorruptedException e) {
      return BlobState.CORRUPT;
    }
  }

  /**
   * Deletes blob {@code id}, a payload of record {@code erasedRecord}, whose erasure is final on
   * the ledger; returns whether a copy existed. Stores that check the erasure against a ledger
   * before deleting (storage nodes) need the record; the default ignores it and calls
   * {@link #delete}.
   *
   * @throws BlobUnavailableException if the store cannot be reached or refuses
   */
  default boolean deleteErased(Digest id, Digest erasedRecord) {
    return delete(id);
  }
}
