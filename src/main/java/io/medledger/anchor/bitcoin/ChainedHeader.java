package io.medledger.anchor.bitcoin;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A header that a {@link HeaderChain} accepted, with its height and the cumulative work of the
 * chain up to and including it. Only a {@code HeaderChain} creates these, and
 * {@link HeaderCheckpoints#checkpoint} for trusted starting points. Immutable and thread-safe.
 */
public final class ChainedHeader {
  private final long height;
  private final BitcoinBlockHeader header;
  private final BigInteger chainWork;

  ChainedHeader(long height, BitcoinBlockHeader header, BigInteger chainWork) {
    this.height = height;
    this.header = Objects.requireNonNull(header);
    this.chainWork = Objects.requireNonNull(chainWork);
  }

  /** The block height. */
  public long height() {
    return height;
  }

  /** The header. */
  public BitcoinBlockHeader header() {
    return header;
  }

  /** Cumulative work of blocks 0..height (as Core's {@code chainwork}). */
  public BigInteger chainWork() {
    return chainWork;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChainedHeader c
        && c.height == height && c.header.equals(header) && c.chainWork.equals(chainWork);
  }

  @Override
  public int hashCode() {
    return header.hashCode();
  }

  @Override
  public String toString() {
    return "ChainedHeader[" + height + " " + header.hashHex() + "]";
  }
}
