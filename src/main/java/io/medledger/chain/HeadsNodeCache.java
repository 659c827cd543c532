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
 * <p>Bounded: two generations of at most {@code generation} nodes each (about 200 bytes a node);
 * when the young one is full it becomes the old one and the old one is dropped, and a hit in the
 * old one moves the entry back to the young one, so the nodes visited by many blocks stay ({@link
 * GenerationalMap}). Thread-safe.
 */
final class HeadsNodeCache {
  /** Nodes per generation by default: up to 65,536 nodes, about 13 MB, in all. */
  static final int DEFAULT_GENERATION = 1 << 15;

  private final GenerationalMap<Digest, byte[]> nodes;

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

  /** Nodes held, in both generations. */
  int size() {
    return nodes.size();
  }

  /** Calls {@code action} with every node held and its hash (tests check each against its bytes). */
  void forEach(BiConsumer<Digest, byte[]> action) {
    nodes.forEach(action);
  }
}
