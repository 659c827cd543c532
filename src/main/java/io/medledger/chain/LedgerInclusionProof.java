package io.medledger.chain;

import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import io.medledger.merkle.InclusionProof;

/**
 * Proof that an entry is leaf {@code proof.leafIndex()} of the ledger-wide log, against any
 * header whose {@code ledgerSize} equals {@code proof.treeSize()} (the header the proof was made
 * for, at or after the entry's block).
 *
 * <p>Immutable and thread-safe.
 *
 * @param entry the entry
 * @param proof the RFC 9162 inclusion proof in the ledger-wide log
 */
public record LedgerInclusionProof(Entry entry, InclusionProof proof) {
  /** Checks for nulls. */
  public LedgerInclusionProof {
    Checks.notNull(entry, "entry");
    Checks.notNull(proof, "proof");
  }

  /** Whether the proof holds for {@code header}; false on any mismatch. */
  public boolean verify(BlockHeader header) {
    return proof.treeSize() == header.ledgerSize() && proof.verify(entry.leafHash(), header.ledgerRoot());
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** Parses the JSON view. @throws io.medledger.codec.MalformedEncodingException if malformed */
  public static LedgerInclusionProof fromJson(String json) {
    return Codecs.fromJson(json, 4 * Limits.MAX_ENTRY_BYTES, "ledger inclusion proof", LedgerInclusionProof::read);
  }

  void write(FieldWriter w) {
    w.object("entry", ew -> EntryCodec.write(entry, ew));
    w.object("proof", pw -> ProofCodec.write(proof, pw));
  }

  static LedgerInclusionProof read(FieldReader r) {
    Entry e = r.object("entry", EntryCodec::read);
    InclusionProof p = r.object("proof", ProofCodec::readInclusion);
    return new LedgerInclusionProof(e, p);
  }
}
