package io.medledger.consensus;

import java.util.Optional;

/**
 * Durable storage for a protocol's small safety state (its locks and last votes), so that a
 * restarted honest node never signs two conflicting statements. Implementations state their
 * thread safety; protocols call them from one thread.
 */
public interface SafetyStore {
  /** The last saved state, if any. */
  Optional<byte[]> load();

  /** Replaces the state; durable when it returns. */
  void save(byte[] state);
}
