package io.medledger.node;

import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * Where a submitted entry became final: the height and hash of the certified block that holds it.
 * Immutable.
 *
 * @param entryId the entry's id
 * @param height the block height
 * @param blockHash the block header's hash
 */
public record Finality(Digest entryId, long height, Digest blockHash) {
  /** Validates the fields. */
  public Finality {
    Objects.requireNonNull(entryId, "entryId");
    Objects.requireNonNull(blockHash, "blockHash");
    if (height < 0) {
      throw new IllegalArgumentException("height must not be negative");
    }
  }
}
