package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a verifier gets Bitcoin block headers: a file of headers, a validated {@link HeaderChain}
 * or a Bitcoin Core node over RPC.
 *
 * <p>A source is trusted to say which header is on the best chain at a height; callers still
 * check each header's proof of work. Headers from a party that is not trusted (a file, a peer)
 * prove nothing about mainnet until validated from a checkpoint: wrap them in a
 * {@link CheckpointedHeaderSource}. Implementations state their thread safety; failures to reach
 * the data (I/O, RPC) are unchecked exceptions, while "no such header" is an empty result.
 */
public interface HeaderSource {
  /** The best-chain header at {@code height}, or empty if the source does not have it. */
  Optional<BitcoinBlockHeader> headerAt(long height);

  /**
   * The header whose hash is {@code blockHash} (internal byte order) with its height, or empty if
   * the source does not know it.
   */
  Optional<HeightAndHeader> headerByHash(Digest blockHash);

  /** The highest height the source knows, or empty if it cannot tell. */
  OptionalLong bestHeight();

  /**
   * Why {@link #headerAt} has no header at {@code height}, for a verifier's reason; a source that
   * refuses headers it holds (such as {@link CheckpointedHeaderSource}) says so here.
   */
  default String missingReason(long height) {
    return "no header at height " + height;
  }

  /**
   * A header with the height it has in its chain.
   *
   * @param height the block height
   * @param header the header
   */
  record HeightAndHeader(long height, BitcoinBlockHeader header) {
    /** Validates the fields. */
    public HeightAndHeader {
      java.util.Objects.requireNonNull(header, "header");
      if (height < 0) {
        throw new IllegalArgumentException("negative height");
      }
    }
  }
}
