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

  /**
   * A tree with every {@code keys[i]} mapped to {@code values[i]}; {@code keys} must be sorted
   * ascending and distinct. Each changed node is hashed once, however many keys pass through it.
   */
  HeadsTree putAll(List<Digest> keys, List<Digest> values) {
    for (int i = 1; i < keys.size(); i++) {
      if (keys.get(i - 1).compareTo(keys.get(i)) >= 0) {
        throw new IllegalArgumentException("keys must be sorted and distinct");
      }
    }
    long[] added = new long[1];
    Node r = putAll(root, 0, keys, values, 0, keys.size(), added);
    return new HeadsTree(r, size + added[0]);
  }

  private static Node putAll(Node n, int depth, List<Digest> keys, List<Digest> values, int from, int to,
      long[] added) {
    if (from == to) {
      return n;
    }
    if (n == null) {
      added[0] += to - from;
      return build(depth, keys, values, from, to, null);
    }
    if (n instanceof Leaf l) {
      if (to - from == 1 && keys.get(from).equals(l.key)) {
        return new Leaf(l.key, values.get(from));
      }
      boolean present = false;
      for (int i = from; i < to; i++) {
        if (keys.get(i).equals(l.key)) {
          present = true;
          break;
        }
      }
      added[0] += to - from - (present ? 1 : 0);
      return build(depth, keys, values, from, to, present ? null : l);
    }
    Inner in = (Inner) n;
    int mid = from;
    while (mid < to && bit(keys.get(mid), depth) == 0) {
      mid++;
    }
    return new Inner(putAll(in.left, depth + 1, keys, values, from, mid, added),
        putAll(in.right, depth + 1, keys, values, mid, to, added));
  }

  /** The canonical subtree holding keys[from..to) plus {@code extra} (a leaf whose key is not among them). */
  private static Node build(int depth, List<Digest> keys, List<Digest> values, int from, int to, Leaf extra) {
    int count = to - from + (extra == null ? 0 : 1);
    if (count == 0) {
      return null;
    }
    if (count == 1) {
      return extra != null ? extra : new Leaf(keys.get(from), values.get(from));
    }
    int mid = from;
    while (mid < to && bit(keys.get(mid), depth) == 0) {
      mid++;
    }
    Leaf extraLeft = extra != null && bit(extra.key, depth) == 0 ? extra : null;
    Leaf extraRight = extra != null && extraLeft == null ? extra : null;
    return new Inner(build(depth + 1, keys, values, from, mid, extraLeft),
        build(depth + 1, keys, values, mid, to, extraRight));
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
