package io.medledger.merkle;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Bitcoin's transaction Merkle tree: nodes are double SHA-256 of the concatenated children, and
 * a level with an odd number of nodes pairs its last node with itself. Txids and hashes here are
 * in internal byte order (the order inside serializations); block explorers display them
 * reversed (see {@link Digest#reversed()}).
 *
 * <p>The duplicate-last-node rule makes the tree malleable (CVE-2012-2459): a list ending in a
 * repeated run can have the same root as the shorter list. {@link #hasDuplicateSiblings} detects
 * that form, as Bitcoin Core does before accepting a block.
 *
 * <p>Thread-safe: stateless.
 */
public final class BitcoinMerkle {
  private static final int H = NodeHasher.HASH;

  private BitcoinMerkle() {}

  /** Returns {@code SHA256d(left || right)}, one interior node. */
  public static Digest nodeHash(Digest left, Digest right) {
    return Sha256.doubleHash(left, right);
  }

  /**
   * Returns the Merkle root of the txids of a block, in order (internal byte order).
   *
   * @throws IllegalArgumentException if the list is empty (a block has at least one transaction)
   */
  public static Digest root(List<Digest> txids) {
    byte[] level = flatten(txids);
    int count = txids.size();
    MessageDigest md = NodeHasher.local().md;
    byte[] tmp = new byte[H];
    while (count > 1) {
      count = nextLevel(md, level, count, tmp);
    }
    return Digest.of(level, 0);
  }

  /**
   * Returns whether some level of the tree over {@code txids} has two equal siblings, the
   * CVE-2012-2459 form of a block whose transaction list was padded by repetition (Bitcoin Core
   * rejects such a block as mutated).
   */
  public static boolean hasDuplicateSiblings(List<Digest> txids) {
    byte[] level = flatten(txids);
    int count = txids.size();
    MessageDigest md = NodeHasher.local().md;
    byte[] tmp = new byte[H];
    boolean duplicate = false;
    while (count > 1) {
      for (int i = 0; i + 1 < count; i += 2) {
        if (java.util.Arrays.equals(level, i * H, i * H + H, level, (i + 1) * H, (i + 2) * H)) {
          duplicate = true;
        }
      }
      count = nextLevel(md, level, count, tmp);
    }
    return duplicate;
  }

  /**
   * Returns the Merkle branch of transaction {@code index}: its sibling at each level from the
   * bottom (the node itself where it is the unpaired last node).
   *
   * @throws IndexOutOfBoundsException if {@code index} is not in the list
   */
  public static List<Digest> branch(List<Digest> txids, int index) {
    Objects.checkIndex(index, txids.size());
    byte[] level = flatten(txids);
    int count = txids.size();
    MessageDigest md = NodeHasher.local().md;
    byte[] tmp = new byte[H];
    List<Digest> out = new ArrayList<>();
    int pos = index;
    while (count > 1) {
      int sibling = (pos ^ 1) < count ? pos ^ 1 : pos;
      out.add(Digest.of(level, sibling * H));
      count = nextLevel(md, level, count, tmp);
      pos >>>= 1;
    }
    return out;
  }

  /**
   * Folds a Merkle branch: starting from {@code txid}, at level k the running hash is the right
   * child if bit k of {@code index} is set and the left child otherwise. Returns the root the
   * branch leads to; compare it with the header's Merkle root.
   */
  public static Digest rootFromBranch(Digest txid, long index, List<Digest> branch) {
    MessageDigest md = NodeHasher.local().md;
    byte[] acc = txid.toByteArray();
    byte[] sib = new byte[H];
    byte[] tmp = new byte[H];
    long pos = index;
    for (Digest s : branch) {
      s.copyTo(sib, 0);
      if ((pos & 1) != 0) {
        doubleHash(md, sib, 0, acc, 0, tmp, acc, 0);
      } else {
        doubleHash(md, acc, 0, sib, 0, tmp, acc, 0);
      }
      pos >>>= 1;
    }
    return Digest.of(acc);
  }

  /**
   * Replaces the first half of {@code level} (count nodes) with their parents, pairing an
   * unpaired last node with itself; returns the parent count. Parent j overwrites child 2j only
   * after children 2j and 2j+1 are read.
   */
  private static int nextLevel(MessageDigest md, byte[] level, int count, byte[] tmp) {
    int next = 0;
    for (int i = 0; i < count; i += 2) {
      int right = i + 1 < count ? i + 1 : i;
      doubleHash(md, level, i * H, level, right * H, tmp, level, next * H);
      next++;
    }
    return next;
  }

  private static byte[] flatten(List<Digest> txids) {
    int n = txids.size();
    if (n == 0) {
      throw new IllegalArgumentException("a Bitcoin Merkle tree needs at least one txid");
    }
    byte[] level = new byte[Math.multiplyExact(n, H)];
    int i = 0;
    for (Digest d : txids) {
      d.copyTo(level, i++ * H);
    }
    return level;
  }

  /** out = SHA256d(a || b), using tmp (32 bytes) for the inner hash; out may alias a or b. */
  static void doubleHash(MessageDigest md, byte[] a, int aOff, byte[] b, int bOff, byte[] tmp, byte[] out, int outOff) {
    md.update(a, aOff, H);
    md.update(b, bOff, H);
    NodeHasher.finish(md, tmp, 0);
    md.update(tmp, 0, H);
    NodeHasher.finish(md, out, outOff);
  }
}
