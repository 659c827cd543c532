package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import io.medledger.testing.DelegatingStateStore;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DeferringStateStore#flushBehind}: what is written behind stays readable until the store
 * has it, the store receives the layers in order, a direct commit and a close wait for the write in
 * flight, and a failed write is thrown by every later call while its layer stays readable. The
 * store's commits are held at a gate, so that every check runs while a layer is in flight.
 */
@Timeout(60)
class DeferringStateStoreBehindTest {
  /** A store whose commits of the batches starting at gated heights wait for a permit each. */
  static final class GatedStore extends DelegatingStateStore {
    final Semaphore permits = new Semaphore(0);
    final java.util.Set<Long> gated = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile RuntimeException failWith;
    volatile boolean closed;
    volatile long committed = -1;

    GatedStore(StateStore inner) {
      super(inner);
    }

    @Override
    public void commit(Batch batch) {
      if (gated.contains(batch.firstHeight())) {
        permits.acquireUninterruptibly();
      }
      RuntimeException f = failWith;
      if (f != null) {
        throw f;
      }
      inner.commit(batch);
      committed = batch.height();
    }

    @Override
    public void close() {
      closed = true;
      inner.close();
    }
  }

  private static StateStore.Batch batch(long height, byte[]... kv) {
    return DeferringStateStoreTest.batch(height, kv);
  }

  private static List<String> scan(StateStore s, byte[] from, byte[] to) {
    return DeferringStateStoreTest.scan(s, from, to);
  }

  private static List<String> scan(TreeMap<byte[], byte[]> m, byte[] from, byte[] to) {
    return DeferringStateStoreTest.scan(m, from, to);
  }

  /** A store gated at height 0 under a deferring view holding block 0 ({1} = {10}), written behind. */
  private static DeferringStateStore behindAtZero(GatedStore gate) {
    gate.gated.add(0L);
    DeferringStateStore s = new DeferringStateStore(gate);
    s.defer(true);
    s.commit(batch(0, new byte[] {1}, new byte[] {10}));
    s.flushBehind();
    return s;
  }

