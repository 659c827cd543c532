package io.medledger.merkle;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Allocation-free RFC 9162 hashing into caller-supplied arrays: a JDK SHA-256 instance plus a
 * scratch buffer in which the prefix and both children are laid out so that each hash is a single
 * {@code update} call. Not thread-safe: one instance per thread ({@link #local()}) or per writer.
 * Package-private: the public entry points are {@link Rfc9162}, {@link MerkleLog},
 * {@link CompactRange}, {@link BatchRoot} and {@link MerkleVerifier}.
 */
final class NodeHasher {
  static final byte LEAF_PREFIX = 0x00;
  static final byte NODE_PREFIX = 0x01;
  static final int HASH = 32;
  /** Leaves up to this length are copied next to their prefix; longer ones are fed in two parts. */
  private static final int SCRATCH_LEAF = 127;

  private static final ThreadLocal<NodeHasher> LOCAL = ThreadLocal.withInitial(NodeHasher::new);

  final MessageDigest md = Sha256.newMessageDigest();
  private final byte[] scratch = new byte[1 + SCRATCH_LEAF];

  /** This thread's instance. */
  static NodeHasher local() {
    return LOCAL.get();
  }

  /** out[outOff..+32] = SHA-256(0x00 || data[off..off+len]). */
  void leaf(byte[] data, int off, int len, byte[] out, int outOff) {
    if (len <= SCRATCH_LEAF) {
      scratch[0] = LEAF_PREFIX;
      System.arraycopy(data, off, scratch, 1, len);
      md.update(scratch, 0, 1 + len);
    } else {
      md.update(LEAF_PREFIX);
      md.update(data, off, len);
    }
    finish(out, outOff);
  }

  /** out[outOff..+32] = SHA-256(0x01 || l[lOff..+32] || r[rOff..+32]); out may alias l or r. */
  void node(byte[] l, int lOff, byte[] r, int rOff, byte[] out, int outOff) {
    scratch[0] = NODE_PREFIX;
    System.arraycopy(l, lOff, scratch, 1, HASH);
    System.arraycopy(r, rOff, scratch, 1 + HASH, HASH);
    md.update(scratch, 0, 1 + 2 * HASH);
    finish(out, outOff);
  }

  /** out[outOff..+32] = SHA-256(0x01 || pair[off..off+64]): two adjacent children. */
  void pair(byte[] pair, int off, byte[] out, int outOff) {
    scratch[0] = NODE_PREFIX;
    System.arraycopy(pair, off, scratch, 1, 2 * HASH);
    md.update(scratch, 0, 1 + 2 * HASH);
    finish(out, outOff);
  }

  /** acc = SHA-256(0x01 || left || acc). */
  void leftSibling(Digest left, byte[] acc) {
    scratch[0] = NODE_PREFIX;
    left.copyTo(scratch, 1);
    System.arraycopy(acc, 0, scratch, 1 + HASH, HASH);
    md.update(scratch, 0, 1 + 2 * HASH);
    finish(acc, 0);
  }

  /** acc = SHA-256(0x01 || acc || right). */
  void rightSibling(byte[] acc, Digest right) {
    scratch[0] = NODE_PREFIX;
    System.arraycopy(acc, 0, scratch, 1, HASH);
    right.copyTo(scratch, 1 + HASH);
    md.update(scratch, 0, 1 + 2 * HASH);
    finish(acc, 0);
  }

  /** Writes the digest into out at outOff (32 bytes) and resets the digest. */
  void finish(byte[] out, int outOff) {
    finish(md, out, outOff);
  }

  /** Writes the digest of {@code md} into out at outOff (32 bytes) and resets it. */
  static void finish(MessageDigest md, byte[] out, int outOff) {
    try {
      md.digest(out, outOff, HASH);
    } catch (DigestException e) {
      // Only possible when fewer than 32 bytes remain in out, which callers never allow.
      throw new IllegalStateException(e);
    }
  }
}
