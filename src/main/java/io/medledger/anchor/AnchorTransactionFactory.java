package io.medledger.anchor;

import io.medledger.crypto.Digest;

/**
 * Builds and signs anchoring transactions: an OP_RETURN output carrying the commitment, funded
 * from the anchorer's wallet. Implementations hold the signing key. {@link Anchorer} calls them
 * under its own lock, one call at a time; an implementation shared beyond one anchorer must be
 * thread-safe.
 */
public interface AnchorTransactionFactory {
  /**
   * Builds a transaction carrying {@code commitment} at {@code feeRate} sat/vB.
   *
   * @throws AnchorException if there are not enough funds
   */
  SignedTransaction create(Digest commitment, long feeRate);

  /**
   * Builds a replace-by-fee successor of {@code previous}: the same commitment, spending at
   * least one of the same inputs, at {@code feeRate} sat/vB and a higher absolute fee.
   *
   * @throws AnchorException if there are not enough funds
   */
  SignedTransaction replace(SignedTransaction previous, Digest commitment, long feeRate);
}
