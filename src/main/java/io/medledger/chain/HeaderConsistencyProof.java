package io.medledger.chain;

import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.Rfc9162;

/**
 * Proof that the ledger-wide log of an older header is a prefix of the log of a newer one (the
 * newer header extends the history the older one committed to, nothing rewritten).
 *
 * <p>Immutable and thread-safe.
 *
 * @param olderHeight the older header's height
 * @param newerHeight the newer header's height
 * @param proof the RFC 9162 consistency proof between their ledger sizes
 */
public record HeaderConsistencyProof(long olderHeight, long newerHeight, ConsistencyProof proof) {
  /** Checks the heights. */
  public HeaderConsistencyProof {
    Checks.notNull(proof, "proof");
    if (olderHeight < 0 || newerHeight < olderHeight) {
      throw new IllegalArgumentException("heights must satisfy 0 <= older <= newer");
    }
  }

  /** Whether the proof holds for these two headers; false on any mismatch. */
  public boolean verify(BlockHeader older, BlockHeader newer) {
    if (older.height() != olderHeight || newer.height() != newerHeight
        || !older.chainId().equals(newer.chainId())
        || proof.size1() != older.ledgerSize() || proof.size2() != newer.ledgerSize()) {
      return false;
    }
    if (older.ledgerSize() == 0) {
      return proof.path().isEmpty() && older.ledgerRoot().equals(Rfc9162.emptyRoot());
    }
    return proof.verify(older.ledgerRoot(), newer.ledgerRoot());
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** Parses the JSON view. @throws io.medledger.codec.MalformedEncodingException if malformed */
  public static HeaderConsistencyProof fromJson(String json) {
    return Codecs.fromJson(json, 65536, "consistency proof", HeaderConsistencyProof::read);
  }

  void write(FieldWriter w) {
    w.i64("olderHeight", olderHeight);
    w.i64("newerHeight", newerHeight);
    w.object("proof", pw -> ProofCodec.write(proof, pw));
  }

  static HeaderConsistencyProof read(FieldReader r) {
    long a = r.i64("olderHeight");
    long b = r.i64("newerHeight");
    ConsistencyProof p = r.object("proof", ProofCodec::readConsistency);
    return Codecs.guard("consistency proof", () -> new HeaderConsistencyProof(a, b, p));
  }
}
