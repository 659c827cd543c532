package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.List;

/**
 * The levels of the {@link HeadsTree} above depth {@value #DEPTH}, held in memory and never
 * stored. Below them the keys fall into 65,536 buckets by their first 16 bits; a bucket's
 * <em>summary</em> is the node at its top: the only leaf when the bucket holds one key (wherever
 * leaf lifting puts that leaf in the tree), else the inner node at depth {@value #DEPTH}. The
 * summaries determine every node above them, so a store keeps only the summaries and rebuilds
 * these levels when it opens.
 *
 * <p>At most 131,071 nodes, about 20 MB with every bucket in use. Immutable: {@link #with} shares
 * every subtree it does not change. Thread-safe.
 */
final class HeadsTop {
  /** Depth of the buckets' tops. */
  static final int DEPTH = 16;
  static final HeadsTop EMPTY = new HeadsTop(null);

  /**
   * A node of these levels: a bucket (its summary) or an inner position (its children, null where
   * empty); {@code single} is the only leaf under it, or null when it holds two keys or more.
   */
  private record Node(Node left, Node right, byte[] summary, byte[] single, Digest hash) {}

  private final Node root;

  private HeadsTop(Node root) {
    this.root = root;
  }

  /** The tree's root hash. */
  Digest hash() {
    return hashOf(root);
  }

  private static Digest hashOf(Node n) {
    return n == null ? HeadsTree.EMPTY : n.hash;
  }

  /** The bucket a key falls into: its first 16 bits. */
  static int bucket(Digest key) {
    return (key.byteAt(0) & 0xff) << 8 | key.byteAt(1) & 0xff;
  }

  /** The bucket named by the two bytes of {@code b} at {@code off}: a key's first two, or a position's. */
  static int bucket(byte[] b, int off) {
    return (b[off] & 0xff) << 8 | b[off + 1] & 0xff;
  }

  /** The summary of bucket {@code bucket}, or null when it is empty. */
  byte[] summary(int bucket) {
    Node n = root;
    for (int d = 0; d < DEPTH && n != null; d++) {
      n = bit(bucket, d) == 0 ? n.left : n.right;
    }
    return n == null ? null : n.summary;
  }

  /**
   * Walks the path of {@code key} through these levels, adding to {@code siblings} (if not null)
   * the hash beside the path at each inner node passed. Returns null where the path reaches an
   * empty subtree, the leaf where it reaches a subtree of one key, else the inner node at depth
   * {@value #DEPTH} (after exactly {@value #DEPTH} siblings).
   */
  byte[] walk(Digest key, List<Digest> siblings) {
    Node n = root;
    for (int d = 0; d < DEPTH; d++) {
      if (n == null || n.single != null) {
        return n == null ? null : n.single;
      }
      boolean left = HeadsTree.bit(key, d) == 0;
      if (siblings != null) {
        siblings.add(hashOf(left ? n.right : n.left));
      }
      n = left ? n.left : n.right;
    }
    return n == null ? null : n.summary;
  }

  /**
   * These levels with bucket {@code buckets[i]} summarised by {@code summaries[i]} (hashing to
   * {@code hashes[i]}) for each {@code i < count}; buckets ascending and distinct, summaries never
   * null (a bucket never empties).
   */
  HeadsTop with(int[] buckets, byte[][] summaries, Digest[] hashes, int count) {
    for (int i = 0; i < count; i++) {
      if (buckets[i] < 0 || buckets[i] >= 1 << DEPTH || i > 0 && buckets[i - 1] >= buckets[i]) {
        throw new IllegalArgumentException("buckets must be sorted, distinct and below 65536");
      }
    }
    return count == 0 ? this : new HeadsTop(update(root, 0, buckets, summaries, hashes, 0, count));
  }

  private static Node update(Node n, int depth, int[] buckets, byte[][] summaries, Digest[] hashes, int from,
      int to) {
    if (depth == DEPTH) {
      byte[] s = summaries[from];
      return new Node(null, null, s, s[0] == HeadsTree.LEAF ? s : null, hashes[from]);
    }
    int mid = from;
    while (mid < to && bit(buckets[mid], depth) == 0) {
      mid++;
    }
    Node left = n == null ? null : n.left;
    Node right = n == null ? null : n.right;
    if (from < mid) {
      left = update(left, depth + 1, buckets, summaries, hashes, from, mid);
    }
    if (mid < to) {
      right = update(right, depth + 1, buckets, summaries, hashes, mid, to);
    }
    if (left == null || right == null) { // a lone child: one key is lifted, more keep this node
      Node only = left == null ? right : left;
      if (only.single != null) {
        return new Node(left, right, null, only.single, only.hash);
      }
    }
    return new Node(left, right, null, null, Sha256.hashPrefixed(HeadsTree.NODE, hashOf(left), hashOf(right)));
  }

  private static int bit(int bucket, int depth) {
    return bucket >>> (DEPTH - 1 - depth) & 1;
  }
}
