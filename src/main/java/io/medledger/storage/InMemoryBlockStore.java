package io.medledger.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link BlockStore} held in memory, for tests and ephemeral nodes. Appends copy the block;
 * reads return a fresh copy. Nothing is durable.
 *
 * <p>Thread-safe: appends are serialized; reads run concurrently with appends and with each
 * other and see only blocks already published by {@link #size()}.
 */
public final class InMemoryBlockStore implements BlockStore {
  private static final int SHIFT = 12;
  private static final int CHUNK = 1 << SHIFT;
  private static final int MASK = CHUNK - 1;

  private final Object writeLock = new Object();
  private volatile byte[][][] chunks = new byte[8][][];
  private volatile long size;
  private volatile boolean closed;

  /** Creates an empty store. */
  public InMemoryBlockStore() {}

  @Override
  public long append(byte[] encodedBlock) {
    Objects.requireNonNull(encodedBlock, "encodedBlock");
    byte[] copy = encodedBlock.clone();
    synchronized (writeLock) {
      ensureOpen();
      long n = size;
      byte[][][] cs = chunks;
      int c = (int) (n >>> SHIFT);
      if (c == cs.length) {
        cs = Arrays.copyOf(cs, cs.length * 2);
      }
      if (cs[c] == null) {
        cs[c] = new byte[CHUNK][];
      }
      cs[c][(int) (n & MASK)] = copy;
      chunks = cs;
      size = n + 1;
      return n;
    }
  }

  @Override
  public byte[] read(long index) {
    return stored(index).clone();
  }

  @Override
  public byte[] readRange(long index, int offset, int length) {
    byte[] b = stored(index);
    Objects.checkFromIndexSize(offset, length, b.length);
    return Arrays.copyOfRange(b, offset, offset + length);
  }

  private byte[] stored(long index) {
    ensureOpen();
    long n = size;
    if (index < 0 || index >= n) {
      throw new IndexOutOfBoundsException("block index " + index + " outside 0.." + (n - 1));
    }
    return chunks[(int) (index >>> SHIFT)][(int) (index & MASK)];
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void close() {
    synchronized (writeLock) {
      closed = true;
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("block store is closed");
    }
  }
}
