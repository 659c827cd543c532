package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.internal.StateKey;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The ledger's view of its {@link StateStore}: commits go straight to the store, except while
 * {@linkplain #defer deferring}, when they are merged in memory (readers see them at once) and
 * written as one batch by {@link #flush}, or behind the caller by {@link #flushBehind}. Deferring
 * is a no-op over an {@link InMemoryStateStore}, which is not durable anyway.
 *
 * <p>A batch written behind stays readable, as a layer between what is held and the store, until
 * the store has it; at most one is in flight, and every direct commit, flush and close waits for
 * it first. If its write fails, the layer stays (readers still see a state consistent with the
 * blocks) and every later commit, flush and close throws that failure: the ledger must be reopened,
 * which replays what the block store holds.
 *
 * <p>Used under the ledger's lock: commits, flushes and {@link #defer} under the write lock (one
 * thread), reads under the read lock (any number of threads, none during a write). The write
 * behind runs on a thread of its own, which touches only the layer it writes and the store.
 */
final class DeferringStateStore implements StateStore {
  private final StateStore base;
  private final boolean durable;
  /** What is held for the next flush. */
  private Layer pending = new Layer();
  /** The layer being written behind, or null; stays set if its write failed. */
  private volatile Behind behind;
  /** Whether the failure of a write behind was thrown to a caller. */
  private boolean reported;
  private boolean deferring;

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
    return pending.bytes;
  }

  /**
   * Commits what is held as one batch (blocks {@code first..height} of what is held), if anything,
   * after the write behind in flight.
   *
   * @throws io.medledger.storage.StoreException if a write behind failed, or the store fails
   */
  void flush() {
    awaitBehind();
    if (pending.height < 0) {
      return;
    }
    base.commit(pending.batch());
    discard();
  }

  /**
   * Starts writing what is held as one batch on a thread of its own and returns: readers see it
   * in the meantime, and the next direct commit, flush or close waits for it. Waits for the write
   * behind in flight first, so at most one is.
   *
   * @throws io.medledger.storage.StoreException if a write behind failed
   */
  void flushBehind() {
    awaitBehind();
    if (pending.height < 0) {
      return;
    }
    Behind b = new Behind(pending, base);
    pending = new Layer();
    behind = b;
    Thread t = new Thread(() -> b.write(this), "medledger-state-write");
    t.setDaemon(true);
    t.start();
  }

  /** Called by the writing thread when the store has the layer: readers go to the store again. */
  private void written(Behind b) {
    if (behind == b) {
      behind = null;
    }
  }

  /**
   * Waits for the write behind in flight, if any.
   *
   * @throws io.medledger.storage.StoreException if it failed (and on every later call)
   */
  void awaitBehind() {
    Behind b = behind;
    if (b == null) {
      return;
    }
    b.await();
    if (b.failure != null) {
      reported = true;
      throw failure(b);
    }
  }

  /**
   * The failure of a write behind that has ended, without waiting for one in flight; null when
   * none failed.
   */
  StoreException failedBehind() {
    Behind b = behind;
    if (b == null || b.done.getCount() > 0 || b.failure == null) {
      return null;
    }
    reported = true;
    return failure(b);
  }

  private static StoreException failure(Behind b) {
    return new StoreException("the state store's write of blocks " + b.layer.first + " to " + b.layer.height
        + " failed; reopen the ledger", b.failure);
  }

  /** Forgets what is held (after a failed flush: the store still reflects its own height). */
  void discard() {
    pending = new Layer();
  }

  StateStore base() {
    return base;
  }

  /** What lies under what is held: the layer written behind over the store, or the store. */
  private StateStore under() {
    Behind b = behind;
    return b == null ? base : b;
  }

  @Override
  public long height() {
    return pending.height >= 0 ? pending.height : under().height();
  }

  @Override
  public Optional<Digest> tip() {
    return pending.height >= 0 ? Optional.of(pending.tip) : under().tip();
  }

  @Override
  public byte[] get(byte[] key) {
    return pending.get(key, under());
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) {
    return pending.getAll(keys, under());
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    pending.scan(from, to, visitor, under());
  }

  @Override
  public void commit(Batch batch) {
    if (!deferring && pending.height < 0) {
      awaitBehind();
      base.commit(batch);
      return;
    }
    if (batch.firstHeight() != height() + 1) {
      throw new IllegalArgumentException("batch from height " + batch.firstHeight() + " on a state at " + height());
    }
    pending.add(batch);
    if (!deferring) {
      flush();
    }
  }

  /**
   * Waits for the write behind in flight, then closes the store.
   *
   * @throws io.medledger.storage.StoreException if that write failed and no caller was told yet
   */
  @Override
  public void close() {
    Behind b = behind;
    try {
      if (b != null) {
        b.await();
      }
    } finally {
      base.close();
    }
    if (b != null && b.failure != null && !reported) {
      reported = true;
      throw failure(b);
    }
  }

  /**
   * Puts held in memory, with the blocks they cover. Mutated by the committing thread only while
   * it is {@link DeferringStateStore#pending}; read by any number of threads.
   */
  private static final class Layer {
    /** The held puts by key (one hash lookup per read or write); the last put of a key wins. */
    private final HashMap<StateKey, byte[]> puts = new HashMap<>();
    /**
     * Per first key byte, the held puts starting with it in key order: built by the first scan
     * that reaches that byte and then kept up to date by each commit (a rebuild per block made a
     * run of deferred blocks quadratic); null where not built. Only the kinds of keys that are
     * scanned pay for ordering: most puts (heads-tree nodes, entry locations, query indexes) are
     * never scanned while held.
     */
    private final AtomicReferenceArray<TreeMap<byte[], byte[]>> sorted = new AtomicReferenceArray<>(256);
    private long first = -1;
    private long height = -1;
    private Digest tip;
    private long bytes;

    void add(Batch batch) {
      for (int i = 0; i < batch.size(); i++) {
        byte[] old = puts.put(new StateKey(batch.key(i)), batch.value(i));
        TreeMap<byte[], byte[]> inOrder = sorted.get(batch.key(i)[0] & 0xff);
        if (inOrder != null) {
          inOrder.put(batch.key(i), batch.value(i));
        }
        bytes += batch.value(i).length + (old == null ? batch.key(i).length : -old.length);
      }
      if (height < 0) {
        first = batch.firstHeight();
      }
      height = batch.height();
      tip = batch.tip();
    }

    /** The held puts as one batch of blocks {@code first..height}; height must be set. */
    Batch batch() {
      Batch b = new Batch(first, height, tip);
      for (Map.Entry<StateKey, byte[]> e : puts.entrySet()) {
        b.put(e.getKey().bytes(), e.getValue());
      }
      return b;
    }

    byte[] get(byte[] key, StateStore under) {
      byte[] v = puts.isEmpty() ? null : puts.get(new StateKey(key));
      return v != null ? v.clone() : under.get(key);
    }

    List<byte[]> getAll(List<byte[]> keys, StateStore under) {
      if (puts.isEmpty()) {
        return under.getAll(keys);
      }
      List<byte[]> out = new ArrayList<>(keys.size());
      List<byte[]> missed = new ArrayList<>();
      for (byte[] k : keys) {
        byte[] v = puts.get(new StateKey(k));
        out.add(v == null ? null : v.clone());
        if (v == null) {
          missed.add(k);
        }
      }
      if (!missed.isEmpty()) {
        List<byte[]> read = under.getAll(missed);
        for (int i = 0, j = 0; i < out.size(); i++) {
          if (out.get(i) == null) {
            out.set(i, read.get(j++));
          }
        }
      }
      return out;
    }

    void scan(byte[] from, byte[] to, Visitor visitor, StateStore under) {
      if (Arrays.compareUnsigned(from, to) >= 0) {
        return; // no key is both at least from and below to (a held view's subMap would throw)
      }
      if (puts.isEmpty()) {
        under.scan(from, to, visitor);
        return;
      }
      Iterator<Map.Entry<byte[], byte[]>> held = held(from, to);
      @SuppressWarnings("unchecked")
      Map.Entry<byte[], byte[]>[] next = new Map.Entry[] {held.hasNext() ? held.next() : null};
      boolean[] stopped = {false};
      under.scan(from, to, (k, v) -> {
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
      TreeMap<byte[], byte[]>[] built = new TreeMap[Math.max(0, hi - lo + 1)];
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
      puts.forEach((k, v) -> {
        int f = k.bytes()[0] & 0xff;
        if (f >= lo && f <= hi && built[f - lo] != null) {
          built[f - lo].put(k.bytes(), v);
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
  }

  /**
   * A layer being written to the store behind the committing thread, read as that layer over the
   * store until the store has it. Read-only; thread-safe.
   */
  private static final class Behind implements StateStore {
    private final Layer layer;
    private final StateStore base;
    private final CountDownLatch done = new CountDownLatch(1);
    /** Set before {@link #done} opens when the write failed. */
    private volatile Throwable failure;

    Behind(Layer layer, StateStore base) {
      this.layer = layer;
      this.base = base;
    }

    /** On the writing thread: commits the layer, then lets readers and waiters go on. */
    void write(DeferringStateStore owner) {
      try {
        base.commit(layer.batch());
        owner.written(this);
      } catch (Throwable t) {
        failure = t;
      } finally {
        done.countDown();
      }
    }

    /** Waits, without giving up on an interrupt (which is kept), for the write to end. */
    void await() {
      boolean interrupted = false;
      while (true) {
        try {
          done.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public long height() {
      return layer.height;
    }

    @Override
    public Optional<Digest> tip() {
      return Optional.of(layer.tip);
    }

    @Override
    public byte[] get(byte[] key) {
      return layer.get(key, base);
    }

    @Override
    public List<byte[]> getAll(List<byte[]> keys) {
      return layer.getAll(keys, base);
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      layer.scan(from, to, visitor, base);
    }

    @Override
    public void commit(Batch batch) {
      throw new UnsupportedOperationException("a layer written behind is read-only");
    }

    @Override
    public void close() {
      // the store is the owner's to close
    }
  }
}