  /** Waits until {@code t} is blocked or waiting, i.e. stuck at a gate or a latch. */
  private static void awaitBlocked(Thread t) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.BLOCKED) {
      assertTrue(t.isAlive(), "the thread ended instead of waiting");
      assertTrue(System.nanoTime() < end, "the thread never waited");
      Thread.sleep(1);
    }
  }

  @Test
  void readsSeeEveryPutWhileLayersAreWrittenBehind() {
    for (int seed = 0; seed < 10; seed++) {
      Random r = new Random(seed);
      InMemoryStateStore inner = new InMemoryStateStore();
      GatedStore gate = new GatedStore(inner);
      DeferringStateStore s = new DeferringStateStore(gate);
      s.defer(true);
      TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
      long stored = -1;
      long inFlight = -1;
      long first = 0;
      for (long height = 0; height < 60; height++) {
        if (height > 0 && r.nextInt(8) == 0) {
          // the previous layer may go through now; this one waits at the gate
          gate.gated.add(first);
          if (inFlight >= 0) {
            gate.permits.release();
          }
          s.flushBehind();
          stored = inFlight;
          inFlight = height - 1;
          first = height;
          if (stored >= 0) {
            assertEquals(stored, inner.height(), "seed " + seed + ": the store has the layer before");
          }
          assertEquals(height - 1, s.height());
        }
        StateStore.Batch b = new StateStore.Batch(height, Sha256.hash(new byte[] {(byte) height}));
        for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
          byte[] k = {(byte) (1 + r.nextInt(4)), (byte) r.nextInt(64)};
          byte[] v = {(byte) height, (byte) i};
          b.put(k, v);
          model.put(k, v);
        }
        s.commit(b);
        assertEquals(height, s.height());
        if (inFlight >= 0) {
          assertTrue(inner.height() < inFlight + 1, "seed " + seed + ": a gated layer reached the store");
        }
        for (int q = 0; q < 3; q++) {
          byte[] tag = {(byte) (1 + r.nextInt(4))};
          byte[] next = {(byte) (tag[0] + 1 + r.nextInt(2))};
          assertEquals(scan(model, tag, next), scan(s, tag, next), "seed " + seed + ", height " + height);
          byte[] k = {(byte) (1 + r.nextInt(4)), (byte) r.nextInt(64)};
          List<byte[]> keys = List.of(k, new byte[] {(byte) (1 + r.nextInt(4)), (byte) r.nextInt(64)});
          List<byte[]> got = s.getAll(keys);
          for (int j = 0; j < keys.size(); j++) {
            byte[] want = model.get(keys.get(j));
            if (want == null) {
              assertNull(got.get(j));
              assertNull(s.get(keys.get(j)));
            } else {
              assertArrayEquals(want, got.get(j), "seed " + seed + ", height " + height);
              assertArrayEquals(want, s.get(keys.get(j)), "seed " + seed + ", height " + height);
            }
          }
        }
      }
      gate.permits.release(10);
      s.flush();
      assertEquals(59, inner.height());
      assertEquals(scan(model, new byte[] {1}, new byte[] {9}), scan(inner, new byte[] {1}, new byte[] {9}), "seed " + seed);
    }
  }

  @Test
  void aDirectCommitWaitsForTheLayerWrittenBehind() throws Exception {
    InMemoryStateStore inner = new InMemoryStateStore();
    GatedStore gate = new GatedStore(inner);
    DeferringStateStore s = behindAtZero(gate);
    assertEquals(0, s.height());
    assertEquals(Optional.of(Sha256.hash(new byte[] {0})), s.tip());
    assertArrayEquals(new byte[] {10}, s.get(new byte[] {1}));
    assertEquals(-1, inner.height());
    s.defer(false);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        s.commit(batch(1, new byte[] {2}, new byte[] {20}));
      } catch (Throwable e) {
        failed.set(e);
      }
    });
    t.start();
    awaitBlocked(t);
    assertEquals(-1, inner.height(), "the direct commit went ahead of the layer");
    gate.permits.release();
    t.join(30_000);
    assertNull(failed.get());
    assertEquals(1, inner.height());
    assertArrayEquals(new byte[] {10}, inner.get(new byte[] {1}));
    assertArrayEquals(new byte[] {20}, inner.get(new byte[] {2}));
  }

  @Test
  void closeWaitsForTheLayerWrittenBehindThenClosesTheStore() throws Exception {
    InMemoryStateStore inner = new InMemoryStateStore();
    GatedStore gate = new GatedStore(inner);
    DeferringStateStore s = behindAtZero(gate);
    Thread t = new Thread(s::close);
    t.start();
    awaitBlocked(t);
    assertTrue(!gate.closed, "closed under a write in flight");
    gate.permits.release();
    t.join(30_000);
    assertTrue(gate.closed);
    assertEquals(0, gate.committed, "the layer was written before the store closed");
  }

  @Test
  void aFailedWriteBehindIsThrownByEveryLaterCallWhileItsLayerStaysReadable() {
    InMemoryStateStore inner = new InMemoryStateStore();
    GatedStore gate = new GatedStore(inner);
    DeferringStateStore s = new DeferringStateStore(gate);
    s.commit(batch(0, new byte[] {1}, new byte[] {10}));
    s.defer(true);
    s.commit(batch(1, new byte[] {1}, new byte[] {11}));
    StoreException cause = new StoreException("disk full");
    gate.failWith = cause;
    s.flushBehind();
    StoreException first = assertThrows(StoreException.class, s::awaitBehind);
    assertSame(cause, first.getCause());
    assertEquals("the state store's write of blocks 1 to 1 failed; reopen the ledger", first.getMessage());
    assertSame(cause, s.failedBehind().getCause());
    // readers still see a state that matches the blocks
    assertArrayEquals(new byte[] {11}, s.get(new byte[] {1}));
    assertEquals(1, s.height());
    s.commit(batch(2, new byte[] {1}, new byte[] {12})); // held: nothing is written
    assertSame(cause, assertThrows(StoreException.class, s::flush).getCause());
    assertSame(cause, assertThrows(StoreException.class, s::flushBehind).getCause());
    s.defer(false);
    s.discard();
    assertSame(cause, assertThrows(StoreException.class, () -> s.commit(batch(2))).getCause());
    assertEquals(0, inner.height());
    s.close(); // told already: closes without throwing again
    assertTrue(gate.closed);
  }

  @Test
  void aFailedWriteBehindNobodyWasToldOfIsThrownByClose() {
    GatedStore gate = new GatedStore(new InMemoryStateStore());
    DeferringStateStore s = new DeferringStateStore(gate);
    s.defer(true);
    s.commit(batch(0, new byte[] {1}, new byte[] {10}));
    gate.failWith = new StoreException("disk full");
    s.flushBehind();
    assertThrows(StoreException.class, s::close);
    assertTrue(gate.closed);
  }

  @Test
  void aWriteBehindThatSucceededLeavesNothingToReport() {
    InMemoryStateStore inner = new InMemoryStateStore();
    DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(inner));
    s.defer(true);
    s.commit(batch(0, new byte[] {1}, new byte[] {10}));
    s.flushBehind();
    s.awaitBehind();
    assertNull(s.failedBehind());
    assertEquals(0, inner.height());
    s.flushBehind(); // nothing held: nothing to write
    s.close();
  }
}
