package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Limits;
import io.medledger.chain.MutableClock;
import io.medledger.federation.Federation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A patient's client counts its grants as the ledger does (every grant not revoked, expired ones
 * included) and tells revoked grants apart whatever their window.
 */
class GrantCountTest {
  private final MutableClock clock = new MutableClock(1_780_000_000_000L);
  private final Federation f = SmallFederation.builder("grant-count-test", 33).clock(clock).build();
  private final PatientClient anna = f.registerPatient("Anna");

  @AfterEach
  void close() {
    f.close();
  }

  private PatientClient annaSubmittingNothing() {
    return PatientClient.open(Connections.lying(f.connection(), Map.of("submit", a -> {
      throw new AssertionError("submitted " + a[0]);
    })), anna.identity());
  }

  @Test
  void expiredGrantsCountUntilRevokedAndARevokedOneIsNotRevokedTwice() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    List<AccessGrant> made = new ArrayList<>();
    for (int i = 0; i < Limits.MAX_OPEN_GRANTS; i++) {
      made.add(anna.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.resourceTypes("Observation"))
          .validFor(Duration.ofMinutes(1))));
    }
    clock.advance(Duration.ofMinutes(5)); // every grant expired, none revoked: the ledger still counts them
    EntryRejectedException e = assertThrows(EntryRejectedException.class,
        () -> annaSubmittingNothing().grant(GrantRequest.treatment(lee.id())));
    assertTrue(e.getMessage().contains("revoke one first"), e.getMessage());

    for (AccessGrant g : made) {
      anna.revoke(g.id()); // an expired grant may still be revoked
    }
    assertTrue(f.connection().isGrantRevoked(made.get(0).id()));
    assertFalse(f.connection().isGrantRevoked(lee.id().digest()), "no grant has that id");
    // revoked after they expired: the client no longer counts them, as the ledger does not
    AccessGrant next = anna.grant(GrantRequest.treatment(lee.id()));
    assertTrue(anna.isGrantActive(next.id()));
    AccessRefusedException twice = assertThrows(AccessRefusedException.class,
        () -> annaSubmittingNothing().revoke(made.get(0).id()));
    assertEquals(AccessRight.ACTIVE_GRANT, twice.missingRight(), twice.getMessage());
  }
}
