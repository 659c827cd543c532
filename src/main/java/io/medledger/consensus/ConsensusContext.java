package io.medledger.consensus;

import io.medledger.crypto.Ed25519PrivateKey;
import java.time.Clock;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * What a protocol instance is given from outside: this node's signing key, its clock, a source of
 * randomness, its durable safety store and its signature verifier. The simulator injects skewed clocks and seeded
 * randomness; production uses {@link Clock#systemUTC()} and {@link java.security.SecureRandom}.
 * Immutable holder (the referenced objects keep their own thread-safety).
 */
public record ConsensusContext(Ed25519PrivateKey key, Clock clock, RandomGenerator random,
    SafetyStore safetyStore, SignatureVerifier verifier) {
  public ConsensusContext {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(safetyStore, "safetyStore");
    Objects.requireNonNull(verifier, "verifier");
  }

  /** A context that verifies every signature directly. */
  public ConsensusContext(Ed25519PrivateKey key, Clock clock, RandomGenerator random, SafetyStore safetyStore) {
    this(key, clock, random, safetyStore, SignatureVerifier.DIRECT);
  }

  @Override
  public String toString() {
    return "ConsensusContext[node=" + key.publicKey().toHex() + "]";
  }
}
