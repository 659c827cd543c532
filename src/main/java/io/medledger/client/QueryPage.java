package io.medledger.client;

import io.medledger.chain.BlockHeader;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One page of query results, already filtered to what the caller may see. A page can hold fewer
 * items than asked for when some were filtered out; continue with {@code nextCursor} until empty.
 *
 * <p>Immutable and thread-safe.
 *
 * @param items the visible records
 * @param nextCursor the cursor for the next page, empty at the end
 * @param provedAgainst the header the inclusion proofs verify against, when proofs were asked for
 */
public record QueryPage(List<RecordView> items, OptionalLong nextCursor, Optional<BlockHeader> provedAgainst) {
  /** Copies the list. */
  public QueryPage {
    items = List.copyOf(items);
  }
}
