package io.medledger.chain;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One page of query results in ledger order.
 *
 * <p>Immutable and thread-safe.
 *
 * @param items the hits
 * @param nextCursor pass to {@link PageRequest#after} for the next page; empty on the last page.
 *     A page that stopped at {@link Ledger#MAX_SCANNED_PER_PAGE} may hold fewer items than asked,
 *     even none, and still have one (past its last item)
 * @param provedAgainst the header the hits' proofs verify against (present when proofs were asked)
 * @param <E> the entry type
 */
public record Page<E extends Entry>(List<QueryHit<E>> items, OptionalLong nextCursor, Optional<BlockHeader> provedAgainst) {
  /** Copies the list. */
  public Page {
    items = List.copyOf(items);
  }
}
