package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The right edge of an RFC 9162 tree: only the roots of the maximal complete subtrees that make
 * up the tree (one per set bit of the size, so at most 64 hashes), enough to append leaves and
 * compute the root but not to produce proofs. For writers that need the root and nothing else.
 *
 * <p>Not thread-safe: confine an instance to one thread or synchronize externally.
 */
public final class CompactRange {
  private static final int MAX_LEVELS = 63;

  /** Slot k holds the hash of a complete subtree of 2^k leaves when bit k of size is set. */
  private final byte[] slots;
  private final byte[] carry = new byte[NodeHasher.HASH];
  /** The largest size this range may reach: 2^levels - 1. */
  private final long capacity;
  private long size;

  /** Creates the range of the empty tree. */
  public CompactRange() {
    this(MAX_LEVELS);
  }

  /** Creates the range of the empty tree, able to hold at most 2^levels - 1 leaves. */
  private CompactRange(int levels) {
    slots = new byte[levels * NodeHasher.HASH];
    capacity = (1L << levels) - 1;
  }

  /** An empty range able to hold {@code leaves} leaves, sized to that (for one-off roots). */
  static CompactRange forLeaves(int leaves) {
    if (leaves < 0) {
      throw new IllegalArgumentException("leaves must not be negative: " + leaves);
    }
    return new CompactRange(Math.max(1, 64 - Long.numberOfLeadingZeros(leaves)));
  }

  /**
   * Restores a range saved with {@link #size()} and {@link #subtreeRoots()}.
   *
   * @throws IllegalArgumentException if the number of hashes is not the number of set bits of
   *     {@code size}, or the size is negative
   */
  public static CompactRange restore(long size, List<Digest> subtreeRoots) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    if (subtreeRoots.size() != Long.bitCount(size)) {
      throw new IllegalArgumentException(
          "a tree of size " + size + " has " + Long.bitCount(size) + " subtree roots, got " + subtreeRoots.size());
    }
    CompactRange r = new CompactRange();
    int i = 0;
    for (int k = MAX_LEVELS - 1; k >= 0; k--) {
      if ((size >>> k & 1) != 0) {
        Objects.requireNonNull(subtreeRoots.get(i++), "subtree root").copyTo(r.slots, k * NodeHasher.HASH);
      }
    }
    r.size = size;
    return r;
  }

  /** Appends a leaf input (leaf-hashed with the 0x00 prefix); returns its index. */
  public long append(byte[] leafData) {
    Objects.requireNonNull(leafData, "leafData");
    NodeHasher h = NodeHasher.local();
    h.leaf(leafData, 0, leafData.length, carry, 0);
    return push(h);
  }

  /** Appends a leaf hash; returns its index. */
  public long appendLeafHash(Digest leafHash) {
    leafHash.copyTo(carry, 0);
    return push(NodeHasher.local());
  }

  /** Appends the leaf input {@code data} hashing with {@code md}; for package callers. */
  void appendLeaf(NodeHasher h, byte[] data) {
    h.leaf(data, 0, data.length, carry, 0);
    push(h);
  }

  private long push(NodeHasher h) {
    long n = size;
    if (n == capacity) {
      throw new IllegalStateException("compact range is full");
    }
    int k = 0;
    while ((n >>> k & 1) != 0) {
      h.node(slots, k * NodeHasher.HASH, carry, 0, carry, 0);
      k++;
    }
    System.arraycopy(carry, 0, slots, k * NodeHasher.HASH, NodeHasher.HASH);
    size = n + 1;
    return n;
  }

  /** Returns the number of leaves. */
  public long size() {
    return size;
  }

  /** Returns the RFC 9162 root of the leaves appended so far ({@link Rfc9162#emptyRoot()} if none). */
  public Digest root() {
    if (size == 0) {
      return Rfc9162.emptyRoot();
    }
    byte[] out = new byte[NodeHasher.HASH];
    rootInto(NodeHasher.local(), out);
    return Digest.of(out);
  }

  /** Writes the root of a non-empty range into {@code out}; for package callers. */
  void rootInto(NodeHasher h, byte[] out) {
    long n = size;
    int k = Long.numberOfTrailingZeros(n);
    System.arraycopy(slots, k * NodeHasher.HASH, out, 0, NodeHasher.HASH);
    for (long rest = n & (n - 1); rest != 0; rest &= rest - 1) {
      int j = Long.numberOfTrailingZeros(rest);
      h.node(slots, j * NodeHasher.HASH, out, 0, out, 0);
    }
  }

  /** Returns the subtree roots, largest (leftmost) subtree first; see {@link #restore}. */
  public List<Digest> subtreeRoots() {
    List<Digest> out = new ArrayList<>(Long.bitCount(size));
    for (int k = MAX_LEVELS - 1; k >= 0; k--) {
      if ((size >>> k & 1) != 0) {
        out.add(Digest.of(slots, k * NodeHasher.HASH));
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "CompactRange[size=" + size + "]";
  }
}
