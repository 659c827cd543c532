package io.medledger.chain;

import io.medledger.codec.ByteString;

/**
 * Decides whether two messages signed by one server conflict (are equivocation). The consensus
 * protocol supplies the real rule; {@link #anyDifference()} accepts any two different messages.
 *
 * <p>Implementations must be thread-safe and deterministic.
 */
@FunctionalInterface
public interface EvidencePolicy {
  /** Whether {@code first} and {@code second} (already known to differ and be signed) conflict. */
  boolean conflicting(ByteString first, ByteString second);

  /** Any two different signed messages count as evidence. */
  static EvidencePolicy anyDifference() {
    return (a, b) -> !a.equals(b);
  }
}
