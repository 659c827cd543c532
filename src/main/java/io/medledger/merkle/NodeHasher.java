package io.medledger.merkle;

import io.medledger.crypto.Sha256;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Allocation-free RFC 9162 hashing into caller-supplied arrays, on one JDK SHA-256 instance per
 * thread. Package-private: the public entry points are {@link Rfc9162}, {@link MerkleLog},
 * {@link CompactRange}, {@link BatchRoot} and {@link MerkleVerifier}.
 */
final class NodeHasher {
  static final byte LEAF_PREFIX = 0x00;
  static final byte NODE_PREFIX = 0x01;
  static final int HASH = 32;

  private static final ThreadLocal<MessageDigest> LOCAL = ThreadLocal.withInitial(Sha256::newMessageDigest);

  private NodeHasher() {}

  /** This thread's SHA-256 instance, in its initial state. */
  static MessageDigest local() {
    MessageDigest md = LOCAL.get();
    md.reset();
    return md;
  }

  /** out[outOff..+32] = SHA-256(0x00 || data[off..off+len]). */
  static void leaf(MessageDigest md, byte[] data, int off, int len, byte[] out, int outOff) {
    md.update(LEAF_PREFIX);
    md.update(data, off, len);
    finish(md, out, outOff);
  }

  /** out[outOff..+32] = SHA-256(0x01 || l[lOff..+32] || r[rOff..+32]); out may alias l or r. */
  static void node(MessageDigest md, byte[] l, int lOff, byte[] r, int rOff, byte[] out, int outOff) {
    md.update(NODE_PREFIX);
    md.update(l, lOff, HASH);
    md.update(r, rOff, HASH);
    finish(md, out, outOff);
  }

  /** out[outOff..+32] = SHA-256(0x01 || pair[off..off+64]): two adjacent children. */
  static void pair(MessageDigest md, byte[] pair, int off, byte[] out, int outOff) {
    md.update(NODE_PREFIX);
    md.update(pair, off, 2 * HASH);
    finish(md, out, outOff);
  }

  /** Writes the digest into out at outOff (32 bytes) and resets {@code md}. */
  static void finish(MessageDigest md, byte[] out, int outOff) {
    try {
      md.digest(out, outOff, HASH);
    } catch (DigestException e) {
      // Only possible when fewer than 32 bytes remain in out, which callers never allow.
      throw new IllegalStateException(e);
    }
  }
}
