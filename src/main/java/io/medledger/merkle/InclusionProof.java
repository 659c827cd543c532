package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.util.List;

/**
 * A claim that the leaf at {@code leafIndex} is in the RFC 9162 tree of {@code treeSize} leaves,
 * with its audit path (siblings from the leaf upwards). Any values can be represented, including
 * wrong ones from an untrusted source; only {@link #verify} says whether the claim holds.
 *
 * <p>Immutable and thread-safe; the path is copied.
 */
public record InclusionProof(long leafIndex, long treeSize, List<Digest> path) {
  /**
   * Copies the path.
   *
   * @throws NullPointerException if the path or an element is null
   */
  public InclusionProof {
    path = List.copyOf(path);
  }

  /**
   * Returns whether this proof shows that {@code leafHash} is the leaf at {@code leafIndex} in
   * the tree of {@code treeSize} leaves whose root is {@code root} (RFC 9162 section 2.1.3.2);
   * false on any mismatch, never an exception.
   */
  public boolean verify(Digest leafHash, Digest root) {
    return MerkleVerifier.verifyInclusion(leafIndex, treeSize, path, leafHash, root);
  }
}
