package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessScope;
import java.time.Duration;
import java.util.Objects;

/**
 * What a patient grants: to whom, for what purpose, over which records, for how long.
 *
 * <p>Immutable and thread-safe.
 *
 * @param grantee a clinician, researcher or institution
 * @param purpose treatment (read and write) or research (read, de-identified)
 * @param scope all records, some resource types, or some records
 * @param validity how long from now the grant lasts: positive, in milliseconds a {@code long} holds
 */
public record GrantRequest(ParticipantId grantee, Purpose purpose, AccessScope scope, Duration validity) {
  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if {@code validity} is not positive or its milliseconds
   *     overflow a {@code long}
   */
  public GrantRequest {
    Objects.requireNonNull(grantee, "grantee");
    Objects.requireNonNull(purpose, "purpose");
    Objects.requireNonNull(scope, "scope");
    if (validity == null || validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("a grant lasts a positive time");
    }
    try {
      validity.toMillis();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("a grant's validity of " + validity + " is past the range of ledger times");
    }
  }

  /** Treatment access to every record for 90 days. */
  public static GrantRequest treatment(ParticipantId grantee) {
    return new GrantRequest(grantee, Purpose.TREATMENT, AccessScope.all(), Duration.ofDays(90));
  }

  /** Research access to every record for one year. */
  public static GrantRequest research(ParticipantId grantee) {
    return new GrantRequest(grantee, Purpose.RESEARCH, AccessScope.all(), Duration.ofDays(365));
  }

  /** A copy with another scope. */
  public GrantRequest scope(AccessScope s) {
    return new GrantRequest(grantee, purpose, s, validity);
  }

  /** A copy with another validity. */
  public GrantRequest validFor(Duration d) {
    return new GrantRequest(grantee, purpose, scope, d);
  }
}
