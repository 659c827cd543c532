package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.util.List;

/**
 * A claim that the RFC 9162 tree of {@code size1} leaves is a prefix of the tree of {@code size2}
 * leaves, with its consistency path. Any values can be represented, including wrong ones from an
 * untrusted source; only {@link #verify} says whether the claim holds.
 *
 * <p>Immutable and thread-safe; the path is copied.
 */
public record ConsistencyProof(long size1, long size2, List<Digest> path) {
  /**
   * Copies the path.
   *
   * @throws NullPointerException if the path or an element is null
   */
  public ConsistencyProof {
    path = List.copyOf(path);
  }

  /**
   * Returns whether this proof shows that {@code root1} (of {@code size1} leaves) and
   * {@code root2} (of {@code size2} leaves) are roots of the same growing log (RFC 9162 section
   * 2.1.4.2); false on any mismatch, never an exception.
   */
  public boolean verify(Digest root1, Digest root2) {
    return MerkleVerifier.verifyConsistency(size1, size2, path, root1, root2);
  }
}
