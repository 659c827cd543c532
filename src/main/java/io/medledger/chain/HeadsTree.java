package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.ArrayList;
import java.util.List;

/**
 * A persistent (copy-on-write) sparse Merkle tree over 256-bit keys with leaf lifting: a subtree
 * holding a single leaf is that leaf, so a path is only as deep as needed to separate its key
 * from its neighbours (about log2 of the number of keys). Empty subtrees hash to 32 zero bytes,
 * a leaf to {@code SHA-256(0x10 || key || value)}, an inner node to
 * {@code SHA-256(0x11 || left || right)}.
 *
 * <p>Instances are immutable; {@link #put} returns a new tree sharing structure. Thread-safe.
 */
final class HeadsTree {
  static final byte LEAF = 0x10;
  static final byte NODE = 0x11;
  static final Digest EMPTY = Digest.of(new byte[Digest.LENGTH]);
  static final HeadsTree EMPTY_TREE = new HeadsTree(null, 0);

  private abstract static class Node {
    final Digest hash;

    Node(Digest hash) {
      this.hash = hash;
    }
  }

  private static final class Leaf extends Node {
    final Digest key;
    final Digest value;

    Leaf(Digest key, Digest value) {
      super(Sha256.hashPrefixed(LEAF, key, value));
      this.key = key;
      this.value = value;
    }
  }

  private static final class Inner extends Node {
    final Node left;
    final Node right;

    Inner(Node left, Node right) {
      super(Sha256.hashPrefixed(NODE, hashOf(left), hashOf(right)));
      this.left = left;
      this.right = right;
    }
  }

  private final Node root;
  private final long size;

  private HeadsTree(Node root, long size) {
    this.root = root;
    this.size = size;
  }

  static Digest hashOf(Node n) {
    return n == null ? EMPTY : n.hash;
  }

  static int bit(Digest key, int depth) {
    return (key.byteAt(depth >>> 3) >>> (7 - (depth & 7))) & 1;
  }

  Digest root() {
    return hashOf(root);
  }

  long size() {
    return size;
  }

  /** The value under {@code key}, or null. */
  Digest get(Digest key) {
    Node n = root;
    int depth = 0;
    while (n instanceof Inner in) {
      n = bit(key, depth++) == 0 ? in.left : in.right;
    }
    return n instanceof Leaf l && l.key.equals(key) ? l.value : null;
  }

  /** A tree with {@code key} mapped to {@code value}. */
  HeadsTree put(Digest key, Digest value) {
    boolean[] added = new boolean[1];
    Node r = put(root, 0, key, value, added);
    return new HeadsTree(r, size + (added[0] ? 1 : 0));
  }

  private static Node put(Node n, int depth, Digest key, Digest value, boolean[] added) {
    if (n == null) {
      added[0] = true;
      return new Leaf(key, value);
    }
    if (n instanceof Leaf l) {
      if (l.key.equals(key)) {
        return new Leaf(key, value);
      }
      added[0] = true;
      return split(l, new Leaf(key, value), depth);
    }
    Inner in = (Inner) n;
    return bit(key, depth) == 0
        ? new Inner(put(in.left, depth + 1, key, value, added), in.right)
        : new Inner(in.left, put(in.right, depth + 1, key, value, added));
  }

  private static Node split(Leaf a, Leaf b, int depth) {
    int ba = bit(a.key, depth);
    int bb = bit(b.key, depth);
    if (ba != bb) {
      return ba == 0 ? new Inner(a, b) : new Inner(b, a);
    }
    Node child = split(a, b, depth + 1);
    return ba == 0 ? new Inner(child, null) : new Inner(null, child);
  }

  /** The proof for {@code key}: siblings from the root down, and the leaf the path ends at. */
  PatientHeadProof prove(Digest key) {
    List<Digest> siblings = new ArrayList<>();
    Node n = root;
    int depth = 0;
    while (n instanceof Inner in) {
      if (bit(key, depth++) == 0) {
        siblings.add(hashOf(in.right));
        n = in.left;
      } else {
        siblings.add(hashOf(in.left));
        n = in.right;
      }
    }
    Leaf l = (Leaf) n;
    return new PatientHeadProof(key, siblings, l == null ? null : l.key, l == null ? null : l.value);
  }
}
