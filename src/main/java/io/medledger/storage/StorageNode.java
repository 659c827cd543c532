package io.medledger.storage;

import java.util.Objects;

/**
 * A named storage node: the blob store behind one identifier that ledger entries list as a
 * location of a payload's copies. Immutable; as thread-safe as its store.
 *
 * @param id the node's identifier as written on the ledger (1 to 128 printable ASCII characters)
 * @param store the node's blob store
 */
public record StorageNode(String id, BlobStore store) {
  /** Validates the id. */
  public StorageNode {
    Objects.requireNonNull(store, "store");
    if (id == null || id.isEmpty() || id.length() > 128 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("a storage node id is 1 to 128 printable ASCII characters");
    }
  }
}
