package io.medledger.chain;

import java.util.Objects;

/**
 * A validator's verdict as a value: {@link Accepted} with what was validated, or {@link Rejected}
 * with a human-readable reason (safe to log: it never holds secrets). Malformed input raises
 * {@link io.medledger.codec.MalformedEncodingException} before a verdict is reached.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> what an acceptance carries
 */
public sealed interface ValidationResult<T> {
  /** Accepted, carrying the verified value. */
  record Accepted<T>(T value) implements ValidationResult<T> {
    /** Checks for null. */
    public Accepted {
      Objects.requireNonNull(value, "value");
    }
  }

  /** Rejected, with the reason. */
  record Rejected<T>(String reason) implements ValidationResult<T> {
    /** Checks for null. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** An acceptance. */
  static <T> ValidationResult<T> accepted(T value) {
    return new Accepted<>(value);
  }

  /** A rejection. */
  static <T> ValidationResult<T> rejected(String reason) {
    return new Rejected<>(reason);
  }

  /** Whether this is an acceptance. */
  default boolean isAccepted() {
    return this instanceof Accepted;
  }

  /** The accepted value. @throws IllegalStateException with the reason if rejected */
  default T value() {
    if (this instanceof Accepted<T> a) {
      return a.value();
    }
    throw new IllegalStateException("rejected: " + ((Rejected<T>) this).reason());
  }

  /** The rejection reason, or empty text for an acceptance. */
  default String reason() {
    return this instanceof Rejected<T> r ? r.reason() : "";
  }
}
