package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.StateKey;
import io.medledger.storage.StateStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A sparse Merkle tree over 256-bit keys with leaf lifting: a subtree holding a single leaf is
 * that leaf, so a path is only as deep as needed to separate its key from its neighbours (about
 * log2 of the number of keys). Empty subtrees hash to 32 zero bytes, a leaf to
 * {@code SHA-256(0x10 || key || value)}, an inner node to {@code SHA-256(0x11 || left || right)}.
 *
 * <p>Nodes live in the state store by position ({@code 't' || depth || the path's first depth
 * bits}), 65 bytes each: the type byte, then key and value (a leaf) or the two child hashes (an
 * inner node). Keys are never removed, so a position only ever goes from empty to leaf to inner
 * node and an update overwrites in place. A tree is a committed base (read through a function)
 * plus the nodes written since: {@link #put} returns a new tree and leaves this one unchanged.
 * A tree may share a {@link HeadsNodeCache} with the trees derived from it: every node it writes
 * goes there under its hash, and a node is looked up there by the hash its parent names before
 * its position is read.
 *
 * <p>Instances are immutable; thread-safe as long as the base is not committed to underneath.
 */
final class HeadsTree {
  static final byte LEAF = 0x10;
  static final byte NODE = 0x11;
  static final byte PREFIX = 't';
  static final Digest EMPTY = Digest.of(new byte[Digest.LENGTH]);
  private static final int NODE_BYTES = 1 + 2 * Digest.LENGTH;
  static final HeadsTree EMPTY_TREE = new HeadsTree(k -> null, Map.of(), EMPTY, 0, null);

  private final Function<byte[], byte[]> base;
  private final Map<StateKey, byte[]> written;
  private final Digest root;
  private final long size;
  /** Nodes by hash, shared with the trees derived from this one; null for none. */
  private final HeadsNodeCache cache;

  private HeadsTree(Function<byte[], byte[]> base, Map<StateKey, byte[]> written, Digest root, long size,
      HeadsNodeCache cache) {
    this.base = base;
    this.written = written;
    this.root = root;
    this.size = size;
    this.cache = cache;
  }

  /**
   * The tree committed in a store read through {@code base}, holding {@code size} keys, with
   * {@code cache} (may be null) for its nodes.
   */
  static HeadsTree open(Function<byte[], byte[]> base, long size, HeadsNodeCache cache) {
    byte[] r = base.apply(pos(0, EMPTY));
    return new HeadsTree(base, Map.of(), r == null ? EMPTY : hash(check(r)), size, cache);
  }

  /** The empty tree, with {@code cache} (may be null) for the nodes of the trees built on it. */
  static HeadsTree empty(HeadsNodeCache cache) {
    return new HeadsTree(k -> null, Map.of(), EMPTY, 0, cache);
  }

  /** This tree read through {@code newBase}, which holds every node written since its base. */
  HeadsTree rebase(Function<byte[], byte[]> newBase) {
    return new HeadsTree(newBase, Map.of(), root, size, cache);
  }

  /** Adds the nodes written since the base to {@code batch}. */
  void writeTo(StateStore.Batch batch) {
    for (Map.Entry<StateKey, byte[]> e : written.entrySet()) {
      batch.put(e.getKey().bytes(), e.getValue());
    }
  }

  static int bit(Digest key, int depth) {
    return (key.byteAt(depth >>> 3) >>> (7 - (depth & 7))) & 1;
  }

  Digest root() {
    return root;
  }

  long size() {
    return size;
  }

  /** The store key of the node at {@code depth} on the path of {@code key}. */
  static byte[] pos(int depth, Digest key) {
    if (depth > 255) {
      throw new IllegalStateException("heads tree deeper than 255 levels");
    }
    int n = (depth + 7) >>> 3;
    byte[] p = new byte[2 + n];
    p[0] = PREFIX;
    p[1] = (byte) depth;
    for (int i = 0; i < n; i++) {
      p[2 + i] = key.byteAt(i);
    }
    if ((depth & 7) != 0) {
      p[1 + n] &= (byte) (0xff << (8 - (depth & 7)));
    }
    return p;
  }

  private static byte[] check(byte[] n) {
    if (n.length != NODE_BYTES || (n[0] != LEAF && n[0] != NODE)) {
      throw new IllegalStateException("damaged heads tree node in the state store");
    }
    return n;
  }

  private static Digest hash(byte[] n) {
    return Sha256.hashPrefixed(n[0], Digest.of(n, 1), Digest.of(n, 1 + Digest.LENGTH));
  }

  /** The node with hash {@code hash}, at the position of {@code key} at {@code depth}. */
  private byte[] load(Map<StateKey, byte[]> work, Digest hash, int depth, Digest key) {
    byte[] n = cache == null ? null : cache.get(hash);
    return n != null ? n : load(work, new StateKey(pos(depth, key)));
  }

  /** The node with hash {@code hash}, at position {@code at}. */
  private byte[] load(Map<StateKey, byte[]> work, Digest hash, StateKey at) {
    byte[] n = cache == null ? null : cache.get(hash);
    return n != null ? n : load(work, at);
  }

  private byte[] load(Map<StateKey, byte[]> work, StateKey at) {
    byte[] n = work.get(at);
    if (n == null) {
      n = base.apply(at.bytes());
      if (n == null) {
        throw new IllegalStateException("heads tree node missing from the state store");
      }
    }
    return check(n);
  }

  /** The node under a child hash: null for an empty subtree. */
  private byte[] child(Map<StateKey, byte[]> work, Digest hash, int depth, Digest key) {
    return hash.equals(EMPTY) ? null : load(work, hash, depth, key);
  }

  private Digest write(Map<StateKey, byte[]> work, int depth, Digest at, byte type, Digest a, Digest b) {
    return write(work, new StateKey(pos(depth, at)), type, a, b);
  }

  private Digest write(Map<StateKey, byte[]> work, StateKey at, byte type, Digest a, Digest b) {
    byte[] n = new byte[NODE_BYTES];
    n[0] = type;
    a.copyTo(n, 1);
    b.copyTo(n, 1 + Digest.LENGTH);
    work.put(at, n);
    Digest h = Sha256.hashPrefixed(type, a, b);
    if (cache != null) {
      cache.put(h, n);
    }
    return h;
  }

  /** The value under {@code key}, or null. */
  Digest get(Digest key) {
    byte[] n = child(written, root, 0, key);
    int depth = 0;
    while (n != null && n[0] == NODE) {
      Digest h = Digest.of(n, bit(key, depth) == 0 ? 1 : 1 + Digest.LENGTH);
      n = child(written, h, ++depth, key);
    }
    return n != null && Digest.of(n, 1).equals(key) ? Digest.of(n, 1 + Digest.LENGTH) : null;
  }

  /** A tree with {@code key} mapped to {@code value}. */
  HeadsTree put(Digest key, Digest value) {
    return putAll(List.of(key), List.of(value));
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
    if (keys.isEmpty()) {
      return this;
    }
    Map<StateKey, byte[]> work = new HashMap<>(written);
    long[] added = new long[1];
    Digest r = putAll(work, root, 0, keys, values, 0, keys.size(), added);
    return new HeadsTree(base, Collections.unmodifiableMap(work), r, size + added[0], cache);
  }

  /**
   * Puts keys[from..to) into the subtree with hash {@code hash} at {@code depth}; its node, if
   * any, sits at the position of keys[from], where the new node is written too.
   */
  private Digest putAll(Map<StateKey, byte[]> work, Digest hash, int depth, List<Digest> keys, List<Digest> values,
      int from, int to, long[] added) {
    StateKey at = new StateKey(pos(depth, keys.get(from)));
    byte[] n = hash.equals(EMPTY) ? null : load(work, hash, at);
    if (n == null) {
      added[0] += to - from;
      return build(work, depth, keys, values, from, to, null);
    }
    if (n[0] == LEAF) {
      Digest leafKey = Digest.of(n, 1);
      if (to - from == 1 && keys.get(from).equals(leafKey)) {
        return write(work, at, LEAF, leafKey, values.get(from));
      }
      boolean present = false;
      for (int i = from; i < to; i++) {
        if (keys.get(i).equals(leafKey)) {
          present = true;
          break;
        }
      }
      added[0] += to - from - (present ? 1 : 0);
      return build(work, depth, keys, values, from, to, present ? null : n);
    }
    int mid = from;
    while (mid < to && bit(keys.get(mid), depth) == 0) {
      mid++;
    }
    Digest left = Digest.of(n, 1);
    Digest right = Digest.of(n, 1 + Digest.LENGTH);
    if (from < mid) {
      left = putAll(work, left, depth + 1, keys, values, from, mid, added);
    }
    if (mid < to) {
      right = putAll(work, right, depth + 1, keys, values, mid, to, added);
    }
    return write(work, at, NODE, left, right);
  }

  /**
   * Writes the canonical subtree at {@code depth} holding keys[from..to) plus {@code extra} (a
   * leaf node whose key is not among them); returns its hash.
   */
  private Digest build(Map<StateKey, byte[]> work, int depth, List<Digest> keys, List<Digest> values, int from,
      int to, byte[] extra) {
    int count = to - from + (extra == null ? 0 : 1);
    if (count == 0) {
      return EMPTY;
    }
    Digest extraKey = extra == null ? null : Digest.of(extra, 1);
    if (count == 1) {
      return extra != null
          ? write(work, depth, extraKey, LEAF, extraKey, Digest.of(extra, 1 + Digest.LENGTH))
          : write(work, depth, keys.get(from), LEAF, keys.get(from), values.get(from));
    }
    int mid = from;
    while (mid < to && bit(keys.get(mid), depth) == 0) {
      mid++;
    }
    byte[] extraLeft = extra != null && bit(extraKey, depth) == 0 ? extra : null;
    byte[] extraRight = extra != null && extraLeft == null ? extra : null;
    Digest left = build(work, depth + 1, keys, values, from, mid, extraLeft);
    Digest right = build(work, depth + 1, keys, values, mid, to, extraRight);
    return write(work, depth, from < to ? keys.get(from) : extraKey, NODE, left, right);
  }

  /** The proof for {@code key}: siblings from the root down, and the leaf the path ends at. */
  PatientHeadProof prove(Digest key) {
    List<Digest> siblings = new ArrayList<>();
    byte[] n = child(written, root, 0, key);
    int depth = 0;
    while (n != null && n[0] == NODE) {
      Digest left = Digest.of(n, 1);
      Digest right = Digest.of(n, 1 + Digest.LENGTH);
      boolean goLeft = bit(key, depth) == 0;
      siblings.add(goLeft ? right : left);
      n = child(written, goLeft ? left : right, ++depth, key);
    }
    return n == null ? new PatientHeadProof(key, siblings, null, null)
        : new PatientHeadProof(key, siblings, Digest.of(n, 1), Digest.of(n, 1 + Digest.LENGTH));
  }
}
