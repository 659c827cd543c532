package io.medledger.consensus;

import java.util.Objects;

/** The application's verdict on a candidate block: a value, never an exception. Immutable. */
public sealed interface ValidationVerdict {
  /** True for {@link Accepted}. */
  default boolean accepted() {
    return this instanceof Accepted;
  }

  /** The block passes every rule. */
  record Accepted() implements ValidationVerdict {}

  /** The block breaks a rule, explained by {@code reason}. */
  record Rejected(String reason) implements ValidationVerdict {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** The shared accepted verdict. */
  static ValidationVerdict accept() {
    return new Accepted();
  }

  /** A rejection with a reason. */
  static ValidationVerdict reject(String reason) {
    return new Rejected(reason);
  }
}
