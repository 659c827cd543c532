package io.medledger.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** What the heap holds, for tests that bound a computation's memory. Stateless. */
public final class HeapInUse {
  private HeapInUse() {}

  /** The heap in use after full collections (the least of three), in bytes. */
  public static long afterGc() {
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      least = Math.min(least, m.getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
