package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.merkle.MerkleBlock;
import io.medledger.merkle.PartialMerkleTree;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Proves that a transaction is in a block of the chain a {@link HeaderSource} vouches for, from a
 * {@link MerkleBranch} or from the matches of a {@code merkleblock}. The block's header must come
 * from the source (not from the proof), meet its proof of work, and carry the Merkle root the
 * proof folds to. Thread-safe if the header source is.
 */
public final class SpvVerifier {
  private final HeaderSource headers;
  private final BitcoinChainParams params;

  /** A verifier over {@code headers} for the network {@code params}. */
  public SpvVerifier(HeaderSource headers, BitcoinChainParams params) {
    this.headers = Objects.requireNonNull(headers, "headers");
    this.params = Objects.requireNonNull(params, "params");
  }

  /** Checks {@code branch} against the header the source has at {@code height}. */
  public TxInclusion verifyBranch(MerkleBranch branch, long height) {
    Optional<BitcoinBlockHeader> h = headers.headerAt(height);
    if (h.isEmpty()) {
      return new TxInclusion.NotProven(headers.missingReason(height));
    }
    return checkBranch(branch, height, h.get());
  }

  /** Checks {@code branch} against the header the source has for {@code blockHash} (internal order). */
  public TxInclusion verifyBranch(MerkleBranch branch, Digest blockHash) {
    Optional<HeaderSource.HeightAndHeader> h = headers.headerByHash(blockHash);
    if (h.isEmpty()) {
      return new TxInclusion.NotProven("block " + blockHash.reversed().toHex() + " is not in the header source");
    }
    return checkBranch(branch, h.get().height(), h.get().header());
  }

  private TxInclusion checkBranch(MerkleBranch branch, long height, BitcoinBlockHeader header) {
    if (!header.checkProofOfWork(params)) {
      return new TxInclusion.NotProven("header at height " + height + " fails proof of work");
    }
    if (!branch.leadsTo(header)) {
      return new TxInclusion.NotProven("the Merkle branch does not lead to the Merkle root of block " + header.hashHex());
    }
    return new TxInclusion.Proven(branch.txid(), height, header, confirmations(height));
  }

  /**
   * Checks that {@code txid} is among the matches of a parsed {@code merkleblock}, that the
   * partial tree folds to the header's Merkle root, and that the header is the source's.
   */
  public TxInclusion verifyMerkleBlock(Digest txid, MerkleBlockMatches matches) {
    BitcoinBlockHeader header = matches.header();
    if (!matches.matchedTxids().contains(txid)) {
      return new TxInclusion.NotProven("transaction " + txid.reversed().toHex() + " is not matched by the merkleblock");
    }
    if (!matches.computedRoot().equals(header.merkleRoot())) {
      return new TxInclusion.NotProven("the partial Merkle tree does not fold to the header's Merkle root");
    }
    Optional<HeaderSource.HeightAndHeader> known = headers.headerByHash(header.hash());
    if (known.isEmpty()) {
      return new TxInclusion.NotProven("block " + header.hashHex() + " is not in the header source");
    }
    if (!header.checkProofOfWork(params)) {
      return new TxInclusion.NotProven("header " + header.hashHex() + " fails proof of work");
    }
    long height = known.get().height();
    return new TxInclusion.Proven(txid, height, header, confirmations(height));
  }

  /**
   * Checks that {@code txid} is proven by a serialized {@code merkleblock} (what
   * {@code gettxoutproof} returns): the partial Merkle tree is traversed with Bitcoin Core's rules
   * ({@link PartialMerkleTree#extract()}), then checked as by
   * {@link #verifyMerkleBlock(Digest, MerkleBlockMatches)}.
   *
   * @throws MalformedEncodingException if the bytes are not a merkleblock
   */
  public TxInclusion verifyMerkleBlock(Digest txid, byte[] merkleblock) {
    MerkleBlock mb = MerkleBlock.parse(merkleblock);
    PartialMerkleTree.Result r = mb.tree().extract();
    if (r instanceof PartialMerkleTree.Rejected rej) {
      return new TxInclusion.NotProven("partial Merkle tree rejected: " + rej.reason());
    }
    PartialMerkleTree.Matched m = (PartialMerkleTree.Matched) r;
    MerkleBlockMatches matches = new MerkleBlockMatches(BitcoinBlockHeader.parse(mb.header()), m.root(),
        mb.tree().totalTransactions(), m.txids());
    return verifyMerkleBlock(txid, matches);
  }

  private long confirmations(long height) {
    OptionalLong best = headers.bestHeight();
    return best.isPresent() && best.getAsLong() >= height ? best.getAsLong() - height + 1 : 0;
  }
}
