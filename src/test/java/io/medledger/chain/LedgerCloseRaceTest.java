package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.medledger.chain.ChainFixture.Actor;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.tlog.TileLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Ledger#close} against calls in flight: it waits for them, and a call that comes while it
 * runs or after it throws {@link LedgerClosedException} without touching a closed store; a second
 * close does nothing.
 */
class LedgerCloseRaceTest {
  private static final long DEADLINE_SECONDS = 60;

  @TempDir
  Path dir;

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  /** A block store in memory whose close waits for the test to let it go on. */
  static final class StallingStore extends LedgerWritePathTest.CountingStore {
    final CountDownLatch closing = new CountDownLatch(1);
    final CountDownLatch proceed = new CountDownLatch(1);

    @Override
    public void close() {
      closing.countDown();
      try {
        if (!proceed.await(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
          throw new AssertionError("the test never let the close go on");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      super.close();
    }
  }

  /** Waits until {@code call} has ended or waits for the ledger's lock. */
  private static void awaitDoneOrWaiting(Ledger l, CompletableFuture<?> call) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!call.isDone() && !l.lockWaiters()) {
      if (System.nanoTime() > end) {
        fail("the call neither ended nor waited for the lock");
      }
      Thread.onSpinWait();
    }
  }

  private static Throwable failureOf(CompletableFuture<?> call) throws Exception {
    try {
      Object v = call.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
      fail("the call ran while the ledger closed and returned " + v);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void anAppendOrAReadThatComesWhileTheLedgerClosesIsRefusedAndTouchesNoStore() throws Exception {
    StallingStore store = new StallingStore();
    ChainFixture f = ChainFixture.builder().store(store).build();
    f.commit(f.registerPatient(f.actor("alice")));
    VerifiedBlock next = f.propose(List.of(f.registerPatient(f.actor("bob"))));
    Certificate cert = f.certify(next.header());
    int appends = store.appends;
    CompletableFuture<Void> closer = CompletableFuture.runAsync(f.ledger::close, threads);
    assertTrue(store.closing.await(DEADLINE_SECONDS, TimeUnit.SECONDS));
    // the close is now inside the block store's close
    CompletableFuture<ValidationResult<CertifiedBlock>> append =
        CompletableFuture.supplyAsync(() -> f.ledger.append(next, cert), threads);
    awaitDoneOrWaiting(f.ledger, append);
    CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> f.ledger.encodedBlock(0), threads);
    awaitDoneOrWaiting(f.ledger, read);
    store.proceed.countDown();
    closer.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    assertInstanceOf(LedgerClosedException.class, failureOf(append));
    assertInstanceOf(LedgerClosedException.class, failureOf(read));
    assertEquals(appends, store.appends, "a block reached the store after the close began");
  }

  @Test
  void afterCloseEveryCallIsRefusedAndASecondCloseDoesNothing() {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    f.commit(f.registerPatient(alice));
    VerifiedBlock next = f.propose(List.of(f.registerPatient(f.actor("bob"))));
    Certificate cert = f.certify(next.header());
    CertifiedBlock tip = f.ledger.block(f.ledger.height());
    f.ledger.close();
    Ledger l = f.ledger;
    List<Runnable> calls = List.of(l::height, l::tip, () -> l.block(0), () -> l.encodedBlock(0),
        () -> l.certificate(0), () -> l.encodedCertifiedBlock(0, 1 << 20), () -> l.header(0), l::membership,
        () -> l.participant(alice.id()), () -> l.records(RecordQuery.all(), PageRequest.first(10)),
        () -> l.patientHistory(alice.id()), () -> l.append(next, cert), () -> l.append(tip),
        () -> l.validate(next.block()), l::deferDurability, l::makeDurable,
        () -> l.verifySignaturesAhead(List.of(f.registerPatient(f.actor("carol")))),
        () -> l.contains(List.of(alice.id().digest())), () -> l.consistencyProof(0, 1));
    for (Runnable call : calls) {
      assertThrows(LedgerClosedException.class, call::run);
    }
    assertDoesNotThrow(l::close);
    assertEquals(f.params, l.parameters());
  }

  /**
   * An appender and readers run while the ledger closes: each call either completes or throws
   * {@link LedgerClosedException}, and the stores reopen to every block an append returned.
   */
  @Test
  void callsHammeringALedgerOnDiskWhileItClosesEndCleanly() throws Exception {
    ChainFixture f = ChainFixture.builder().store(FileBlockStore.open(dir.resolve("blocks")))
        .state(StateStore.rocksDb(dir.resolve("state"))).log(TileLog.open(dir.resolve("log"))).build();
    long appended = hammerAndClose(f);
    try (Ledger l = Ledger.builder(f.params).store(FileBlockStore.open(dir.resolve("blocks")))
        .state(StateStore.rocksDb(dir.resolve("state"))).log(TileLog.open(dir.resolve("log"))).clock(f.clock)
        .open()) {
      assertEquals(appended, l.height());
      assertTrue(l.patientHistory(f.actor("p0").id()).verify(l.tip().orElseThrow()).isAccepted());
    }
  }

  @Test
  void callsHammeringALedgerInMemoryWhileItClosesEndCleanly() throws Exception {
    ChainFixture f = ChainFixture.create();
    hammerAndClose(f);
    assertThrows(LedgerClosedException.class, f.ledger::height);
  }

  /** Appends and reads on three threads, closes after some appends; the height the last append returned. */
  private long hammerAndClose(ChainFixture f) throws Exception {
    Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    AtomicLong lastAppended = new AtomicLong(f.ledger.height());
    AtomicLong patients = new AtomicLong();
    CountDownLatch someAppended = new CountDownLatch(5);
    CompletableFuture<Void> appender = CompletableFuture.runAsync(untilClosed(unexpected, () -> {
      CertifiedBlock cb = f.commit(f.registerPatient(f.actor("p" + patients.getAndIncrement())));
      lastAppended.set(cb.header().height());
      someAppended.countDown();
      return null;
    }), threads);
    List<CompletableFuture<Void>> readers = List.of(
        CompletableFuture.runAsync(untilClosed(unexpected, () -> {
          long h = f.ledger.height();
          f.ledger.block(h);
          f.ledger.encodedCertifiedBlock(Math.max(0, h - 1), 1 << 20);
          return f.ledger.records(RecordQuery.all(), PageRequest.first(10).proving());
        }), threads),
        CompletableFuture.runAsync(untilClosed(unexpected, () -> {
          f.ledger.participant(f.actor("p1").id());
          return f.ledger.patientHistory(f.actor("p0").id());
        }), threads));
    assertTrue(someAppended.await(DEADLINE_SECONDS, TimeUnit.SECONDS), "the appender did not get going");
    f.ledger.close();
    appender.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    for (CompletableFuture<Void> r : readers) {
      r.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }
    if (!unexpected.isEmpty()) {
      AssertionError e = new AssertionError("a call failed otherwise than as closed: " + unexpected.peek());
      unexpected.forEach(e::addSuppressed);
      throw e;
    }
    return lastAppended.get();
  }

  /** Runs {@code call} until it throws; a throw but {@link LedgerClosedException} is kept in {@code unexpected}. */
  private static Runnable untilClosed(Queue<Throwable> unexpected, Supplier<?> call) {
    return () -> {
      try {
        while (true) {
          call.get();
        }
      } catch (LedgerClosedException expected) {
        // the end of the run
      } catch (Throwable t) {
        unexpected.add(t);
      }
    };
  }
}
