package io.medledger.pre;

import java.security.SecureRandom;

/**
 * The source of every random value the Umbral operations draw: scalars, DEM nonces, key-fragment
 * ids and ECDSA additional data. Each call fills one whole draw, in the order the reference
 * implementation requests them (see {@code docs/pre.md}), so a source that replays recorded draws
 * reproduces the reference's bytes exactly.
 *
 * <p>Use {@link #secure()} (the default of every operation) outside tests. Implementations must
 * be safe for the way they are shared: {@link #secure()} is thread-safe.
 */
@FunctionalInterface
public interface EntropySource {
  /** Fills {@code out} entirely with random bytes; one call is one draw. */
  void nextBytes(byte[] out);

  /** The thread-safe default source: a {@link SecureRandom} per thread. */
  static EntropySource secure() {
    return SecureEntropy.INSTANCE;
  }

  /** A source backed by {@code random} (which must be thread-safe if the source is shared). */
  static EntropySource of(SecureRandom random) {
    java.util.Objects.requireNonNull(random, "random");
    return random::nextBytes;
  }
}
