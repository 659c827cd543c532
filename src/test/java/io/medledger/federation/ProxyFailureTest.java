package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.ProxyFailureException;
import io.medledger.codec.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Proxy faults reach the reader as a ProxyFailureException that names each failing proxy. */
class ProxyFailureTest {
  @Test
  void aReadWithOneProxyDownSucceedsAndWithTwoDownNamesThem() {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A1");
      byte[] bundle = TestFederation.demoRecord("anna-mueller");
      MedicalRecord rec = anna.upload(bundle).record();
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

  @Test
  void aProxyThatRefusesItsFragmentIsNamedToTheGranter() {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A1");
      AccessGrant good = anna.grant(GrantRequest.treatment(lee.id()));
      List<ByteString> frags = new ArrayList<>(good.keyFragments());
      frags.set(0, ByteString.of(new byte[] {1, 2, 3}));
      AccessGrant bad = f.sign(new AccessGrant(anna.id(), lee.id(), good.scope(), good.purpose(), f.now(),
          good.notAfter(), good.proxies(), good.threshold(), frags, f.now(), List.of()), anna.identity());
      FederationServer first = f.federationNodes().get(0);
      CompletionException e = assertThrows(CompletionException.class, () -> f.connection().submit(bad).join());
      ProxyFailureException p = assertInstanceOf(ProxyFailureException.class, e.getCause());
      // every proxy decodes all fragments of a grant, so one malformed fragment is refused by all of them
      assertEquals(f.federationNodes().stream().map(FederationServer::id).sorted().toList(), p.proxies());
      assertTrue(first.proxyProblem(bad.id()).isPresent());
      assertTrue(f.reader().ledger().isGrantActive(bad.id(), f.now()), "the grant itself is final");
    }
  }
}
