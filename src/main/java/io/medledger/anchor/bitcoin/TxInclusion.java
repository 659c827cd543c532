package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * The verdict of {@link SpvVerifier}: a transaction is proven to be in a block of the header
 * source's chain, or it is not, with a reason. Immutable and thread-safe.
 */
public sealed interface TxInclusion permits TxInclusion.Proven, TxInclusion.NotProven {
  /** Whether inclusion was proven. */
  boolean proven();

  /**
   * The transaction is in the block at {@code height}.
   *
   * @param txid the transaction id (internal byte order)
   * @param height the block's height
   * @param header the block's header
   * @param confirmations the block's depth (1 for the tip), or 0 if the source cannot tell
   */
  record Proven(Digest txid, long height, BitcoinBlockHeader header, long confirmations) implements TxInclusion {
    /** Validates the fields. */
    public Proven {
      Objects.requireNonNull(txid, "txid");
      Objects.requireNonNull(header, "header");
    }

    @Override
    public boolean proven() {
      return true;
    }
  }

  /**
   * Inclusion was not proven.
   *
   * @param reason why
   */
  record NotProven(String reason) implements TxInclusion {
    /** Validates the field. */
    public NotProven {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean proven() {
      return false;
    }
  }
}
