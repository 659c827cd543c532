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
  private final ConcurrentSkipListMap<Key, byte[]> map = new ConcurrentSkipListMap<>();
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
    byte[] v = map.get(new Key(key));
    return v == null ? null : v.clone();
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    ensureOpen();
    for (Map.Entry<Key, byte[]> e : map.subMap(new Key(from), true, new Key(to), false).entrySet()) {
      if (!visitor.visit(e.getKey().bytes.clone(), e.getValue().clone())) {
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
      map.put(new Key(batch.key(i)), batch.value(i));
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
   * instead of an array comparison.
   */
  private static final class Key implements Comparable<Key> {
    final byte[] bytes;
    final long head;

    Key(byte[] bytes) {
      this.bytes = bytes;
      long h = 0;
      for (int i = 0; i < Long.BYTES; i++) {
        h = (h << 8) | (i < bytes.length ? bytes[i] & 0xff : 0);
      }
      this.head = h;
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
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}
