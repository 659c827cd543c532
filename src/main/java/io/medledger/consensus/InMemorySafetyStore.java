package io.medledger.consensus;

import java.util.Optional;

/**
 * A {@link SafetyStore} in memory: it survives a protocol restart inside one process (tests, the
 * simulator), not a process crash. Thread-safe.
 */
public final class InMemorySafetyStore implements SafetyStore {
  private byte[] state;

  @Override
  public synchronized Optional<byte[]> load() {
    return Optional.ofNullable(state == null ? null : state.clone());
  }

  @Override
  public synchronized void save(byte[] s) {
    state = s.clone();
  }
}
