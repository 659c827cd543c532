package io.medledger.anchor;

import io.medledger.crypto.Digest;
import java.util.Objects;

/** What the Bitcoin network shows of one transaction. Immutable. */
public sealed interface TxObservation {
  /** Neither in the mempool nor in the best chain (not yet seen, evicted, or dropped by a reorganization). */
  record Unknown() implements TxObservation {}

  /** In the node's mempool, unconfirmed. */
  record InMempool() implements TxObservation {}

  /**
   * In the best chain.
   *
   * @param blockHash the block's hash in internal byte order
   * @param height the block's height
   * @param confirmations 1 for the tip block, more below it
   */
  record Confirmed(Digest blockHash, long height, int confirmations) implements TxObservation {
    /** Validates the fields. */
    public Confirmed {
      Objects.requireNonNull(blockHash, "blockHash");
      if (height < 0 || confirmations < 1) {
        throw new IllegalArgumentException("a confirmed transaction has a height and at least one confirmation");
      }
    }
  }
}
