package io.medledger.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A point a thread stops at once, to force an interleaving: the first {@link #pass} counts
 * {@link #reached} down and waits (at most 60 s) for {@link #open}; later ones go straight on.
 * Thread-safe.
 */
public final class Gate {
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch go = new CountDownLatch(1);

  /** Stops the first caller until {@link #open}. */
  public void pass() {
    synchronized (this) {
      if (reached.getCount() == 0) {
        return;
      }
      reached.countDown();
    }
    try {
      if (!go.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the gate was never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits (at most 60 s) until a thread stops here. */
  public void awaitReached() throws InterruptedException {
    if (!reached.await(60, TimeUnit.SECONDS)) {
      throw new AssertionError("no thread reached the gate");
    }
  }

  /** Lets the stopped thread (and every later one) go on. */
  public void open() {
    go.countDown();
  }
}
