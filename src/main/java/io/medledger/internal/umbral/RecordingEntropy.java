package io.medledger.internal.umbral;

import io.medledger.pre.EntropySource;
import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a source and records every draw it hands out, so the draws can be written to a vectors
 * file and replayed.
 *
 * <p>Not thread-safe.
 */
public final class RecordingEntropy implements EntropySource {
  private final EntropySource source;
  private final List<byte[]> draws = new ArrayList<>();

  /** Records the draws of {@code source}. */
  public RecordingEntropy(EntropySource source) {
    this.source = source;
  }

  @Override
  public void nextBytes(byte[] out) {
    source.nextBytes(out);
    draws.add(out.clone());
  }

  /** The draws so far, then forgets them. */
  public List<byte[]> take() {
    List<byte[]> d = new ArrayList<>(draws);
    draws.clear();
    return d;
  }
}
