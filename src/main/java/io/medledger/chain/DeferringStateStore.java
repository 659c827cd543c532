package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.internal.SortedPuts;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The ledger's view of its {@link StateStore}: commits go straight to the store, except while
 * {@linkplain #defer deferring}, when they are merged in memory (readers see them at once) and
 * written as one batch by {@link #flush}. Deferring is a no-op over an {@link InMemoryStateStore},
 * which is not durable anyway.
 *
 * <p>Used under the ledger's lock: commits, flushes and {@link #defer} under the write lock (one
 * thread), reads under the read lock (any number of threads, none during a write).
 */
final class DeferringStateStore implements StateStore {
  private final StateStore base;
  private final boolean durable;
  /** The held puts by key (one hash lookup per read or write); the last put of a key wins. */
  private final HeldPuts pending = new HeldPuts(1 << 12);
  /**
   * Per first key byte, the held puts starting with it in key order: built by the first scan that
   * reaches that byte and then kept up to date by each commit (a rebuild per block made a run of
   * deferred blocks quadratic); null where not built. Only the kinds of keys that are scanned pay
   * for ordering: most puts (heads-tree nodes, entry locations, query indexes) are never scanned
   * while held.
   */
  private final AtomicReferenceArray<TreeMap<byte[], byte[]>> sorted = new AtomicReferenceArray<>(256);
  private boolean deferring;
  private long pendingFirst = -1;
  private long pendingHeight = -1;
  private Digest pendingTip;
  private long pendingBytes;

  DeferringStateStore(StateStore base) {
    this.base = base;
    this.durable = !(base instanceof InMemoryStateStore);
  }

  /** Starts or stops merging commits in memory; stopping does not {@link #flush}. */
  void defer(boolean on) {
    deferring = on && durable;
  }

  /** Bytes of keys and values held for the next {@link #flush}. */
  long pendingBytes() {
    return pendingBytes;
  }

  /** Commits what is held as one batch (blocks {@code pendingFirst..pendingHeight}), if anything. */
  void flush() {
    if (pendingHeight < 0) {
      return;
    }
    if (base instanceof SortedPuts.Store s) {
      s.commitSorted(pendingFirst, pendingHeight, pendingTip, pending.sorted()); // no copy per put
    } else {
      Batch b = new Batch(pendingFirst, pendingHeight, pendingTip);
      pending.forEach(b::put);
      base.commit(b);
    }
    discard();
  }

  /** Forgets what is held (after a failed flush: the store still reflects its own height). */
  void discard() {
    pending.clear();
    for (int i = 0; i < 256; i++) {
      sorted.set(i, null);
    }
    pendingFirst = -1;
    pendingHeight = -1;
    pendingTip = null;
    pendingBytes = 0;
  }

  StateStore base() {
    return base;
  }

  @Override
  public long height() {
    return pendingHeight >= 0 ? pendingHeight : base.height();
  }

  @Override
  public Optional<Digest> tip() {
    return pendingHeight >= 0 ? Optional.of(pendingTip) : base.tip();
  }

  @Override
  public byte[] get(byte[] key) {
    byte[] v = pending.isEmpty() ? null : pending.get(key);
    return v != null ? v : base.get(key);
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) {
    if (pending.isEmpty()) {
      return base.getAll(keys);
    }
    List<byte[]> out = new ArrayList<>(keys.size());
    List<byte[]> missed = new ArrayList<>();
    for (byte[] k : keys) {
      byte[] v = pending.get(k);
      out.add(v);
      if (v == null) {
        missed.add(k);
      }
    }
    if (!missed.isEmpty()) {
      List<byte[]> read = base.getAll(missed);
      for (int i = 0, j = 0; i < out.size(); i++) {
        if (out.get(i) == null) {
          out.set(i, read.get(j++));
        }
      }
    }
    return out;
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    if (Arrays.compareUnsigned(from, to) >= 0) {
      return; // no key is both at least from and below to (a held view's subMap would throw)
    }
    if (pending.isEmpty()) {
      base.scan(from, to, visitor);
      return;
    }
    Iterator<Map.Entry<byte[], byte[]>> held = held(from, to);
    @SuppressWarnings("unchecked")
    Map.Entry<byte[], byte[]>[] next = (Map.Entry<byte[], byte[]>[]) new Map.Entry<?, ?>[] {held.hasNext() ? held.next() : null};
    boolean[] stopped = {false};
    base.scan(from, to, (k, v) -> {
      // held keys before this one, then this one unless a held value replaces it
      while (next[0] != null && Arrays.compareUnsigned(next[0].getKey(), k) < 0) {
        if (!visitor.visit(next[0].getKey().clone(), next[0].getValue().clone())) {
          stopped[0] = true;
          return false;
        }
        next[0] = held.hasNext() ? held.next() : null;
      }
      if (next[0] != null && Arrays.equals(next[0].getKey(), k)) {
        Map.Entry<byte[], byte[]> e = next[0];
        next[0] = held.hasNext() ? held.next() : null;
        if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
          stopped[0] = true;
          return false;
        }
        return true;
      }
      if (!visitor.visit(k, v)) {
        stopped[0] = true;
        return false;
      }
      return true;
    });
    while (!stopped[0] && next[0] != null) {
      if (!visitor.visit(next[0].getKey().clone(), next[0].getValue().clone())) {
        return;
      }
      next[0] = held.hasNext() ? held.next() : null;
    }
  }

  /** Builds the sorted views of the first bytes {@code lo..hi} not built yet, in one pass over what is held. */
  private void sortHeld(int lo, int hi) {
    @SuppressWarnings("unchecked")
    TreeMap<byte[], byte[]>[] built = (TreeMap<byte[], byte[]>[]) new TreeMap<?, ?>[Math.max(0, hi - lo + 1)];
    boolean missing = false;
    for (int f = lo; f <= hi; f++) {
      if (sorted.get(f) == null) {
        built[f - lo] = new TreeMap<>(Arrays::compareUnsigned);
        missing = true;
      }
    }
    if (!missing) {
      return;
    }
    // readers may race to build a view; each builds its own and publishes complete maps
    pending.forEachStartingWith(lo, hi, (k, v) -> {
      int f = k[0] & 0xff;
      if (built[f - lo] != null) {
        built[f - lo].put(k, v);
      }
    });
    for (int f = lo; f <= hi; f++) {
      if (built[f - lo] != null) {
        sorted.set(f, built[f - lo]);
      }
    }
  }

  /** The held puts with {@code from <= key < to}, in key order (first byte by first byte). */
  private Iterator<Map.Entry<byte[], byte[]>> held(byte[] from, byte[] to) {
    int lo = from.length == 0 ? 0 : from[0] & 0xff;
    int hi = to.length == 0 ? -1 : to[0] & 0xff;
    sortHeld(lo, hi);
    return new Iterator<>() {
      private int next = lo;
      private Iterator<Map.Entry<byte[], byte[]>> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && next <= hi) {
          current = sorted.get(next++).subMap(from, true, to, false).entrySet().iterator();
        }
        return current.hasNext();
      }

      @Override
      public Map.Entry<byte[], byte[]> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  @Override
  public void commit(Batch batch) {
    if (!deferring && pendingHeight < 0) {
      base.commit(batch);
      return;
    }
    if (batch.firstHeight() != height() + 1) {
      throw new IllegalArgumentException("batch from height " + batch.firstHeight() + " on a state at " + height());
    }
    for (int i = 0; i < batch.size(); i++) {
      int old = pending.put(batch.key(i), batch.value(i));
      TreeMap<byte[], byte[]> inOrder = sorted.get(batch.key(i)[0] & 0xff);
      if (inOrder != null) {
        inOrder.put(batch.key(i), batch.value(i));
      }
      pendingBytes += batch.value(i).length + (old < 0 ? batch.key(i).length : -old);
    }
    if (pendingHeight < 0) {
      pendingFirst = batch.firstHeight();
    }
    pendingHeight = batch.height();
    pendingTip = batch.tip();
    if (!deferring) {
      flush();
    }
  }

  @Override
  public void close() {
    base.close();
  }
}
