package io.medledger.federation;

import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndToEndTest {
  @Test
  void patientSharesWithAClinicianAtAnotherHospitalThroughThresholdReEncryption() throws Exception {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      byte[] bundle = TestFederation.demoRecord("anna-mueller");
      MedicalRecord rec = anna.upload(bundle).record();
      assertEquals("Bundle", rec.resourceType());
      assertArrayEquals(bundle, anna.read(rec.id()));

      ClinicianClient drLee = f.registerClinician("Dr Lee", "Hospital A2");
      assertThrows(AccessRefusedException.class, () -> drLee.read(rec.id()));
      AccessGrant g = anna.grant(GrantRequest.treatment(drLee.id()));
      for (FederationServer n : f.federationNodes()) {
        assertTrue(n.holdsFragment(g.id()), n + " " + n.proxyProblem(g.id()));
      }
      assertArrayEquals(bundle, drLee.read(rec.id()));

      // the trail: Anna's own read and Dr Lee's read
      assertEquals(2, anna.accessEvents().size());
      AccessEvent last = anna.accessEvents().get(1);
      assertEquals(drLee.id(), last.accessor());

      anna.revoke(g.id());
      AccessRefusedException denied = assertThrows(AccessRefusedException.class, () -> drLee.read(rec.id()));
      assertEquals("treatment-grant", denied.missingRight().label());
      for (FederationServer n : f.federationNodes()) {
        assertFalse(n.holdsFragment(g.id()));
      }
      assertTrue(f.auditor("auditor").verifyChain().valid());
      assertTrue(new String(bundle, StandardCharsets.UTF_8).contains("Müller"));
    }
  }
}
