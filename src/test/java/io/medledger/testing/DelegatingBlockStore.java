package io.medledger.testing;

import io.medledger.storage.BlockStore;

/** A {@link BlockStore} that passes every call to another; tests override what they observe or break. */
public class DelegatingBlockStore implements BlockStore {
  protected final BlockStore inner;

  public DelegatingBlockStore(BlockStore inner) {
    this.inner = inner;
  }

  @Override
  public long append(byte[] encodedBlock) {
    return inner.append(encodedBlock);
  }

  @Override
  public long appendDeferred(byte[] encodedBlock) {
    return inner.appendDeferred(encodedBlock);
  }

  @Override
  public void sync() {
    inner.sync();
  }

  @Override
  public byte[] read(long index) {
    return inner.read(index);
  }

  @Override
  public byte[] readRange(long index, int offset, int length) {
    return inner.readRange(index, offset, length);
  }

  @Override
  public long size() {
    return inner.size();
  }

  @Override
  public void close() {
    inner.close();
  }
}
