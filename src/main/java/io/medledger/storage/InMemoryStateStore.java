package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.internal.StateKey;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * A {@link StateStore} held in memory, for tests and pilots: nothing is durable, and its heap
 * grows with the state.
 *
 * <p>Thread-safe as {@link StateStore} states.
 */
public final class InMemoryStateStore implements StateStore {
  /** The values, by key: a read or an overwrite is one hash lookup. */
  private final ConcurrentHashMap<StateKey, byte[]> values = new ConcurrentHashMap<>();
  /** The keys in order, for scans; a key enters once, when first written (keys are never removed). */
  private final ConcurrentSkipListSet<StateKey> order = new ConcurrentSkipListSet<>();
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
    byte[] v = values.get(new StateKey(key));
    return v == null ? null : v.clone();
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    ensureOpen();
    if (Arrays.compareUnsigned(from, to) >= 0) {
      return; // no key is both at least from and below to
    }
    for (StateKey k : order.subSet(new StateKey(from), true, new StateKey(to), false)) {
      byte[] v = values.get(k);
      if (v != null && !visitor.visit(k.bytes().clone(), v.clone())) {
        return;
      }
    }
  }

  @Override
  public synchronized void commit(Batch batch) {
    ensureOpen();
    if (batch.firstHeight() != height + 1) {
      throw new IllegalArgumentException("batch from height " + batch.firstHeight() + " on a state at " + height);
    }
    for (int i = 0; i < batch.size(); i++) {
      StateKey k = new StateKey(batch.key(i));
      if (values.put(k, batch.value(i)) == null) {
        order.add(k);
      }
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
