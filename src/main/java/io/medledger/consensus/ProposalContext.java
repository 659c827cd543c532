package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.Objects;

/**
 * Where a block is proposed or checked: its height and round, the bookkeeper entitled to propose
 * it, and a time in milliseconds since the epoch (the block timestamp when proposing, the
 * validator's local clock when validating). Immutable.
 */
public record ProposalContext(long height, int round, Ed25519PublicKey proposer, long timeMillis) {
  public ProposalContext {
    Objects.requireNonNull(proposer, "proposer");
  }
}
