package io.medledger.anchor;

import io.medledger.crypto.Digest;

/**
 * The anchorer's view of the Bitcoin network: a Bitcoin Core node over JSON-RPC in production,
 * a scripted fake in tests. Implementations say their thread safety; the anchorer calls them from
 * one thread at a time.
 */
public interface BitcoinPort {
  /**
   * Looks up a transaction by its txid (internal byte order).
   *
   * @throws AnchorException if the network cannot be asked
   */
  TxObservation observe(Digest txid);

  /**
   * Broadcasts a signed raw transaction.
   *
   * @throws AnchorException if the node cannot be reached or rejects the transaction
   */
  void broadcast(byte[] rawTransaction);

  /**
   * The fee rate, in sat/vB, to confirm within a few blocks.
   *
   * @throws AnchorException if the network cannot be asked
   */
  long feeRate();
}
