package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test double: an {@link AttestingBlobStore} in memory, answering with whatever receipts the
 * subclass makes (checked or not), and counting the writes it was sent. Thread-safe.
 */
abstract class InMemoryAttestingStore implements AttestingBlobStore {
  private final InMemoryBlobStore blobs = new InMemoryBlobStore();
  private final Ed25519PublicKey nodeKey;
  private final Digest chainId;
  /** Writes sent to this store, kept or not. */
  final AtomicInteger puts = new AtomicInteger();

  InMemoryAttestingStore(Ed25519PublicKey nodeKey, Digest chainId) {
    this.nodeKey = nodeKey;
    this.chainId = chainId;
  }

  /** The receipt answering a write of blob {@code id} of {@code size} bytes. */
  abstract StorageReceipt held(Digest id, long size);

  /** The receipt answering the deletion of {@code id} for {@code erasedRecord}. */
  abstract StorageReceipt deleted(Digest id, Digest erasedRecord, boolean hadCopy);

  @Override
  public Digest put(byte[] data) {
    puts.incrementAndGet();
    return blobs.put(data);
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    return blobs.get(id);
  }

  @Override
  public boolean delete(Digest id) {
    return blobs.delete(id);
  }

  @Override
  public Ed25519PublicKey nodeKey() {
    return nodeKey;
  }

  @Override
  public Digest chainId() {
    return chainId;
  }

  @Override
  public StorageReceipt putAttested(InputStream data) {
    byte[] b;
    try {
      b = data.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return held(put(b), b.length);
  }

  @Override
  public StorageReceipt deleteErasedAttested(Digest id, Digest erasedRecord) {
    return deleted(id, erasedRecord, delete(id));
  }
}
