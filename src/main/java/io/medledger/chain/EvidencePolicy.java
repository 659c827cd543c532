package io.medledger.chain;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides what two messages signed by one server prove against it. The only rule shipped is
 * {@link #strict()}, the consensus protocols' own; every ledger uses it unless configured
 * otherwise through {@link ChainParameters#withEvidencePolicy}.
 *
 * <p>Implementations must be thread-safe and deterministic.
 */
@FunctionalInterface
public interface EvidencePolicy {
  /**
   * The offence that {@code first} and {@code second} (already known to differ and to be signed
   * by the accused) prove on chain {@code chainId}, or empty when they prove none.
   */
  Optional<Offence> offence(Digest chainId, ByteString first, ByteString second);

  /**
   * A proven offence.
   *
   * @param height the consensus height the two messages are about; the accused must have been a
   *     server in the membership that ordered that height
   * @param asProposer whether the accused signed them as a proposer (bookkeeper) rather than as a
   *     voter; a proposer must have been a federation server at that height
   * @param description what was proven, for people
   */
  record Offence(long height, boolean asProposer, String description) {
    /** Validates the fields. */
    public Offence {
      if (height < 1) {
        throw new IllegalArgumentException("an offence concerns a height of at least 1");
      }
      Objects.requireNonNull(description, "description");
    }
  }

  /**
   * The consensus protocols' rule: both messages are signed consensus statements of this chain
   * (see {@code io.medledger.consensus.Statement}) of one kind, height and round that name
   * different blocks (equivocation). Anything else, such as votes of two heights, proves nothing.
   */
  static EvidencePolicy strict() {
    return StrictEvidence::offence;
  }
}
