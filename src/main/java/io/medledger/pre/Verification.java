package io.medledger.pre;

import java.util.Objects;
import java.util.Optional;

/**
 * The verdict of verifying an unverified fragment: either the verified value or the reason it
 * was rejected.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the verified type ({@link VerifiedKeyFrag} or {@link VerifiedCapsuleFrag})
 */
public sealed interface Verification<T> permits Verification.Verified, Verification.Rejected {
  /** A positive verdict. */
  record Verified<T>(T value) implements Verification<T> {
    /** Wraps a verified value. */
    public Verified {
      Objects.requireNonNull(value, "value");
    }
  }

  /** A negative verdict with its reason. */
  record Rejected<T>(VerificationFailure reason) implements Verification<T> {
    /** Wraps a reason. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Whether the fragment verified. */
  default boolean isVerified() {
    return this instanceof Verified;
  }

  /** The verified value, if any. */
  default Optional<T> verified() {
    return this instanceof Verified<T> v ? Optional.of(v.value()) : Optional.empty();
  }

  /** The failure reason, if rejected. */
  default Optional<VerificationFailure> failure() {
    return this instanceof Rejected<T> r ? Optional.of(r.reason()) : Optional.empty();
  }

  /**
   * The verified value.
   *
   * @throws VerificationException naming the reason if rejected
   */
  default T orElseThrow() throws VerificationException {
    if (this instanceof Verified<T> v) {
      return v.value();
    }
    throw new VerificationException(((Rejected<T>) this).reason());
  }
}
