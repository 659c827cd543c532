package io.medledger.chain;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.internal.consensus.StatementBytes;
import java.util.List;
import java.util.Optional;

/** {@link EvidencePolicy#strict()}: offences provable from two signed consensus statements. Stateless. */
final class StrictEvidence {
  private static final List<String> KINDS = List.of("proposal", "prevote", "precommit", "timeout");

  private StrictEvidence() {}

  static Optional<EvidencePolicy.Offence> offence(Digest chainId, ByteString first, ByteString second) {
    Optional<StatementBytes.Parsed> pa = StatementBytes.parse(first.toByteArray(), chainId);
    Optional<StatementBytes.Parsed> pb = StatementBytes.parse(second.toByteArray(), chainId);
    if (pa.isEmpty() || pb.isEmpty()) {
      return Optional.empty();
    }
    StatementBytes.Parsed a = pa.get();
    StatementBytes.Parsed b = pb.get();
    if (a.height() != b.height() || a.hash().equals(b.hash())) {
      return Optional.empty();
    }
    if (a.kind() == b.kind() && a.round() == b.round()) {
      return Optional.of(new EvidencePolicy.Offence(a.height(), a.kind() == StatementBytes.PROPOSAL,
          "equivocation: two " + KINDS.get(a.kind() - 1) + "s for different blocks at height " + a.height()
              + " round " + a.round()));
    }
    return Optional.empty();
  }
}
