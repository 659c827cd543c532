package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;

/**
 * Verifies Ed25519 signatures for a protocol. {@link #DIRECT} verifies every call; a simulator may
 * inject a memoizing verifier shared by its simulated nodes (verification is a pure function, so
 * results are identical). Implementations must be thread-safe if shared across threads.
 */
@FunctionalInterface
public interface SignatureVerifier {
  /** Verifies every signature with {@link Ed25519PublicKey#verify}. */
  SignatureVerifier DIRECT = Ed25519PublicKey::verify;

  /**
   * A verifier that remembers the last {@code capacity} signatures it found valid (invalid ones
   * are verified on every call): share one between a protocol's {@link ConsensusContext} and the
   * ledger's {@link LedgerApp#certificatePolicy(String, SignatureVerifier)}, so that each
   * certificate is verified once. Thread-safe.
   */
  static SignatureVerifier remembering(int capacity) {
    return new RememberingVerifier(capacity);
  }

  /** True when {@code signature} is a valid signature by {@code key} over {@code message}. */
  boolean verify(Ed25519PublicKey key, byte[] message, byte[] signature);

  /**
   * Says that {@link #verify} will soon be asked about {@code signatures.get(i)} by
   * {@code keys.get(i)} over {@code messages.get(i)}: a verifier that remembers may check them now,
   * together, for less than one at a time. Changes no verdict. The default does nothing.
   *
   * @throws IllegalArgumentException if the three lists differ in length
   */
  default void prepare(List<Ed25519PublicKey> keys, List<byte[]> messages,
      List<byte[]> signatures) {
    if (keys.size() != messages.size() || keys.size() != signatures.size()) {
      throw new IllegalArgumentException("keys, messages and signatures differ in number");
    }
  }
}
