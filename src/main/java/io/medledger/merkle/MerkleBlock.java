package io.medledger.merkle;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;

/**
 * A BIP 37 {@code merkleblock} message (also the output of Bitcoin Core's
 * {@code gettxoutproof}): an 80-byte block header followed by a {@link PartialMerkleTree}. Parsing
 * checks the encoding only; {@link #verify()} checks the tree and that it leads to the header's
 * Merkle root. The header's proof of work is not checked here.
 *
 * <p>Immutable and thread-safe.
 */
public final class MerkleBlock {
  /** Length of a serialized block header. */
  public static final int HEADER_LENGTH = 80;

  private final byte[] header;
  private final PartialMerkleTree tree;

  private MerkleBlock(byte[] header, PartialMerkleTree tree) {
    this.header = header;
    this.tree = tree;
  }

  /** Equal when the headers are equal byte for byte and the trees are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof MerkleBlock m && java.util.Arrays.equals(header, m.header) && tree.equals(m.tree);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(header) + tree.hashCode();
  }

  /**
   * Parses a whole {@code merkleblock} payload.
   *
   * @throws MalformedEncodingException if it is truncated, has a non-canonical or oversized
   *     count, or has bytes left over
   */
  public static MerkleBlock parse(byte[] message) {
    WireReader r = new WireReader(message);
    byte[] header = r.bytes(HEADER_LENGTH, "block header");
    PartialMerkleTree tree = PartialMerkleTree.read(r);
    r.expectEnd("merkleblock");
    return new MerkleBlock(header, tree);
  }

  /**
   * The {@code merkleblock} that Bitcoin Core's {@code gettxoutproof} gives for the transaction at
   * {@code index} of a block with header {@code header} and transactions {@code txids} (in block
   * order): the hashes and flag bits of the BIP 37 depth-first walk matching that one transaction.
   *
   * @throws IllegalArgumentException if the header is not 80 bytes, the list is empty or too
   *     long, or the index is out of range
   */
  public static MerkleBlock of(byte[] header, java.util.List<Digest> txids, int index) {
    if (header.length != HEADER_LENGTH || txids.isEmpty() || txids.size() > PartialMerkleTree.MAX_TRANSACTIONS
        || index < 0 || index >= txids.size()) {
      throw new IllegalArgumentException("need an 80-byte header, 1.." + PartialMerkleTree.MAX_TRANSACTIONS
          + " txids and an index among them");
    }
    return new MerkleBlock(header.clone(), PartialMerkleTree.matching(txids, index));
  }

  /** The {@code merkleblock} payload: the header and the encoded tree ({@link #parse} reads it back). */
  public byte[] encode() {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    o.writeBytes(header);
    o.writeBytes(tree.encode());
    return o.toByteArray();
  }

  /** Returns a copy of the 80-byte header. */
  public byte[] header() {
    return header.clone();
  }

  /** Returns the block hash, {@code SHA256d(header)}, in internal byte order. */
  public Digest blockHash() {
    return Sha256.doubleHash(header);
  }

  /** Returns the Merkle root field of the header, in internal byte order. */
  public Digest headerMerkleRoot() {
    return Digest.of(header, 36);
  }

  /** Returns the partial Merkle tree. */
  public PartialMerkleTree tree() {
    return tree;
  }

  /**
   * Checks the partial tree ({@link PartialMerkleTree#extract()}) and that its root is the
   * header's Merkle root ({@link PartialMerkleTree.Reason#ROOT_MISMATCH} otherwise). Only a
   * {@link PartialMerkleTree.Matched} result proves its transactions are in this block.
   */
  public PartialMerkleTree.Result verify() {
    PartialMerkleTree.Result r = tree.extract();
    if (r instanceof PartialMerkleTree.Matched m && !m.root().equals(headerMerkleRoot())) {
      return new PartialMerkleTree.Rejected(PartialMerkleTree.Reason.ROOT_MISMATCH);
    }
    return r;
  }

  @Override
  public String toString() {
    return "MerkleBlock[" + blockHash().reversed().toHex() + ", " + tree + "]";
  }
}
