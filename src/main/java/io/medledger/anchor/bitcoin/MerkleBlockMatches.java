package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Objects;

/**
 * What a BIP 37 {@code merkleblock} (the output of {@code gettxoutproof}) proves once its partial
 * Merkle tree has been parsed and traversed: the header it carries, the root the tree folds to,
 * and the txids it marks as matched. The partial-tree parser (Core's {@code ExtractMatches}
 * rules: no over- or under-consumption, no duplicate right subtree; see
 * {@code io.medledger.merkle.PartialMerkleTree}) produces this; the {@link SpvVerifier} then ties
 * it to a header source ({@link SpvVerifier#verifyMerkleBlock(Digest, byte[])} does both steps).
 * Immutable and thread-safe.
 *
 * @param header the block header in the merkleblock
 * @param computedRoot the root the partial tree folds to (internal byte order)
 * @param totalTransactions the transaction count the merkleblock claims
 * @param matchedTxids the matched txids (internal byte order), in tree order
 */
public record MerkleBlockMatches(
    BitcoinBlockHeader header, Digest computedRoot, long totalTransactions, List<Digest> matchedTxids) {
  /** Validates and copies the fields. */
  public MerkleBlockMatches {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(computedRoot, "computedRoot");
    matchedTxids = List.copyOf(matchedTxids);
    if (totalTransactions <= 0 || matchedTxids.size() > totalTransactions) {
      throw new IllegalArgumentException("inconsistent transaction counts");
    }
  }
}
