package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Test fixture: a hostile storage node that acknowledges every write without keeping it and answers
 * every read with bytes that never end (it stops at 32 MiB), counting what it sent. Not thread-safe.
 */
public final class EndlessNode implements BlobStore {
  /** The bytes it writes at a time. */
  public static final int BLOCK = 64 << 10;
  private long sent;

  /** The bytes its reads got written, in all. */
  public long sent() {
    return sent;
  }

  @Override
  public Digest put(byte[] data) {
    return Sha256.hash(data);
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    throw new UnsupportedOperationException("reads stream");
  }

  @Override
  public boolean delete(Digest id) {
    return false;
  }

  @Override
  public boolean read(Digest id, OutputStream out) {
    byte[] block = new byte[BLOCK];
    try {
      while (sent < 32 << 20) {
        out.write(block);
        sent += block.length;
      }
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot write: " + e.getMessage(), e);
    }
    return true;
  }
}
