package io.medledger.merkle;

import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The RFC 9162 root of a whole list of leaf inputs at once. Large lists are split at the same
 * power-of-two boundaries as the tree itself, so the subtrees are independent and hashed on all
 * cores with fork/join; the result always equals {@link MerkleLog#root()} over the same leaves.
 *
 * <p>Thread-safe: stateless. The leaf arrays must not change during a call.
 */
public final class BatchRoot {
  /** Below this many leaves a subtree is hashed sequentially on one thread. */
  static final int SEQUENTIAL_LEAVES = 1 << 12;
  /** Below this many leaves {@link #of(List)} does not go parallel at all. */
  static final int PARALLEL_MIN_LEAVES = 1 << 14;

  private BatchRoot() {}

  /**
   * Returns the root, in parallel on the common fork/join pool when the list is large and more
   * than one core is available, sequentially otherwise.
   */
  public static Digest of(List<byte[]> leaves) {
    if (leaves.size() >= PARALLEL_MIN_LEAVES && Runtime.getRuntime().availableProcessors() > 1) {
      return parallel(leaves);
    }
    return sequential(leaves);
  }

  /** Returns the root computed on the calling thread only. */
  public static Digest sequential(List<byte[]> leaves) {
    byte[][] data = snapshot(leaves);
    if (data.length == 0) {
      return Rfc9162.emptyRoot();
    }
    byte[] out = new byte[NodeHasher.HASH];
    rangeRoot(NodeHasher.local(), data, 0, data.length, out);
    return Digest.of(out);
  }

  /** Returns the root computed with fork/join tasks on the common pool and the calling thread. */
  public static Digest parallel(List<byte[]> leaves) {
    return parallel(leaves, ForkJoinPool.commonPool());
  }

  /**
   * Returns the root computed with fork/join tasks in {@code pool} (the calling thread also
   * works when it is not itself a pool worker).
   */
  public static Digest parallel(List<byte[]> leaves, ForkJoinPool pool) {
    Objects.requireNonNull(pool, "pool");
    byte[][] data = snapshot(leaves);
    if (data.length == 0) {
      return Rfc9162.emptyRoot();
    }
    Subtree task = new Subtree(data, 0, data.length);
    if (pool == ForkJoinPool.commonPool()) {
      task.invoke(); // runs the root on this thread; forked halves go to the common pool
    } else {
      pool.invoke(task);
    }
    return Digest.of(task.hash);
  }

  private static byte[][] snapshot(List<byte[]> leaves) {
    byte[][] data = leaves.toArray(new byte[0][]);
    for (byte[] d : data) {
      Objects.requireNonNull(d, "leaf");
    }
    return data;
  }

  /** MTH(data[from..to)) into out, on this thread. */
  static void rangeRoot(NodeHasher h, byte[][] data, int from, int to, byte[] out) {
    CompactRange r = new CompactRange();
    for (int i = from; i < to; i++) {
      r.appendLeaf(h, data[i]);
    }
    r.rootInto(h, out);
  }

  /** One subtree [from, to) of the tree; from is a multiple of the subtree's enclosing power of two. */
  private static final class Subtree extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final transient byte[][] data;
    private final int from;
    private final int to;
    final byte[] hash = new byte[NodeHasher.HASH];

    Subtree(byte[][] data, int from, int to) {
      this.data = data;
      this.from = from;
      this.to = to;
    }

    @Override
    protected void compute() {
      int n = to - from;
      if (n <= SEQUENTIAL_LEAVES) {
        rangeRoot(NodeHasher.local(), data, from, to, hash);
        return;
      }
      int k = Integer.highestOneBit(n - 1);
      Subtree left = new Subtree(data, from, from + k);
      Subtree right = new Subtree(data, from + k, to);
      left.fork();
      right.compute();
      left.join();
      NodeHasher.local().node(left.hash, 0, right.hash, 0, hash, 0);
    }
  }
}
