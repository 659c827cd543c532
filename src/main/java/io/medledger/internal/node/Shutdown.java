package io.medledger.internal.node;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Stopping the node's executors. Stateless. */
public final class Shutdown {
  private Shutdown() {}

  /**
   * Shuts {@code exec} down, lets the tasks under way and queued run for at most {@code seconds},
   * then interrupts what still runs; an interrupt of the caller also ends the wait (and is kept).
   */
  public static void within(ExecutorService exec, long seconds) {
    exec.shutdown();
    try {
      if (!exec.awaitTermination(seconds, TimeUnit.SECONDS)) {
        exec.shutdownNow();
      }
    } catch (InterruptedException e) {
      exec.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
