package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * RFC 9162 roots and proofs computed from any source of complete-subtree hashes, for logs that
 * do not hold every node in memory (tiles on disk). Each root or proof asks the source for
 * O(log n) complete subtrees.
 *
 * <p>Thread-safe: stateless.
 */
public final class Subtrees {
  private Subtrees() {}

  /** A source of the hashes of complete subtrees of a log. */
  @FunctionalInterface
  public interface Source {
    /**
     * Returns the hash of the complete subtree of height {@code height} with index {@code index},
     * covering leaves {@code [index << height, (index + 1) << height)}; callers only ask for
     * subtrees whose leaves are all in the log.
     */
    Digest subtree(int height, long index);
  }

  /** Returns the root of the first {@code size} leaves ({@link Rfc9162#emptyRoot()} for 0). */
  public static Digest root(Source s, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    return size == 0 ? Rfc9162.emptyRoot() : range(s, 0, size);
  }

  /** Returns the inclusion proof of leaf {@code index} in the tree of {@code size} leaves. */
  public static InclusionProof inclusionProof(Source s, long index, long size) {
    if (size < 1 || index < 0 || index >= size) {
      throw new IllegalArgumentException("need 0 <= index < size, got index " + index + " and size " + size);
    }
    List<Digest> topDown = new ArrayList<>(64);
    long lo = 0;
    long hi = size;
    while (hi - lo > 1) {
      long k = Long.highestOneBit(hi - lo - 1);
      if (index < lo + k) {
        topDown.add(range(s, lo + k, hi));
        hi = lo + k;
      } else {
        topDown.add(range(s, lo, lo + k));
        lo += k;
      }
    }
    Collections.reverse(topDown);
    return new InclusionProof(index, size, topDown);
  }

  /** Returns the consistency proof from the tree of {@code size1} to that of {@code size2} leaves. */
  public static ConsistencyProof consistencyProof(Source s, long size1, long size2) {
    if (size1 < 1 || size1 > size2) {
      throw new IllegalArgumentException("need 1 <= size1 <= size2, got size1 " + size1 + " and size2 " + size2);
    }
    List<Digest> topDown = new ArrayList<>(64);
    long lo = 0;
    long hi = size2;
    boolean wholeOldTree = true;
    while (size1 - lo != hi - lo) {
      long k = Long.highestOneBit(hi - lo - 1);
      if (size1 - lo <= k) {
        topDown.add(range(s, lo + k, hi));
        hi = lo + k;
      } else {
        topDown.add(range(s, lo, lo + k));
        lo += k;
        wholeOldTree = false;
      }
    }
    if (!wholeOldTree) {
      topDown.add(range(s, lo, hi));
    }
    Collections.reverse(topDown);
    return new ConsistencyProof(size1, size2, topDown);
  }

  /**
   * MTH of leaves [from, to) where from is a multiple of the smallest power of two >= to - from:
   * the complete subtrees given by the set bits of the length, largest first, folded right to left.
   */
  private static Digest range(Source s, long from, long to) {
    long len = to - from;
    int b = Long.numberOfTrailingZeros(len);
    long start = from + ((len >>> (b + 1)) << (b + 1));
    Digest acc = s.subtree(b, start >>> b);
    for (long rest = len & (len - 1); rest != 0; rest &= rest - 1) {
      int c = Long.numberOfTrailingZeros(rest);
      long j = (from + ((len >>> (c + 1)) << (c + 1))) >>> c;
      acc = Rfc9162.nodeHash(s.subtree(c, j), acc);
    }
    return acc;
  }
}
