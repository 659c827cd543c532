package io.medledger.chain;

import io.medledger.crypto.Digest;
import java.util.function.BiConsumer;

/**
 * Heads-tree nodes kept in memory by their own hash, so that updating the tree reads the nodes it
 * wrote in earlier blocks without going to the state store. A node is put only under the hash
 * computed from its bytes ({@link HeadsTree}'s write), and a parent names each child by that hash,
 * so a hit is the node itself whatever tree version asks: an abandoned deferred run, a reload or
 * a failed commit can leave entries that no tree names any more, never a wrong one.
 *
 * <p>It also keeps the stored pages of the tree's top levels (those starting above depth
 * {@link #PAGE_DEPTH}), by the hash of their top node: a page holds every node below its top for
 * {@value HeadsTree#PAGE_LEVELS} levels, so its top node's hash determines it, and every block
 * rewrites most of these pages, which an update would otherwise read back from the store.
 *
 * <p>Bounded: two generations of at most {@code generation} nodes each (about 200 bytes a node),
 * and two of at most {@link #PAGE_GENERATION} pages (at most 16.6 KB each); when the young one is
 * full it becomes the old one and the old one is dropped, and a hit in the old one moves the entry
 * back to the young one, so the levels near the root, visited by every block, stay ({@link
 * GenerationalMap}). Thread-safe.
 */
final class HeadsNodeCache {
  /** Nodes per generation by default: up to 65,536 nodes, about 13 MB, in all. */
  static final int DEFAULT_GENERATION = 1 << 15;

  /** Pages whose top is above this depth are kept: the 257 pages of the top two page levels. */
  static final int PAGE_DEPTH = 2 * HeadsTree.PAGE_LEVELS;
  /** Pages per generation: all the top pages fit in one, so at most about 10.6 MB in all. */
  static final int PAGE_GENERATION = 320;

  private final GenerationalMap<Digest, byte[]> nodes;
  private final GenerationalMap<Digest, byte[]> pages = new GenerationalMap<>(PAGE_GENERATION);

  HeadsNodeCache() {
    this(DEFAULT_GENERATION);
  }

  HeadsNodeCache(int generation) {
    if (generation < 1) {
      throw new IllegalArgumentException("a cache generation holds at least one node");
    }
    this.nodes = new GenerationalMap<>(generation);
  }

  /** The node whose hash is {@code hash}, or null when it is not held. */
  byte[] get(Digest hash) {
    return nodes.get(hash);
  }

  /** Holds {@code node}, which must hash to {@code hash}. */
  void put(Digest hash, byte[] node) {
    nodes.put(hash, node);
  }

  /** The stored page whose top node's hash is {@code top}, or null when it is not held. */
  byte[] page(Digest top) {
    return pages.get(top);
  }

  /** Holds {@code page}, a checked page whose top node hashes to {@code top}. */
  void putPage(Digest top, byte[] page) {
    pages.put(top, page);
  }

  /** Pages held, in both generations. */
  int pages() {
    return pages.size();
  }

  /** Calls {@code action} with every page held and its top node's hash (tests check each). */
  void forEachPage(BiConsumer<Digest, byte[]> action) {
    pages.forEach(action);
  }

  /** Nodes held, in both generations. */
  int size() {
    return nodes.size();
  }

  /** Calls {@code action} with every node held and its hash (tests check each against its bytes). */
  void forEach(BiConsumer<Digest, byte[]> action) {
    nodes.forEach(action);
  }
}
