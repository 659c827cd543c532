package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A blob store in memory, for tests and simulations. Thread-safe. */
public final class InMemoryBlobStore implements BlobStore {
  private final ConcurrentHashMap<Digest, byte[]> blobs = new ConcurrentHashMap<>();

  @Override
  public Digest put(byte[] data) {
    Digest id = Sha256.hash(data);
    blobs.putIfAbsent(id, data.clone());
    return id;
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    byte[] b = blobs.get(id);
    if (b == null) {
      return Optional.empty();
    }
    if (!Sha256.hash(b).equals(id)) {
      throw new BlobCorruptedException("blob " + id + " is corrupted in memory");
    }
    return Optional.of(b.clone());
  }

  @Override
  public boolean delete(Digest id) {
    return blobs.remove(id) != null;
  }

  /** Number of blobs held. */
  public int size() {
    return blobs.size();
  }
}
