package io.medledger.federation;

import io.medledger.crypto.Digest;
import io.medledger.storage.BlobCorruptedException;
import io.medledger.storage.BlobStore;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.InMemoryBlobStore;
import java.util.Optional;

/** A blob store that can be switched to unreachable, or to returning flipped bytes. Thread-safe. */
final class FlakyStore implements BlobStore {
  enum Mode { OK, DOWN, CORRUPT }

  private final InMemoryBlobStore inner = new InMemoryBlobStore();
  private volatile Mode mode = Mode.OK;

  void mode(Mode m) {
    this.mode = m;
  }

  int size() {
    return inner.size();
  }

  @Override
  public Digest put(byte[] data) {
    if (mode == Mode.DOWN) {
      throw new BlobUnavailableException("node down");
    }
    if (mode == Mode.CORRUPT) {
      byte[] bad = data.clone();
      bad[bad.length / 2] ^= 1;
      return inner.put(bad);
    }
    return inner.put(data);
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    if (mode == Mode.DOWN) {
      throw new BlobUnavailableException("node down");
    }
    Optional<byte[]> got = inner.get(id);
    if (mode == Mode.CORRUPT && got.isPresent()) {
      throw new BlobCorruptedException("copy of " + id + " does not hash to its id");
    }
    return got;
  }

  @Override
  public boolean delete(Digest id) {
    if (mode == Mode.DOWN) {
      throw new BlobUnavailableException("node down");
    }
    return inner.delete(id);
  }
}
