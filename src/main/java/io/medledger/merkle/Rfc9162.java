package io.medledger.merkle;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;

/**
 * RFC 9162 section 2.1 hashing with SHA-256: leaf hash {@code SHA-256(0x00 || data)}, node hash
 * {@code SHA-256(0x01 || left || right)}, empty tree hash {@code SHA-256("")}, and the Merkle
 * Tree Hash (MTH) of a list.
 *
 * <p>Thread-safe: stateless (each thread hashes with its own digest instance).
 */
public final class Rfc9162 {
  /** The domain-separation prefix of a leaf hash. */
  public static final byte LEAF_PREFIX = NodeHasher.LEAF_PREFIX;
  /** The domain-separation prefix of an interior node hash. */
  public static final byte NODE_PREFIX = NodeHasher.NODE_PREFIX;

  private static final Digest EMPTY = Sha256.hash(new byte[0]);

  private Rfc9162() {}

  /** Returns the leaf hash {@code SHA-256(0x00 || data)}. */
  public static Digest leafHash(byte[] data) {
    Objects.requireNonNull(data, "data");
    return leafHash(data, 0, data.length);
  }

  /** Returns the leaf hash of {@code len} bytes of {@code data} starting at {@code off}. */
  public static Digest leafHash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    byte[] out = new byte[NodeHasher.HASH];
    NodeHasher.local().leaf(data, off, len, out, 0);
    return Digest.of(out);
  }

  /** Returns the node hash {@code SHA-256(0x01 || left || right)}. */
  public static Digest nodeHash(Digest left, Digest right) {
    return Sha256.hashPrefixed(NODE_PREFIX, left, right);
  }

  /**
   * Returns {@code SHA-256(0x01 || left || right)} over arbitrary byte strings. The tree only
   * ever hashes 32-byte children; this form exists for the RFC's definition over any strings.
   */
  public static Digest nodeHash(byte[] left, byte[] right) {
    MessageDigest md = NodeHasher.local().md;
    md.update(NODE_PREFIX);
    md.update(left);
    md.update(right);
    return Digest.of(md.digest());
  }

  /** Returns the hash of the empty tree, {@code SHA-256("")}. */
  public static Digest emptyRoot() {
    return EMPTY;
  }

  /** Returns the Merkle Tree Hash of a list of leaf hashes, computed sequentially. */
  public static Digest rootOfLeafHashes(List<Digest> leafHashes) {
    if (leafHashes.size() == 1) {
      return Objects.requireNonNull(leafHashes.get(0), "leaf hash");
    }
    CompactRange range = CompactRange.forLeaves(leafHashes.size());
    for (Digest d : leafHashes) {
      range.appendLeafHash(d);
    }
    return range.root();
  }

  /**
   * Returns the Merkle Tree Hash of a list of leaf inputs (each is leaf-hashed first), on all
   * cores for large lists; see {@link BatchRoot#of(List)}.
   */
  public static Digest rootOfLeaves(List<byte[]> leaves) {
    return BatchRoot.of(leaves);
  }
}
