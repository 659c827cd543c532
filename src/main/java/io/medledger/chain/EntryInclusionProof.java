package io.medledger.chain;

import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import io.medledger.merkle.InclusionProof;

/**
 * Proof that an entry is at position {@code index} of the block at {@code height}: an RFC 9162
 * inclusion proof against that header's {@code entriesRoot}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param entry the entry
 * @param height the block height
 * @param proof the inclusion proof (leaf index = position in the block)
 */
public record EntryInclusionProof(Entry entry, long height, InclusionProof proof) {
  /** Checks for nulls. */
  public EntryInclusionProof {
    Checks.notNull(entry, "entry");
    Checks.notNull(proof, "proof");
  }

  /** Whether the proof holds for {@code header}; false on any mismatch. */
  public boolean verify(BlockHeader header) {
    return header.height() == height && proof.treeSize() == header.entryCount()
        && proof.verify(entry.leafHash(), header.entriesRoot());
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** Parses the JSON view. @throws io.medledger.codec.MalformedEncodingException if malformed */
  public static EntryInclusionProof fromJson(String json) {
    return Codecs.fromJson(json, 4 * Limits.MAX_ENTRY_BYTES, "entry inclusion proof", EntryInclusionProof::read);
  }

  void write(FieldWriter w) {
    w.object("entry", ew -> EntryCodec.write(entry, ew));
    w.i64("height", height);
    w.object("proof", pw -> ProofCodec.write(proof, pw));
  }

  static EntryInclusionProof read(FieldReader r) {
    Entry e = r.object("entry", EntryCodec::read);
    long h = r.i64("height");
    InclusionProof p = r.object("proof", ProofCodec::readInclusion);
    return new EntryInclusionProof(e, h, p);
  }
}
