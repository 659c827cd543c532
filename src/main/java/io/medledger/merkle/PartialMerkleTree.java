package io.medledger.merkle;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A BIP 37 partial Merkle tree as carried in a {@code merkleblock} message: the block's
 * transaction count, the hashes of the pruned subtrees and matched txids in depth-first order,
 * and one flag bit per visited node. Decoding only checks the encoding; {@link #extract()} walks
 * the tree with the rules of Bitcoin Core's {@code CPartialMerkleTree} and returns the matched
 * txids and the root they lead to, or the reason the tree is malformed. Hashes are in internal
 * byte order.
 *
 * <p>Immutable and thread-safe.
 */
public final class PartialMerkleTree {
  /**
   * The largest transaction count accepted: the maximum block size (1,000,000 bytes, or 4,000,000
   * weight units) divided by the smallest transaction size (60 bytes, or 240 weight units).
   */
  public static final long MAX_TRANSACTIONS = 1_000_000 / 60;

  private static final int H = NodeHasher.HASH;

  private final long totalTransactions;
  private final byte[] hashes;
  private final byte[] flags;

  private PartialMerkleTree(long totalTransactions, byte[] hashes, byte[] flags) {
    this.totalTransactions = totalTransactions;
    this.hashes = hashes;
    this.flags = flags;
  }

  /** Equal when the transaction counts, the hashes and the flag bytes are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PartialMerkleTree t && totalTransactions == t.totalTransactions
        && java.util.Arrays.equals(hashes, t.hashes) && java.util.Arrays.equals(flags, t.flags);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(totalTransactions, java.util.Arrays.hashCode(hashes), java.util.Arrays.hashCode(flags));
  }

  /**
   * Decodes the serialized tree (uint32 transaction count, compact-size count and hashes,
   * compact-size count and flag bytes), with nothing after it.
   *
   * @throws MalformedEncodingException if the bytes are truncated, a count is non-canonical or
   *     larger than the bytes that follow, or bytes are left over
   */
  public static PartialMerkleTree decode(byte[] bytes) {
    WireReader r = new WireReader(bytes);
    PartialMerkleTree t = read(r);
    r.expectEnd("partial Merkle tree");
    return t;
  }

  static PartialMerkleTree read(WireReader r) {
    long total = r.uint32("transaction count");
    long hashCount = r.compactSize("hashes");
    if (hashCount > r.remaining() / H) {
      throw new MalformedEncodingException("hash count " + hashCount + " exceeds the " + r.remaining() + " bytes left");
    }
    byte[] hashes = r.bytes((int) hashCount * H, "hashes");
    long flagCount = r.compactSize("flag bytes");
    if (flagCount > r.remaining()) {
      throw new MalformedEncodingException("flag byte count " + flagCount + " exceeds the " + r.remaining() + " bytes left");
    }
    byte[] flags = r.bytes((int) flagCount, "flag bytes");
    return new PartialMerkleTree(total, hashes, flags);
  }

  /** The tree of a block with transactions {@code txids} matching only the one at {@code index}. */
  static PartialMerkleTree matching(List<Digest> txids, int index) {
    java.io.ByteArrayOutputStream hs = new java.io.ByteArrayOutputStream();
    List<Boolean> bits = new ArrayList<>();
    int height = 0;
    while (((txids.size() + (1L << height) - 1) >>> height) > 1) {
      height++;
    }
    build(txids, height, 0, index, hs, bits);
    byte[] flags = new byte[(bits.size() + 7) / 8];
    for (int i = 0; i < bits.size(); i++) {
      if (bits.get(i)) {
        flags[i / 8] |= (byte) (1 << (i % 8));
      }
    }
    return new PartialMerkleTree(txids.size(), hs.toByteArray(), flags);
  }

  private static void build(List<Digest> txids, int height, long pos, int index, java.io.ByteArrayOutputStream hashes,
      List<Boolean> bits) {
    boolean parentOfMatch = (index >>> height) == pos;
    bits.add(parentOfMatch);
    if (height == 0 || !parentOfMatch) {
      hashes.writeBytes(subtree(txids, height, pos).toByteArray());
      return;
    }
    build(txids, height - 1, pos * 2, index, hashes, bits);
    if (pos * 2 + 1 < (txids.size() + (1L << (height - 1)) - 1) >>> (height - 1)) {
      build(txids, height - 1, pos * 2 + 1, index, hashes, bits);
    }
  }

  /** The hash of the subtree at {@code height} and {@code pos} (the last node doubled when alone). */
  private static Digest subtree(List<Digest> txids, int height, long pos) {
    if (height == 0) {
      return txids.get((int) pos);
    }
    Digest left = subtree(txids, height - 1, pos * 2);
    long below = (txids.size() + (1L << (height - 1)) - 1) >>> (height - 1);
    Digest right = pos * 2 + 1 < below ? subtree(txids, height - 1, pos * 2 + 1) : left;
    return BitcoinMerkle.nodeHash(left, right);
  }

  /** The serialized tree: uint32 count, compact-size count and hashes, compact-size count and flag bytes. */
  byte[] encode() {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 4; i++) {
      o.write((int) (totalTransactions >>> (8 * i)));
    }
    compactSize(o, hashes.length / H);
    o.writeBytes(hashes);
    compactSize(o, flags.length);
    o.writeBytes(flags);
    return o.toByteArray();
  }

  private static void compactSize(java.io.ByteArrayOutputStream o, long n) {
    if (n < 0xfd) {
      o.write((int) n);
    } else if (n <= 0xffff) {
      o.write(0xfd);
      o.write((int) n);
      o.write((int) (n >>> 8));
    } else {
      o.write(0xfe);
      for (int i = 0; i < 4; i++) {
        o.write((int) (n >>> (8 * i)));
      }
    }
  }

  /** Returns the number of transactions in the block, as claimed. */
  public long totalTransactions() {
    return totalTransactions;
  }

  /** Returns the hashes in the order given. */
  public List<Digest> hashes() {
    List<Digest> out = new ArrayList<>(hashes.length / H);
    for (int off = 0; off < hashes.length; off += H) {
      out.add(Digest.of(hashes, off));
    }
    return out;
  }

  /** Returns a copy of the flag bytes (bit i of the flags is bit i % 8 of byte i / 8). */
  public byte[] flagBytes() {
    return flags.clone();
  }

  /**
   * Walks the tree: returns the matched txids with their positions and the computed root, or
   * the first rule the tree breaks. The root is not compared with any header here; see
   * {@link MerkleBlock#verify()}.
   */
  public Result extract() {
    if (totalTransactions == 0) {
      return new Rejected(Reason.NO_TRANSACTIONS);
    }
    if (totalTransactions > MAX_TRANSACTIONS) {
      return new Rejected(Reason.TOO_MANY_TRANSACTIONS);
    }
    int hashCount = hashes.length / H;
    if (hashCount > totalTransactions) {
      return new Rejected(Reason.TOO_MANY_HASHES);
    }
    long bitCount = flags.length * 8L;
    if (bitCount < hashCount) {
      return new Rejected(Reason.TOO_FEW_FLAG_BITS);
    }
    int height = 0;
    while (width(height) > 1) {
      height++;
    }
    Walk w = new Walk();
    byte[] root = w.visit(height, 0);
    if (w.failure != null) {
      return new Rejected(w.failure);
    }
    // All bits must be used, apart from the zero padding of the last byte.
    if ((w.bitsUsed + 7) / 8 != flags.length) {
      return new Rejected(Reason.UNUSED_FLAG_BITS);
    }
    if (w.hashesUsed != hashCount) {
      return new Rejected(Reason.UNUSED_HASHES);
    }
    return new Matched(Digest.of(root), w.matches);
  }

  /** Number of nodes at {@code height} (0 = transactions). */
  private long width(int height) {
    return (totalTransactions + (1L << height) - 1) >>> height;
  }

  /** Depth-first traversal state. */
  private final class Walk {
    final MessageDigest md = NodeHasher.local().md;
    final byte[] tmp = new byte[H];
    final List<Match> matches = new ArrayList<>();
    long bitsUsed;
    int hashesUsed;
    Reason failure;

    /** Returns the node hash, or null after recording a failure. */
    byte[] visit(int height, long pos) {
      if (bitsUsed >= flags.length * 8L) {
        failure = Reason.FLAG_BITS_EXHAUSTED;
        return null;
      }
      boolean parentOfMatch = (flags[(int) (bitsUsed >>> 3)] >>> (bitsUsed & 7) & 1) != 0;
      bitsUsed++;
      if (height == 0 || !parentOfMatch) {
        if (hashesUsed >= hashes.length / H) {
          failure = Reason.HASHES_EXHAUSTED;
          return null;
        }
        int off = hashesUsed++ * H;
        byte[] hash = Arrays.copyOfRange(hashes, off, off + H);
        if (height == 0 && parentOfMatch) {
          matches.add(new Match(pos, Digest.of(hash)));
        }
        return hash;
      }
      byte[] left = visit(height - 1, pos * 2);
      if (left == null) {
        return null;
      }
      byte[] right = left;
      if (pos * 2 + 1 < width(height - 1)) {
        right = visit(height - 1, pos * 2 + 1);
        if (right == null) {
          return null;
        }
        if (Arrays.equals(left, right)) {
          // Two subtrees over different transactions cannot have equal hashes (CVE-2012-2459).
          failure = Reason.DUPLICATE_SUBTREE;
          return null;
        }
      }
      byte[] out = new byte[H];
      BitcoinMerkle.doubleHash(md, left, 0, right, 0, tmp, out, 0);
      return out;
    }
  }

  @Override
  public String toString() {
    return "PartialMerkleTree[transactions=" + totalTransactions + ", hashes=" + hashes.length / H
        + ", flagBytes=" + flags.length + "]";
  }

  /** The outcome of {@link #extract()} or {@link MerkleBlock#verify()}. */
  public sealed interface Result permits Matched, Rejected {}

  /**
   * A well-formed tree: the root it leads to and the matched transactions in block order.
   * From {@link MerkleBlock#verify()}, the root also equals the header's Merkle root.
   */
  public record Matched(Digest root, List<Match> matches) implements Result {
    /** Copies the list. */
    public Matched {
      Objects.requireNonNull(root, "root");
      matches = List.copyOf(matches);
    }

    /** Returns the matched txids in block order. */
    public List<Digest> txids() {
      return matches.stream().map(Match::txid).toList();
    }
  }

  /** A tree that breaks a rule; nothing in it may be trusted. */
  public record Rejected(Reason reason) implements Result {
    /** Checks the reason is present. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** One matched transaction: its position in the block and its txid (internal byte order). */
  public record Match(long index, Digest txid) {
    /** Checks the txid is present. */
    public Match {
      Objects.requireNonNull(txid, "txid");
    }
  }

  /** Why a partial Merkle tree or merkleblock was rejected. */
  public enum Reason {
    /** The transaction count is 0. */
    NO_TRANSACTIONS,
    /** The transaction count exceeds {@link #MAX_TRANSACTIONS}. */
    TOO_MANY_TRANSACTIONS,
    /** More hashes than transactions. */
    TOO_MANY_HASHES,
    /** Fewer flag bits than hashes. */
    TOO_FEW_FLAG_BITS,
    /** The traversal needed more flag bits than given. */
    FLAG_BITS_EXHAUSTED,
    /** The traversal needed more hashes than given. */
    HASHES_EXHAUSTED,
    /** A right subtree equals its left sibling: the CVE-2012-2459 duplication. */
    DUPLICATE_SUBTREE,
    /** Flag bytes left over after the traversal (beyond the padding of the last byte). */
    UNUSED_FLAG_BITS,
    /** Hashes left over after the traversal. */
    UNUSED_HASHES,
    /** The computed root is not the header's Merkle root. */
    ROOT_MISMATCH
  }
}
