package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Static RFC 9162 proof verifiers (sections 2.1.3.2 and 2.1.4.2). They return {@code false} for
 * every proof that does not hold: a wrong path length, an index outside the tree, a first size
 * of 0 or greater than the second, a hash of the wrong length, a null, or any hash mismatch. They
 * never throw for bad input.
 *
 * <p>Thread-safe: stateless.
 */
public final class MerkleVerifier {
  private MerkleVerifier() {}

  /**
   * Returns whether {@code path} proves that {@code leafHash} is leaf {@code leafIndex} of the
   * tree of {@code treeSize} leaves with root {@code root} (RFC 9162 section 2.1.3.2).
   */
  public static boolean verifyInclusion(long leafIndex, long treeSize, List<Digest> path, Digest leafHash, Digest root) {
    if (path == null || leafHash == null || root == null || leafIndex < 0 || leafIndex >= treeSize) {
      return false;
    }
    long fn = leafIndex;
    long sn = treeSize - 1;
    NodeHasher h = NodeHasher.local();
    byte[] r = new byte[NodeHasher.HASH];
    leafHash.copyTo(r, 0);
    for (Digest p : path) {
      if (p == null || sn == 0) {
        return false;
      }
      if ((fn & 1) != 0 || fn == sn) {
        h.leftSibling(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        h.rightSibling(r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && root.equalsBytes(r);
  }

  /**
   * Like {@link #verifyInclusion(long, long, List, Digest, Digest)} over raw byte strings, as
   * they arrive from outside: the leaf hash and every path element must be 32 bytes.
   */
  public static boolean verifyInclusionRaw(long leafIndex, long treeSize, List<byte[]> path, byte[] leafHash, byte[] root) {
    List<Digest> p = digests(path);
    if (p == null || !isHash(leafHash) || !isHash(root)) {
      return false;
    }
    return verifyInclusion(leafIndex, treeSize, p, Digest.of(leafHash), Digest.of(root));
  }

  /**
   * Returns whether {@code path} proves that the tree of {@code size1} leaves with root
   * {@code root1} is a prefix of the tree of {@code size2} leaves with root {@code root2} (RFC
   * 9162 section 2.1.4.2). Equal sizes need an empty path and equal roots; {@code size1 = 0} is
   * rejected, as there is nothing to prove.
   */
  public static boolean verifyConsistency(long size1, long size2, List<Digest> path, Digest root1, Digest root2) {
    if (path == null || root1 == null || root2 == null || size1 <= 0 || size1 > size2) {
      return false;
    }
    if (size1 == size2) {
      return path.isEmpty() && root1.equals(root2);
    }
    if (path.isEmpty()) {
      return false;
    }
    NodeHasher h = NodeHasher.local();
    byte[] fr = new byte[NodeHasher.HASH];
    byte[] sr = new byte[NodeHasher.HASH];
    boolean seedFromPath = (size1 & (size1 - 1)) != 0;
    if (!seedFromPath) {
      // size1 is a power of two: the old root is itself the first node of the path.
      root1.copyTo(fr, 0);
      root1.copyTo(sr, 0);
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) != 0) {
      fn >>>= 1;
      sn >>>= 1;
    }
    for (Digest c : path) {
      if (c == null) {
        return false;
      }
      if (seedFromPath) {
        c.copyTo(fr, 0);
        c.copyTo(sr, 0);
        seedFromPath = false;
        continue;
      }
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) != 0 || fn == sn) {
        h.leftSibling(c, fr);
        h.leftSibling(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        h.rightSibling(sr, c);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    if (sn != 0) {
      return false;
    }
    // Evaluate both comparisons fully (no early exit on the first).
    boolean ok1 = root1.equalsBytes(fr);
    boolean ok2 = root2.equalsBytes(sr);
    return ok1 & ok2;
  }

  /**
   * Like {@link #verifyConsistency(long, long, List, Digest, Digest)} over raw byte strings, as
   * they arrive from outside: every path element must be 32 bytes; for equal sizes the roots
   * are compared as given.
   */
  public static boolean verifyConsistencyRaw(long size1, long size2, List<byte[]> path, byte[] root1, byte[] root2) {
    List<Digest> p = digests(path);
    if (p == null || root1 == null || root2 == null) {
      return false;
    }
    if (size1 > 0 && size1 == size2) {
      return p.isEmpty() && MessageDigest.isEqual(root1, root2);
    }
    if (!isHash(root1) || !isHash(root2)) {
      return false;
    }
    return verifyConsistency(size1, size2, p, Digest.of(root1), Digest.of(root2));
  }

  private static boolean isHash(byte[] b) {
    return b != null && b.length == NodeHasher.HASH;
  }

  /** The path as digests, or null if it or an element is null or not 32 bytes. */
  private static List<Digest> digests(List<byte[]> path) {
    if (path == null) {
      return null;
    }
    List<Digest> out = new ArrayList<>(path.size());
    for (byte[] b : path) {
      if (!isHash(b)) {
        return null;
      }
      out.add(Digest.of(b));
    }
    return out;
  }
}
