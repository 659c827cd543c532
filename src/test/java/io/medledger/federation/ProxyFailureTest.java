package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MedicalRecord;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.ProxyFailureException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proxy faults reach the reader as a ProxyFailureException that names each failing proxy. */
class ProxyFailureTest {
  @Test
  void aReadWithOneProxyDownSucceedsAndWithTwoDownNamesThem() {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A1");
      byte[] bundle = TestFederation.demoRecord("anna-mueller");
      MedicalRecord rec = anna.upload(bundle);
      anna.grant(GrantRequest.treatment(lee.id()));
      List<FederationServer> proxies = f.federationNodes();
      proxies.get(0).setOnline(false);
      assertArrayEquals(bundle, lee.read(rec.id()), "2 of the 3 proxies still answer");
      proxies.get(1).setOnline(false);
      ProxyFailureException e = assertThrows(ProxyFailureException.class, () -> lee.read(rec.id()));
      assertEquals(List.of(proxies.get(0).id(), proxies.get(1).id()).stream().sorted().toList(), e.proxies());
      assertTrue(e.failures().get(proxies.get(1).id()).contains("offline"), e.getMessage());
      assertTrue(e.getMessage().contains(proxies.get(0).id().toString()), e.getMessage());
    }
  }
}
