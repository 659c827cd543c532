package io.medledger.storage;

import io.medledger.crypto.Digest;
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
  private final ConcurrentHashMap<Key, byte[]> values = new ConcurrentHashMap<>();
  /** The keys in order, for scans; a key enters once, when first written (keys are never removed). */
  private final ConcurrentSkipListSet<Key> order = new ConcurrentSkipListSet<>();
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
    byte[] v = values.get(new Key(key));
    return v == null ? null : v.clone();
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    ensureOpen();
    for (Key k : order.subSet(new Key(from), true, new Key(to), false)) {
      byte[] v = values.get(k);
      if (v != null && !visitor.visit(k.bytes.clone(), v.clone())) {
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
      Key k = new Key(batch.key(i));
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

  /**
   * A key in unsigned byte order. Its first eight bytes are kept as one number, so that most
   * comparisons (state keys differ early: a one-byte prefix, then digests) cost one long compare
   * instead of an array comparison; its hash code is computed once.
   */
  private static final class Key implements Comparable<Key> {
    final byte[] bytes;
    final long head;
    final int hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      long h = 0;
      for (int i = 0; i < Long.BYTES; i++) {
        h = (h << 8) | (i < bytes.length ? bytes[i] & 0xff : 0);
      }
      this.head = h;
      this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Key o) {
      int c = Long.compareUnsigned(head, o.head);
      if (c != 0) {
        return c;
      }
      if (bytes.length < Long.BYTES || o.bytes.length < Long.BYTES) {
        return Arrays.compareUnsigned(bytes, o.bytes);
      }
      return Arrays.compareUnsigned(bytes, Long.BYTES, bytes.length, o.bytes, Long.BYTES, o.bytes.length);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
