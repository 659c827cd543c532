package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Merkle branch proving that a transaction id sits at {@code index} in a block's transaction
 * Merkle tree: the sibling at each level from the leaves up. Folding starts from the txid; at
 * level {@code k} the node becomes SHA-256d(sibling || node) if bit {@code k} of the index is 1,
 * else SHA-256d(node || sibling). All hashes are in internal byte order.
 *
 * <p>A branch alone does not say how many transactions the block has; Bitcoin's tree duplicates
 * the last node of odd levels and an inner node is 64 bytes like some transactions, so a verifier
 * that knows the block's transaction count should also check {@link #matchesTransactionCount}.
 * Immutable and thread-safe.
 *
 * @param txid the transaction id (internal byte order)
 * @param index the transaction's position in the block
 * @param siblings the sibling hashes, leaf level first
 */
public record MerkleBranch(Digest txid, long index, List<Digest> siblings) {
  /** Deepest branch accepted: far beyond any block that fits Bitcoin's size limits. */
  public static final int MAX_DEPTH = 32;

  /**
   * Validates and copies the fields.
   *
   * @throws IllegalArgumentException if the index does not fit the branch's depth
   */
  public MerkleBranch {
    Objects.requireNonNull(txid, "txid");
    siblings = List.copyOf(siblings);
    if (siblings.size() > MAX_DEPTH) {
      throw new IllegalArgumentException("a Merkle branch has at most " + MAX_DEPTH + " levels");
    }
    if (index < 0 || (index >>> siblings.size()) != 0) {
      throw new IllegalArgumentException("index " + index + " does not fit a branch of depth " + siblings.size());
    }
  }

  /** The root that this branch folds to. */
  public Digest computeRoot() {
    Digest node = txid;
    for (int k = 0; k < siblings.size(); k++) {
      Digest s = siblings.get(k);
      node = ((index >>> k) & 1) == 1 ? Sha256.doubleHash(s, node) : Sha256.doubleHash(node, s);
    }
    return node;
  }

  /** Whether the branch folds to {@code merkleRoot} (internal byte order). */
  public boolean leadsTo(Digest merkleRoot) {
    return computeRoot().equals(merkleRoot);
  }

  /** Whether the branch folds to the Merkle root of {@code header}. */
  public boolean leadsTo(BitcoinBlockHeader header) {
    return leadsTo(header.merkleRoot());
  }

  /**
   * Whether the index and depth agree with a block of {@code txCount} transactions: the index is
   * below the count, the depth is that of the block's tree (ceil(log2(txCount))), the sibling of
   * a lone last node is that node itself (Bitcoin's duplication), and no other sibling equals its
   * node (the CVE-2012-2459 duplicate-subtree forgery).
   */
  public boolean matchesTransactionCount(long txCount) {
    if (txCount <= 0 || index >= txCount) {
      return false;
    }
    int depth = 64 - Long.numberOfLeadingZeros(txCount - 1);
    if (siblings.size() != depth) {
      return false;
    }
    Digest node = txid;
    long pos = index;
    long width = txCount;
    for (int k = 0; k < depth; k++) {
      Digest s = siblings.get(k);
      boolean lone = (pos & 1) == 0 && pos == width - 1;
      if (lone && !s.equals(node)) {
        return false;
      }
      if (!lone && s.equals(node)) {
        return false;
      }
      node = (pos & 1) == 1 ? Sha256.doubleHash(s, node) : Sha256.doubleHash(node, s);
      pos >>>= 1;
      width = (width + 1) >>> 1;
    }
    return true;
  }

  /**
   * Builds the branch of the transaction at {@code index} from all of a block's txids (internal
   * byte order, block order).
   *
   * @throws IllegalArgumentException if the list is empty or the index is out of range
   */
  public static MerkleBranch fromTxids(List<Digest> txids, int index) {
    if (txids.isEmpty() || index < 0 || index >= txids.size()) {
      throw new IllegalArgumentException("index " + index + " outside a block of " + txids.size() + " transactions");
    }
    List<Digest> level = new ArrayList<>(txids);
    List<Digest> path = new ArrayList<>();
    int pos = index;
    while (level.size() > 1) {
      int sib = pos ^ 1;
      path.add(sib < level.size() ? level.get(sib) : level.get(pos));
      List<Digest> up = new ArrayList<>((level.size() + 1) / 2);
      for (int i = 0; i < level.size(); i += 2) {
        Digest l = level.get(i);
        Digest r = i + 1 < level.size() ? level.get(i + 1) : l;
        up.add(Sha256.doubleHash(l, r));
      }
      level = up;
      pos >>>= 1;
    }
    return new MerkleBranch(txids.get(index), index, path);
  }
}
