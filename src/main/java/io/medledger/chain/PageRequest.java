package io.medledger.chain;

/**
 * Which page of a query to return: items after ledger position {@code after} (-1 for the
 * start), at most {@code limit} of them, each with its ledger inclusion proof if
 * {@code withProofs}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param after the cursor (the ledger index of the last item already seen, or -1)
 * @param limit page size, 1 to 10,000
 * @param withProofs whether to attach inclusion proofs against the current tip
 */
public record PageRequest(long after, int limit, boolean withProofs) {
  /** Largest page. */
  public static final int MAX_LIMIT = 10_000;

  /** Validates the fields. */
  public PageRequest {
    if (after < -1) {
      throw new IllegalArgumentException("cursor must be -1 or a ledger index");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
    }
  }

  /** The first page of {@code limit} items, without proofs. */
  public static PageRequest first(int limit) {
    return new PageRequest(-1, limit, false);
  }

  /** The same request with proofs. */
  public PageRequest proving() {
    return new PageRequest(after, limit, true);
  }

  /** The page after {@code cursor}. */
  public PageRequest after(long cursor) {
    return new PageRequest(cursor, limit, withProofs);
  }
}
