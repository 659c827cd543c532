package io.medledger.internal.transport;

import io.medledger.crypto.Ed25519PublicKey;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The thread that runs the client endpoint's requests: clients take turns one request at a time,
 * each within a share of this thread's time ({@link FairTurns}), so that one client's flood of
 * requests, however costly each is, delays another client's request by at most one of its own.
 * Tasks still waiting at {@link #close} are dropped, and so are those a caller cancels.
 *
 * <p>Thread-safe.
 */
final class RequestWorker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RequestWorker.class.getName());

  private final FairTurns<Ed25519PublicKey> turns;
  private final Thread thread;
  private boolean closed;

  /** Starts the thread, named {@code name}; each key's share is {@code sharePerSecond} ns a second, up to {@code burst}. */
  RequestWorker(String name, long sharePerSecond, long burst) {
    this.turns = new FairTurns<>(sharePerSecond, burst);
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues {@code task}, charged to {@code client}, behind that client's earlier tasks. */
  synchronized void submit(Ed25519PublicKey client, Runnable task) {
    if (closed) {
      return;
    }
    turns.add(client, task, System.nanoTime());
    notifyAll();
  }

  /**
   * Drops the tasks of {@code client} among {@code tasks} that still wait (their connection closed,
   * so nothing would take their answers); a task already taken runs.
   */
  synchronized void cancel(Ed25519PublicKey client, Set<? extends Runnable> tasks) {
    turns.remove(client, tasks);
  }

  /** Tasks waiting for the thread, over all clients. */
  synchronized int waiting() {
    return turns.waiting();
  }

  private void run() {
    while (true) {
      FairTurns.Turn<Ed25519PublicKey> t;
      synchronized (this) {
        while (true) {
          if (closed) {
            return;
          }
          long now = System.nanoTime();
          t = turns.poll(now);
          if (t != null) {
            break;
          }
          long wait = turns.nanosUntilReady(now);
          try {
            if (wait < 0) {
              wait();
            } else {
              TimeUnit.NANOSECONDS.timedWait(this, Math.max(wait, 100_000));
            }
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      long start = System.nanoTime();
      try {
        t.task().run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a client request failed outside its handler", e);
      }
      long end = System.nanoTime();
      synchronized (this) {
        turns.charge(t.key(), end - start, end);
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
