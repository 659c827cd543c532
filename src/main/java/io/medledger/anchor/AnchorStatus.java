package io.medledger.anchor;

/** Where an anchor is in its life. */
public enum AnchorStatus {
  /** Commitment chosen; no transaction sent yet (or the last send failed). */
  PLANNED,
  /** A transaction was sent; the network has not shown it yet. */
  BROADCAST,
  /** The latest transaction sits in the mempool. */
  IN_MEMPOOL,
  /** Confirmed, with fewer confirmations than the policy requires. */
  CONFIRMED,
  /** Confirmed deeply enough; its receipts are complete and the ledger records it. */
  FINAL,
  /**
   * Given up: a later anchor that the ledger records covers it, or another server's live transaction
   * replaced it. Its transactions spend the same coins as their successor, so they cannot also confirm.
   */
  SUPERSEDED
}
