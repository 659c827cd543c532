package io.medledger.internal.umbral;

import io.medledger.pre.EntropySource;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays recorded draws, one per call, and insists that each request has the recorded length.
 *
 * <p>Not thread-safe.
 */
public final class ReplayEntropy implements EntropySource {
  private final List<byte[]> draws;
  private int next;

  /** Replays {@code draws} in order. */
  public ReplayEntropy(List<byte[]> draws) {
    this.draws = new ArrayList<>(draws);
  }

  @Override
  public void nextBytes(byte[] out) {
    if (next >= draws.size()) {
      throw new IllegalStateException("replay: draw " + (next + 1) + " requested but only " + draws.size() + " recorded");
    }
    byte[] d = draws.get(next);
    if (d.length != out.length) {
      throw new IllegalStateException("replay: draw " + (next + 1) + " has " + d.length + " bytes, "
          + out.length + " requested");
    }
    System.arraycopy(d, 0, out, 0, d.length);
    next++;
  }

  /** Whether every recorded draw was used. */
  public boolean exhausted() {
    return next == draws.size();
  }

  /** How many draws were used. */
  public int used() {
    return next;
  }
}
