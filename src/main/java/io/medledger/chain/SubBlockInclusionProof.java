package io.medledger.chain;

import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import io.medledger.merkle.InclusionProof;

/**
 * Proof that a sub-block is one of the (key, sub-block hash) pairs a block commits to: an RFC 9162
 * inclusion proof against the header's {@code subBlocksRoot}.
 *
 * <p>What {@link #verify} binds is the sub-block's membership. The proof's tree size (the number of
 * sub-blocks) is the prover's claim: the header does not carry that number, and an RFC 9162 path
 * can verify under more than one size (leaf 0 of 5 and of 7 take the same path), so do not read
 * the block's sub-block count, or the key's position among them, from a proof.
 *
 * <p>Immutable and thread-safe.
 *
 * @param subBlock the sub-block header
 * @param proof the inclusion proof (leaf index = position of the key among the block's sorted keys)
 */
public record SubBlockInclusionProof(SubBlockHeader subBlock, InclusionProof proof) {
  /** Checks for nulls. */
  public SubBlockInclusionProof {
    Checks.notNull(subBlock, "subBlock");
    Checks.notNull(proof, "proof");
  }

  /** Whether the proof holds for {@code header}; false on any mismatch. */
  public boolean verify(BlockHeader header) {
    return header.height() == subBlock.height()
        && proof.verify(BlockProcessor.subBlockLeaf(subBlock.key(), subBlock.hash()), header.subBlocksRoot());
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** Parses the JSON view. @throws io.medledger.codec.MalformedEncodingException if malformed */
  public static SubBlockInclusionProof fromJson(String json) {
    return Codecs.fromJson(json, 65536, "sub-block inclusion proof", SubBlockInclusionProof::read);
  }

  void write(FieldWriter w) {
    w.object("subBlock", subBlock::write);
    w.object("proof", pw -> ProofCodec.write(proof, pw));
  }

  static SubBlockInclusionProof read(FieldReader r) {
    SubBlockHeader s = r.object("subBlock", SubBlockHeader::read);
    InclusionProof p = r.object("proof", ProofCodec::readInclusion);
    return new SubBlockInclusionProof(s, p);
  }
}
