package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.StateKey;
import io.medledger.storage.StateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sparse Merkle tree over 256-bit keys with leaf lifting: a subtree holding a single leaf is
 * that leaf, so a path is only as deep as needed to separate its key from its neighbours (about
 * log2 of the number of keys). Empty subtrees hash to 32 zero bytes, a leaf to
 * {@code SHA-256(0x10 || key || value)}, an inner node to {@code SHA-256(0x11 || left || right)}.
 *
 * <p>The levels above depth {@value HeadsTop#DEPTH} live in memory only ({@link HeadsTop}), built
 * from the summaries of the 65,536 buckets below them, which the state store holds under
 * {@code 'u' || the bucket's two bytes} (65 bytes each). The store holds the levels below in pages.
 * A node there has a position ({@code 't' || depth || the path's first depth bits}) and 65 bytes:
 * the type byte, then key and value (a leaf) or the two child hashes (an inner node); a bucket's
 * summary sits at its position at depth {@value HeadsTop#DEPTH} even when the tree lifts that
 * leaf higher. A page of {@value #PAGE_LEVELS} levels holds, for each node at a depth {@code d}
 * that is a multiple of {@value #PAGE_LEVELS} (from depth {@value HeadsTop#DEPTH}), the nodes of
 * its subtree at depths {@code d} to {@code d + 7}, under its position, as a 32-byte bitmap of
 * the page's 255 slots (breadth first, bit 0 the most significant of byte 0) followed by the 65
 * bytes of each node present, in slot order. A page is read and written whole. Keys are never
 * removed, so a position only ever goes from empty to leaf to inner node, an update overwrites
 * in place, and a page's top node's hash determines the whole page. A block thus writes, per
 * bucket it touches, its summary and the pages of its own subtree: a few hundred bytes while the
 * bucket holds few keys, instead of rewriting the wide pages near the root.
 *
 * <p>A tree is a committed base (read through a {@link Base}) plus the nodes written since and the
 * pages its updates read: {@link #put} returns a new tree and leaves this one unchanged. A tree
 * may share a {@link HeadsNodeCache} with the trees derived from it: every node it writes goes
 * there under its hash, and a node is looked up there by the hash its parent names before its
 * page is read.
 *
 * <p>Instances are immutable; thread-safe as long as the base is not committed to underneath.
 */
final class HeadsTree {
  static final byte LEAF = 0x10;
  static final byte NODE = 0x11;
  static final byte PREFIX = 't';
  /** The first byte of a bucket summary's store key. */
  static final byte BUCKET = 'u';
  static final Digest EMPTY = Digest.of(new byte[Digest.LENGTH]);
  private static final int NODE_BYTES = 1 + 2 * Digest.LENGTH;
  /** Levels per stored page. */
  static final int PAGE_LEVELS = 8;
  /** Node slots per page, and the bytes of its bitmap of present slots. */
  static final int PAGE_SLOTS = (1 << PAGE_LEVELS) - 1;
  private static final int BITMAP_BYTES = (PAGE_SLOTS + 8) / 8;
  static final HeadsTree EMPTY_TREE = new HeadsTree(k -> null, Map.of(), Map.of(), HeadsTop.EMPTY, 0, null);

  private final Base base;
  private final Map<StateKey, byte[]> written;
  /**
   * The pages the updates that made this tree read, by page position (checked): the base's, or
   * from the cache a version the updates built on; either under the nodes written since is the page.
   */
  private final Map<StateKey, byte[]> pages;
  /** The levels above the buckets. */
  private final HeadsTop top;
  private final long size;
  /** Nodes by hash, shared with the trees derived from this one; null for none. */
  private final HeadsNodeCache cache;

  private HeadsTree(Base base, Map<StateKey, byte[]> written, Map<StateKey, byte[]> pages,
      HeadsTop top, long size, HeadsNodeCache cache) {
    this.base = base;
    this.written = written;
    this.pages = pages;
    this.top = top;
    this.size = size;
    this.cache = cache;
  }

  /**
   * The tree committed in {@code store}, holding {@code size} keys, with {@code cache} (may be
   * null) for its nodes: reads the bucket summaries and builds the levels above them.
   *
   * @throws IllegalStateException if a stored summary is damaged
   */
  static HeadsTree open(StateStore store, long size, HeadsNodeCache cache) {
    int[] buckets = new int[1 << HeadsTop.DEPTH];
    byte[][] summaries = new byte[buckets.length][];
    Digest[] hashes = new Digest[buckets.length];
    int[] count = {0};
    store.scan(new byte[] {BUCKET}, new byte[] {BUCKET + 1}, (k, v) -> {
      int b = k.length == 3 ? HeadsTop.bucket(k, 1) : -1;
      if (b < 0 || v.length != NODE_BYTES || v[0] != LEAF && v[0] != NODE
          || v[0] == LEAF && HeadsTop.bucket(v, 1) != b) {
        throw new IllegalStateException("damaged heads tree bucket in the state store");
      }
      int i = count[0]++;
      buckets[i] = b;
      summaries[i] = v;
      hashes[i] = hash(v);
      return true;
    });
    HeadsTop top = HeadsTop.EMPTY.with(buckets, summaries, hashes, count[0]);
    return new HeadsTree(Base.of(store), Map.of(), Map.of(), top, size, cache);
  }

  /** The committed store a tree reads its pages from: one key at a time, or many at once. */
  @FunctionalInterface
  interface Base {
    /** The value under {@code key}, or null. */
    byte[] get(byte[] key);

    /** The values under {@code keys}, in order, null where absent. */
    default List<byte[]> getAll(List<byte[]> keys) {
      List<byte[]> out = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        out.add(get(k));
      }
      return out;
    }

    /** {@code store} as a base, reading many keys at once through {@link StateStore#getAll}. */
    static Base of(StateStore store) {
      return new Base() {
        @Override
        public byte[] get(byte[] key) {
          return store.get(key);
        }

        @Override
        public List<byte[]> getAll(List<byte[]> keys) {
          return store.getAll(keys);
        }
      };
    }
  }

  /** The empty tree, with {@code cache} (may be null) for the nodes of the trees built on it. */
  static HeadsTree empty(HeadsNodeCache cache) {
    return new HeadsTree(k -> null, Map.of(), Map.of(), HeadsTop.EMPTY, 0, cache);
  }

  /** This tree read through {@code newBase}, which holds every node written since its base. */
  HeadsTree rebase(Base newBase) {
    return new HeadsTree(newBase, Map.of(), Map.of(), top, size, cache);
  }

  /** The store key of the summary of bucket {@code bucket}. */
  static byte[] bucketKey(int bucket) {
    return new byte[] {BUCKET, (byte) (bucket >>> 8), (byte) bucket};
  }

  /**
   * Adds to {@code batch} the pages holding the nodes written since the base, each whole, and
   * the summaries of the buckets they changed.
   */
  void writeTo(StateStore.Batch batch) {
    Pass work = new Pass(written, new HashMap<>());
    Map<StateKey, PageWrites> out = new HashMap<>(capacity(written.size() / 4));
    for (Map.Entry<StateKey, byte[]> e : written.entrySet()) {
      byte[] at = e.getKey().bytes();
      out.computeIfAbsent(new StateKey(pageOf(at)), k -> new PageWrites()).add(slot(at), e.getValue());
      if ((at[1] & 0xff) == HeadsTop.DEPTH) {
        batch.put(bucketKey(HeadsTop.bucket(at, 2)), e.getValue());
      }
    }
    for (Map.Entry<StateKey, PageWrites> e : out.entrySet()) {
      PageWrites w = e.getValue();
      w.sort();
      batch.put(e.getKey().bytes(), encodePage(known(work, e.getKey()), w.slots, w.nodes, w.count));
    }
  }

  /** The nodes written to one page: distinct slots, usually a few, with their nodes. */
  private static final class PageWrites {
    int[] slots = new int[4];
    byte[][] nodes = new byte[4][];
    int count;

    void add(int slot, byte[] node) {
      if (count == slots.length) {
        slots = Arrays.copyOf(slots, count * 2);
        nodes = Arrays.copyOf(nodes, count * 2);
      }
      slots[count] = slot;
      nodes[count++] = node;
    }

    /** Orders the writes by slot (insertion sort: pages get few). */
    void sort() {
      for (int i = 1; i < count; i++) {
        int s = slots[i];
        byte[] v = nodes[i];
        int j = i - 1;
        while (j >= 0 && slots[j] > s) {
          slots[j + 1] = slots[j];
          nodes[j + 1] = nodes[j];
          j--;
        }
        slots[j + 1] = s;
        nodes[j + 1] = v;
      }
    }
  }

  /** A hash map's initial capacity for {@code n} entries. */
  private static int capacity(int n) {
    return (int) Math.min(1 << 30, n / 3L * 4 + 16);
  }

  /** Nodes written since the base (benchmarks hash them as a ceiling). */
  Collection<byte[]> writtenNodes() {
    return Collections.unmodifiableCollection(written.values());
  }

  /**
   * The page holding the nodes of {@code base} (a checked page, or null for none) with the
   * {@code count} nodes {@code nodes} in their slots {@code slots} (ascending, distinct) in their
   * place.
   */
  private static byte[] encodePage(byte[] base, int[] slots, byte[][] nodes, int count) {
    byte[] bitmap = new byte[BITMAP_BYTES];
    if (base != null) {
      System.arraycopy(base, 0, bitmap, 0, BITMAP_BYTES);
    }
    for (int i = 0; i < count; i++) {
      bitmap[slots[i] >>> 3] |= (byte) (0x80 >>> (slots[i] & 7));
    }
    int n = 0;
    for (byte b : bitmap) {
      n += Integer.bitCount(b & 0xff);
    }
    byte[] p = new byte[BITMAP_BYTES + n * NODE_BYTES];
    System.arraycopy(bitmap, 0, p, 0, BITMAP_BYTES);
    int off = BITMAP_BYTES;
    int from = BITMAP_BYTES;
    int next = 0;
    for (int i = 0; i < PAGE_SLOTS; i++) {
      boolean inBase = base != null && present(base, i);
      if (next < count && slots[next] == i) {
        System.arraycopy(nodes[next++], 0, p, off, NODE_BYTES);
        off += NODE_BYTES;
      } else if (inBase) {
        System.arraycopy(base, from, p, off, NODE_BYTES);
        off += NODE_BYTES;
      }
      if (inBase) {
        from += NODE_BYTES;
      }
    }
    return p;
  }

  /** The page holding {@code node} at its top only. */
  private static byte[] topOnly(byte[] node) {
    byte[] p = new byte[BITMAP_BYTES + NODE_BYTES];
    p[0] = (byte) 0x80;
    System.arraycopy(node, 0, p, BITMAP_BYTES, NODE_BYTES);
    return p;
  }

  private static boolean present(byte[] page, int slot) {
    return (page[slot >>> 3] & (0x80 >>> (slot & 7))) != 0;
  }

  /**
   * Checks a stored page: a bitmap with its top slot set and no bit past the last slot, then
   * exactly one node of a known type per bit set.
   */
  static byte[] checkPage(byte[] p) {
    if (p.length < BITMAP_BYTES) {
      throw new IllegalStateException("damaged heads tree page in the state store");
    }
    int n = 0;
    for (int i = 0; i < BITMAP_BYTES; i++) {
      n += Integer.bitCount(p[i] & 0xff);
    }
    if ((p[BITMAP_BYTES - 1] & ((1 << (BITMAP_BYTES * 8 - PAGE_SLOTS)) - 1)) != 0 || !present(p, 0)
        || p.length != BITMAP_BYTES + n * NODE_BYTES) {
      throw new IllegalStateException("damaged heads tree page in the state store");
    }
    for (int off = BITMAP_BYTES; off < p.length; off += NODE_BYTES) {
      if (p[off] != LEAF && p[off] != NODE) {
        throw new IllegalStateException("damaged heads tree node in the state store");
      }
    }
    return p;
  }

  /** The node in slot {@code slot} of a checked page (a copy), or null when the slot is empty. */
  static byte[] node(byte[] page, int slot) {
    if (!present(page, slot)) {
      return null;
    }
    int before = 0;
    int whole = slot >>> 3;
    for (int i = 0; i < whole; i++) {
      before += Integer.bitCount(page[i] & 0xff);
    }
    before += Integer.bitCount((page[whole] & 0xff) >>> (8 - (slot & 7)));
    int off = BITMAP_BYTES + before * NODE_BYTES;
    return Arrays.copyOfRange(page, off, off + NODE_BYTES);
  }

  /** The position of the page holding the node at position {@code at}. */
  static byte[] pageOf(byte[] at) {
    int depth = at[1] & 0xff;
    int top = depth - depth % PAGE_LEVELS;
    if (top == depth) {
      return at;
    }
    int n = (top + 7) >>> 3;
    byte[] p = Arrays.copyOf(at, 2 + n);
    p[1] = (byte) top;
    if ((top & 7) != 0) {
      p[1 + n] &= (byte) (0xff << (8 - (top & 7)));
    }
    return p;
  }

  /** The slot, in its page, of the node at position {@code at}: breadth first from the page's top. */
  static int slot(byte[] at) {
    int depth = at[1] & 0xff;
    int top = depth - depth % PAGE_LEVELS;
    int bits = 0;
    for (int d = top; d < depth; d++) {
      bits = (bits << 1) | ((at[2 + (d >>> 3)] >>> (7 - (d & 7))) & 1);
    }
    return (1 << (depth - top)) - 1 + bits;
  }

  static int bit(Digest key, int depth) {
    return (key.byteAt(depth >>> 3) >>> (7 - (depth & 7))) & 1;
  }

  Digest root() {
    return top.hash();
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

  private static Digest hash(byte[] n) {
    return Sha256.hashPrefixed(n[0], Digest.of(n, 1), Digest.of(n, 1 + Digest.LENGTH));
  }

  /** One operation's nodes (written over this tree's) and the base pages it read. */
  private record Pass(Map<StateKey, byte[]> written, Map<StateKey, byte[]> read) {}

  /**
   * Makes sure {@code work} knows the page at {@code at}, which holds a node: every page an
   * update writes it reaches through its top, so {@link #writeTo} finds each page it rewrites
   * there. The base's page, with the nodes written since in their place, is the page after the
   * update.
   */
  private void page(Pass work, StateKey at) {
    if (work.read.containsKey(at) || pages.containsKey(at)) {
      return;
    }
    if (known(work, at) == null && !work.written.containsKey(at)) { // else a page this tree made
      throw new IllegalStateException("heads tree node missing from the state store");
    }
  }

  /**
   * The page at {@code page} as an update read it (this pass, then the updates that made this
   * tree), else the base's, checked and kept for the pass; null where the base has none.
   */
  private byte[] known(Pass work, StateKey page) {
    byte[] p = work.read.get(page);
    if (p == null) {
      p = pages.get(page);
    }
    if (p == null) {
      p = base.get(page.bytes());
      if (p != null) {
        work.read.put(page, checkPage(p));
      }
    }
    return p;
  }

  /** The node with hash {@code hash}, at the position of {@code key} at {@code depth}. */
  private byte[] load(Pass work, Digest hash, int depth, Digest key) {
    byte[] n = cache == null ? null : cache.get(hash);
    return n != null ? n : load(work, new StateKey(pos(depth, key)));
  }

  /** The node with hash {@code hash}, at position {@code at}. */
  private byte[] load(Pass work, Digest hash, StateKey at) {
    byte[] n = cache == null ? null : cache.get(hash);
    return n != null ? n : load(work, at);
  }

  private byte[] load(Pass work, StateKey at) {
    byte[] n = work.written.get(at);
    if (n != null) {
      return n;
    }
    byte[] a = at.bytes();
    byte[] p = known(work, new StateKey(pageOf(a)));
    n = p == null ? null : node(p, slot(a));
    if (n == null) {
      throw new IllegalStateException("heads tree node missing from the state store");
    }
    return n;
  }

  /** The node under a child hash: null for an empty subtree. */
  private byte[] child(Pass work, Digest hash, int depth, Digest key) {
    return hash.equals(EMPTY) ? null : load(work, hash, depth, key);
  }

  private Digest write(Pass work, int depth, Digest at, byte type, Digest a, Digest b) {
    return write(work, new StateKey(pos(depth, at)), type, a, b);
  }

  private Digest write(Pass work, StateKey at, byte type, Digest a, Digest b) {
    byte[] n = new byte[NODE_BYTES];
    n[0] = type;
    a.copyTo(n, 1);
    b.copyTo(n, 1 + Digest.LENGTH);
    work.written.put(at, n);
    Digest h = Sha256.hashPrefixed(type, a, b);
    if (cache != null) {
      cache.put(h, n);
    }
    return h;
  }

  /** The value under {@code key}, or null. */
  Digest get(Digest key) {
    Pass work = new Pass(written, new HashMap<>());
    byte[] n = top.walk(key, null);
    int depth = HeadsTop.DEPTH;
    while (n != null && n[0] == NODE) {
      Digest h = Digest.of(n, bit(key, depth) == 0 ? 1 : 1 + Digest.LENGTH);
      n = child(work, h, ++depth, key);
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
    Map<StateKey, byte[]> w = new HashMap<>(capacity(written.size() + 16 * keys.size()));
    w.putAll(written);
    Pass work = new Pass(w, new HashMap<>(capacity(2 * keys.size())));
    long[] added = new long[1];
    int n = keys.size();
    int[] buckets = new int[n];
    byte[][] summaries = new byte[n][];
    Digest[] hashes = new Digest[n];
    int count = 0;
    int[] starts = new int[n + 1];
    StateKey[] tops = new StateKey[n];
    List<byte[]> fetch = new ArrayList<>();
    for (int from = 0, to; from < n; from = to) {
      int b = HeadsTop.bucket(keys.get(from));
      to = from + 1;
      while (to < n && HeadsTop.bucket(keys.get(to)) == b) {
        to++;
      }
      StateKey at = new StateKey(pos(HeadsTop.DEPTH, keys.get(from)));
      byte[] summary = top.summary(b);
      if (summary != null && !pages.containsKey(at)) {
        if (summary[0] == LEAF) { // a bucket of one key: its page holds only that leaf
          work.read.put(at, topOnly(summary));
        } else if (!work.written.containsKey(at)) { // else a page this tree made, not in the base
          fetch.add(at.bytes());
        }
      }
      starts[count] = from;
      tops[count] = at;
      summaries[count] = summary;
      buckets[count++] = b;
    }
    starts[count] = n;
    if (!fetch.isEmpty()) { // the buckets' top pages, in one read
      List<byte[]> got = base.getAll(fetch);
      for (int i = 0; i < fetch.size(); i++) {
        if (got.get(i) != null) {
          work.read.put(new StateKey(fetch.get(i)), checkPage(got.get(i)));
        }
      }
    }
    for (int i = 0; i < count; i++) {
      if (summaries[i] != null && summaries[i][0] == NODE) {
        page(work, tops[i]);
      }
      hashes[i] = putAll(work, tops[i], summaries[i], HeadsTop.DEPTH, keys, values, starts[i], starts[i + 1], added);
      summaries[i] = work.written.get(tops[i]);
    }
    Map<StateKey, byte[]> read = work.read;
    if (!pages.isEmpty()) {
      read.putAll(pages);
    }
    return new HeadsTree(base, Collections.unmodifiableMap(work.written), Collections.unmodifiableMap(read),
        top.with(buckets, summaries, hashes, count), size + added[0], cache);
  }

  /**
   * Puts keys[from..to) into the subtree with hash {@code hash} at {@code depth}; its node, if
   * any, sits at the position of keys[from], where the new node is written too.
   */
  private Digest putAll(Pass work, Digest hash, int depth, List<Digest> keys, List<Digest> values,
      int from, int to, long[] added) {
    StateKey at = new StateKey(pos(depth, keys.get(from)));
    if (depth % PAGE_LEVELS == 0 && !hash.equals(EMPTY)) {
      page(work, at);
    }
    return putAll(work, at, hash.equals(EMPTY) ? null : load(work, hash, at), depth, keys, values, from, to, added);
  }

  /** Puts keys[from..to) into the subtree whose top, at position {@code at}, is {@code n} (null if empty). */
  private Digest putAll(Pass work, StateKey at, byte[] n, int depth, List<Digest> keys, List<Digest> values,
      int from, int to, long[] added) {
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
  private Digest build(Pass work, int depth, List<Digest> keys, List<Digest> values, int from,
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
    Pass work = new Pass(written, new HashMap<>());
    byte[] n = top.walk(key, siblings);
    int depth = HeadsTop.DEPTH;
    while (n != null && n[0] == NODE) {
      Digest left = Digest.of(n, 1);
      Digest right = Digest.of(n, 1 + Digest.LENGTH);
      boolean goLeft = bit(key, depth) == 0;
      siblings.add(goLeft ? right : left);
      n = child(work, goLeft ? left : right, ++depth, key);
    }
    return n == null ? new PatientHeadProof(key, siblings, null, null)
        : new PatientHeadProof(key, siblings, Digest.of(n, 1), Digest.of(n, 1 + Digest.LENGTH));
  }
}
