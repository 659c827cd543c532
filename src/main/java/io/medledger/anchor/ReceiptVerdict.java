package io.medledger.anchor;

import io.medledger.crypto.Digest;
import java.util.Objects;

/** The verdict on an {@link AnchorReceipt}: a value, not an exception. Immutable. */
public sealed interface ReceiptVerdict {
  /** Whether the receipt holds as far as it goes (complete or pending). */
  boolean holds();

  /**
   * The entry is in the ledger as anchored, and the anchor is in a Bitcoin block of the header
   * source's chain.
   *
   * @param height the Bitcoin block's height
   * @param blockHash the block's hash (internal byte order)
   * @param blockTime the block's timestamp (seconds since the epoch)
   * @param txid the anchor transaction (internal byte order)
   * @param confirmations the block's depth in the headers the verification accepted (1 for their
   *     tip); on {@code main} counted over headers validated from a checkpoint, so at least the
   *     confirmations asked for; 0 if the header source cannot tell its tip
   */
  record Anchored(long height, Digest blockHash, long blockTime, Digest txid, long confirmations)
      implements ReceiptVerdict {
    /** Checks that no required component is null and that the confirmations are not negative. */
    public Anchored {
      java.util.Objects.requireNonNull(blockHash, "blockHash");
      java.util.Objects.requireNonNull(txid, "txid");
      if (confirmations < 0) {
        throw new IllegalArgumentException("confirmations must be non-negative");
      }
    }

    @Override
    public boolean holds() {
      return true;
    }
  }

  /** The entry is in the ledger log that the commitment covers; the Bitcoin part is not there yet. */
  record Pending(Digest commitment) implements ReceiptVerdict {
    /** Checks that no required component is null. */
    public Pending {
      java.util.Objects.requireNonNull(commitment, "commitment");
    }

    @Override
    public boolean holds() {
      return true;
    }
  }

  /** The receipt does not hold; {@code reason} says which step failed. */
  record Invalid(String reason) implements ReceiptVerdict {
    /** Validates the reason. */
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean holds() {
      return false;
    }
  }

  /**
   * The entry is in a checkpoint of the ledger-wide log that the client's policy accepts (the
   * federation's signatures and the required witness cosignatures).
   *
   * @param treeSize the checkpoint's tree size
   * @param cosignatures how many witness cosignatures verified
   */
  record Cosigned(long treeSize, int cosignatures) implements ReceiptVerdict {
    @Override
    public boolean holds() {
      return true;
    }
  }
}
