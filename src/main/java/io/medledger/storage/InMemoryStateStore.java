package io.medledger.storage;

import io.medledger.crypto.Digest;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A {@link StateStore} held in memory, for tests and pilots: nothing is durable, and its heap
 * grows with the state.
 *
 * <p>Thread-safe as {@link StateStore} states.
 */
public final class InMemoryStateStore implements StateStore {
  private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
  private volatile long height = -1;
  private volatile Digest tip;
  private volatile boolean closed;

  /** Creates an empty store. */
  public InMemoryStateStore() {}

  @Override
  public long height() {
    ensureOpen();
    return height;
  }

  @Override
  public Optional<Digest> tip() {
    ensureOpen();
    return Optional.ofNullable(tip);
  }

  @Override
  public byte[] get(byte[] key) {
    ensureOpen();
    byte[] v = map.get(key);
    return v == null ? null : v.clone();
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    ensureOpen();
    for (Map.Entry<byte[], byte[]> e : map.subMap(from, true, to, false).entrySet()) {
      if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
        return;
      }
    }
  }

  @Override
  public synchronized void commit(Batch batch) {
    ensureOpen();
    if (batch.height() != height + 1) {
      throw new IllegalArgumentException("batch for height " + batch.height() + " on a state at " + height);
    }
    for (int i = 0; i < batch.size(); i++) {
      map.put(batch.key(i), batch.value(i));
    }
    tip = batch.tip();
    height = batch.height();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("state store is closed");
    }
  }
}
