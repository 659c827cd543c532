package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessScope;
import io.medledger.crypto.Digest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A grant request is valid at construction: a validity that is not positive, or one whose
 * milliseconds a ledger time cannot hold, is an {@link IllegalArgumentException} there, not an
 * {@link ArithmeticException} while the grant is being made.
 */
class GrantRequestTest {
  private final ParticipantId someone = ParticipantId.fromDigest(Digest.of(new byte[32]));

  @Test
  void aValidityPastTheRangeOfLedgerTimesIsRefusedAtConstruction() {
    for (Duration d : new Duration[] {Duration.ZERO, Duration.ofMillis(-1), Duration.ofSeconds(Long.MAX_VALUE),
        Duration.ofDays(Long.MAX_VALUE / 86_400)}) {
      assertThrows(IllegalArgumentException.class, () -> new GrantRequest(someone, Purpose.TREATMENT,
          AccessScope.all(), d), d.toString());
      assertThrows(IllegalArgumentException.class, () -> GrantRequest.treatment(someone).validFor(d), d.toString());
    }
    Duration century = Duration.ofDays(36_525);
    assertEquals(century, GrantRequest.research(someone).validFor(century).validity());
  }
}
