package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * An append-only RFC 9162 Merkle log in memory. It stores every leaf hash and the hash of every
 * complete subtree (level by level, in flat arrays), so an append costs one leaf hash plus one
 * node hash on average, and roots of any earlier size, inclusion proofs and consistency proofs
 * cost O(log n) hash operations.
 *
 * <p>Thread safety: one writer at a time (appends must be externally serialized), and any number
 * of concurrent readers without locking. A reader sees at least every leaf counted by the
 * {@link #size()} it read, and may ask for roots and proofs of any size up to that.
 */
public final class MerkleLog implements LeafHashLog {
  /** Upper bound on the number of leaves (2^40, far beyond what fits in memory). */
  public static final long MAX_SIZE = 1L << 40;

  private static final VarHandle SIZE;

  static {
    try {
      SIZE = MethodHandles.lookup().findVarHandle(MerkleLog.class, "size", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** levels[k] holds the complete subtrees of 2^k leaves, in order. */
  private volatile HashArray[] levels = {new HashArray()};
  /** Written with release semantics after the slots of a leaf are filled; read with acquire. */
  @SuppressWarnings("unused")
  private long size;
  /** The writer's hasher (appends are serialized by contract); readers use per-thread ones. */
  private final NodeHasher writer = new NodeHasher();

  /** Creates an empty log. */
  public MerkleLog() {}

  /** Appends a leaf input (leaf-hashed with the 0x00 prefix); returns its index. */
  public long append(byte[] leafData) {
    Objects.requireNonNull(leafData, "leafData");
    long index = checkRoom();
    byte[] dst = levels[0].chunkForWrite(index);
    writer.leaf(leafData, 0, leafData.length, dst, HashArray.offset(index));
    completeSubtrees(writer, index);
    SIZE.setRelease(this, index + 1);
    return index;
  }

  /** Appends a leaf hash computed elsewhere; returns its index. */
  @Override
  public long appendLeafHash(Digest leafHash) {
    Objects.requireNonNull(leafHash, "leafHash");
    long index = checkRoom();
    leafHash.copyTo(levels[0].chunkForWrite(index), HashArray.offset(index));
    completeSubtrees(writer, index);
    SIZE.setRelease(this, index + 1);
    return index;
  }

  private long checkRoom() {
    long index = (long) SIZE.getAcquire(this);
    if (index >= MAX_SIZE) {
      throw new IllegalStateException("the log is full (" + MAX_SIZE + " leaves)");
    }
    return index;
  }

  /** After leaf {@code index} is stored, stores every complete subtree it closes. */
  private void completeSubtrees(NodeHasher h, long index) {
    HashArray[] lv = levels;
    int k = 0;
    for (long i = index; (i & 1) != 0; i >>>= 1, k++) {
      if (k + 1 == lv.length) {
        HashArray[] grown = java.util.Arrays.copyOf(lv, lv.length + 1);
        grown[k + 1] = new HashArray();
        levels = grown;
        lv = grown;
      }
      long parent = i >>> 1;
      // The two children i-1 and i are adjacent in one chunk (i-1 is even, chunks are even-sized).
      h.pair(lv[k].chunk(i), HashArray.offset(i - 1),
          lv[k + 1].chunkForWrite(parent), HashArray.offset(parent));
    }
  }

  /** Returns the number of leaves. */
  @Override
  public long size() {
    return (long) SIZE.getAcquire(this);
  }

  /**
   * Returns the hash of leaf {@code index}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   */
  @Override
  public Digest leafHash(long index) {
    Objects.checkIndex(index, size());
    return Digest.of(levels[0].chunk(index), HashArray.offset(index));
  }

  /** Returns the root of the current tree ({@link Rfc9162#emptyRoot()} when empty). */
  public Digest root() {
    return root(size());
  }

  /**
   * Returns the root the log had when it held {@code size} leaves.
   *
   * @throws IllegalArgumentException unless {@code 0 <= size <= size()}
   */
  @Override
  public Digest root(long size) {
    long n = size();
    if (size < 0 || size > n) {
      throw new IllegalArgumentException("size " + size + " outside 0.." + n);
    }
    if (size == 0) {
      return Rfc9162.emptyRoot();
    }
    byte[] out = new byte[NodeHasher.HASH];
    rangeHash(levels, NodeHasher.local(), 0, size, out);
    return Digest.of(out);
  }

  /**
   * Returns the proof that leaf {@code index} is in the tree of {@code size} leaves (RFC 9162
   * section 2.1.3.1).
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < size <= size()}
   */
  @Override
  public InclusionProof inclusionProof(long index, long size) {
    long n = size();
    if (size < 1 || size > n || index < 0 || index >= size) {
      throw new IllegalArgumentException(
          "need 0 <= index < size <= " + n + ", got index " + index + " and size " + size);
    }
    return Subtrees.inclusionProof(source(), index, size);
  }

  /**
   * Returns the proof that the tree of {@code size1} leaves is a prefix of the tree of
   * {@code size2} leaves (RFC 9162 section 2.1.4.1); empty when the sizes are equal.
   *
   * @throws IllegalArgumentException unless {@code 1 <= size1 <= size2 <= size()} (every tree
   *     extends the empty tree, so there is nothing to prove for {@code size1 = 0})
   */
  @Override
  public ConsistencyProof consistencyProof(long size1, long size2) {
    long n = size();
    if (size1 < 1 || size1 > size2 || size2 > n) {
      throw new IllegalArgumentException(
          "need 1 <= size1 <= size2 <= " + n + ", got size1 " + size1 + " and size2 " + size2);
    }
    return Subtrees.consistencyProof(source(), size1, size2);
  }

  /** Complete subtrees straight from the stored levels (published before the size was read). */
  private Subtrees.Source source() {
    HashArray[] lv = levels;
    return (height, index) -> Digest.of(lv[height].chunk(index), HashArray.offset(index));
  }

  /**
   * MTH of leaves [start, start + len), len >= 1, where start is a multiple of the smallest power
   * of two >= len (true of every subtree in an RFC 9162 tree). The range is the complete
   * subtrees given by the set bits of len, largest first; they are folded right to left.
   */
  private static void rangeHash(HashArray[] lv, NodeHasher h, long start, long len, byte[] out) {
    int b = Long.numberOfTrailingZeros(len);
    long idx = (start + ((len >>> (b + 1)) << (b + 1))) >>> b;
    System.arraycopy(lv[b].chunk(idx), HashArray.offset(idx), out, 0, NodeHasher.HASH);
    for (long rest = len & (len - 1); rest != 0; rest &= rest - 1) {
      int c = Long.numberOfTrailingZeros(rest);
      long j = (start + ((len >>> (c + 1)) << (c + 1))) >>> c;
      h.node(lv[c].chunk(j), HashArray.offset(j), out, 0, out, 0);
    }
  }

  @Override
  public String toString() {
    return "MerkleLog[size=" + size() + "]";
  }
}
