package io.medledger.chain;

import java.util.Optional;

/**
 * One query result: the entry, where it is, and optionally its proof of inclusion in the
 * ledger-wide log at the page's header.
 *
 * <p>Immutable and thread-safe.
 *
 * @param entry the entry
 * @param height its block's height
 * @param ledgerIndex its position in the ledger-wide log (the page cursor)
 * @param proof the inclusion proof, when asked for
 * @param <E> the entry type
 */
public record QueryHit<E extends Entry>(E entry, long height, long ledgerIndex, Optional<LedgerInclusionProof> proof) {
  /** Checks for nulls. */
  public QueryHit {
    Checks.notNull(entry, "entry");
    Checks.notNull(proof, "proof");
  }
}
