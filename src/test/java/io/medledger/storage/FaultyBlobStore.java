package io.medledger.storage;

import io.medledger.crypto.Digest;
import java.util.Optional;

/** Test double: wraps a store and can be taken down or made to return corrupted bytes. */
final class FaultyBlobStore implements BlobStore {
  enum Mode { OK, DOWN, CORRUPT_READS }

  private final InMemoryBlobStore inner = new InMemoryBlobStore();
  volatile Mode mode = Mode.OK;

  InMemoryBlobStore inner() {
    return inner;
  }

  @Override
  public Digest put(byte[] data) {
    if (mode == Mode.DOWN) {
      throw new BlobUnavailableException("node down");
    }
    return inner.put(data);
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    if (mode == Mode.DOWN) {
      throw new BlobUnavailableException("node down");
    }
    Optional<byte[]> b = inner.get(id);
    if (mode == Mode.CORRUPT_READS && b.isPresent()) {
      byte[] c = b.get();
      if (c.length > 0) {
        c[c.length / 2] ^= 0x40;
      } else {
        c = new byte[] {1};
      }
      // Model a node that serves bad bytes without noticing.
      return Optional.of(c);
    }
    return b;
  }

  @Override
  public boolean delete(Digest id) {
    if (mode == Mode.DOWN) {
      throw new BlobUnavailableException("node down");
    }
    return inner.delete(id);
  }
}
