package io.medledger.federation;

import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.MutableClock;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A proxy decided a grant's expiry by its own clock alone: with that clock behind, it re-encrypted
 * an old access event under a grant that its own ledger's blocks had already outlived.
 */
class ProxyClockTest {
  @Test
  void aProxyWhoseClockLagsItsLedgerRefusesAGrantTheLedgerHasOutlived() {
    MutableClock clock = new MutableClock(1_790_000_000_000L);
    try (Federation f = TestFederation.builder().clock(clock).directSequencer().build()) {
      PatientClient anna = f.registerPatient("Anna");
      MedicalRecord rec = anna.upload(TestFederation.observation("anna", "4548-4", 6.0)).record();
      ClinicianClient doc = f.registerClinician("Dr Short", "Hospital A2");
      AccessGrant g = anna.grant(GrantRequest.treatment(doc.id()).validFor(Duration.ofHours(1)));
      doc.read(rec.id());
      AccessEvent read = f.reader().ledger().accessEventsByPatient(anna.id(),
          new io.medledger.chain.PageRequest(-1, 10, false)).items().get(0).entry();
      long lagging = Math.max(g.notBefore(), read.accessedAt()) + 1_000;
      clock.advance(Duration.ofHours(2));
      f.registerPatient("Ben"); // a block two hours later: the grant has expired on the ledger's time
      long tip = f.reader().ledger().tip().orElseThrow().timestamp();
      assertTrue(tip > g.notAfter(), "the ledger's last block is after the grant's end");
      clock.set(lagging); // the proxies' clock falls back behind their ledger
      for (FederationServer proxy : f.federationNodes()) {
        AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> proxy.reencrypt(read.id()),
            proxy + " re-encrypted under a grant its ledger's time has outlived");
        assertEquals("active-grant", e.missingRight().label(), e.getMessage());
      }
      assertEquals(Optional.of(g.id()), read.grant());
    }
  }
}
