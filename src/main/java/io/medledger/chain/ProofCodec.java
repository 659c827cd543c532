package io.medledger.chain;

import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.InclusionProof;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;

/** Field descriptions of the merkle package's proof values. */
final class ProofCodec {
  private ProofCodec() {}

  static void write(InclusionProof p, FieldWriter w) {
    w.i64("leafIndex", p.leafIndex());
    w.i64("treeSize", p.treeSize());
    w.digestList("path", p.path());
  }

  static InclusionProof readInclusion(FieldReader r) {
    return new InclusionProof(r.i64("leafIndex"), r.i64("treeSize"), r.digestList("path", 64));
  }

  static void write(ConsistencyProof p, FieldWriter w) {
    w.i64("size1", p.size1());
    w.i64("size2", p.size2());
    w.digestList("path", p.path());
  }

  static ConsistencyProof readConsistency(FieldReader r) {
    return new ConsistencyProof(r.i64("size1"), r.i64("size2"), r.digestList("path", 128));
  }
}
