package io.medledger.chain;

/**
 * Where an entry is in the chain.
 *
 * <p>Immutable and thread-safe.
 *
 * @param height its block's height
 * @param indexInBlock its position in the block
 * @param ledgerIndex its position in the ledger-wide log
 */
public record EntryLocation(long height, int indexInBlock, long ledgerIndex) {}
