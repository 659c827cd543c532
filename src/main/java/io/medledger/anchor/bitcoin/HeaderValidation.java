package io.medledger.anchor.bitcoin;

import java.util.Objects;

/**
 * The outcome of offering headers to a {@link HeaderChain}: accepted with the new tip, or rejected
 * with the height of the offending header and a reason. Immutable and thread-safe.
 */
public sealed interface HeaderValidation permits HeaderValidation.Accepted, HeaderValidation.Rejected {
  /** Whether the headers were accepted. */
  boolean accepted();

  /**
   * The headers were valid and the chain now ends at {@code tip}.
   *
   * @param tip the chain's tip after the operation
   */
  record Accepted(ChainedHeader tip) implements HeaderValidation {
    /** Validates the field. */
    public Accepted {
      Objects.requireNonNull(tip, "tip");
    }

    @Override
    public boolean accepted() {
      return true;
    }
  }

  /**
   * A header broke a consensus rule; the chain is unchanged.
   *
   * @param height the height the rejected header would have had
   * @param reason a short human-readable reason
   */
  record Rejected(long height, String reason) implements HeaderValidation {
    /** Validates the fields. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean accepted() {
      return false;
    }
  }
}
