package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.AccessGrant;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.pre.ReEncryptionProxy;
import io.medledger.pre.VerifiedKeyFrag;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An application that closes an in-process federation (or one server) and goes on running kept
 * every proxy's decrypted key fragments unwiped on the heap for as long as it held the servers;
 * {@code FederationServer.close} now wipes them, as {@code Node.close} does.
 */
class FederationServerCloseTest {
  @Test
  void closingAFederationServerWipesItsProxysKeyFragments() throws Exception {
    List<FederationServer> servers;
    List<VerifiedKeyFrag> fragments = new ArrayList<>();
    AccessGrant g;
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      anna.upload(TestFederation.demoRecord("anna-mueller"));
      ClinicianClient drLee = f.registerClinician("Dr Lee", "Hospital A2");
      g = anna.grant(GrantRequest.treatment(drLee.id()));
      servers = f.federationNodes();
      for (FederationServer n : servers) {
        assertTrue(n.holdsFragment(g.id()), n + " " + n.proxyProblem(g.id()));
        VerifiedKeyFrag k = fragmentsOf(n).get(g.id().toHex());
        assertFalse(k.isDestroyed());
        fragments.add(k);
      }
    }
    assertEquals(servers.size(), fragments.size());
    for (int i = 0; i < servers.size(); i++) {
      assertTrue(fragments.get(i).isDestroyed(), "the fragment of " + servers.get(i) + " was not wiped");
      assertFalse(servers.get(i).holdsFragment(g.id()), servers.get(i) + " still holds its fragment");
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, VerifiedKeyFrag> fragmentsOf(FederationServer n) throws ReflectiveOperationException {
    Field p = FederationServer.class.getDeclaredField("proxy");
    p.setAccessible(true);
    Field grants = ReEncryptionProxy.class.getDeclaredField("grants");
    grants.setAccessible(true);
    return (Map<String, VerifiedKeyFrag>) grants.get(p.get(n));
  }
}
