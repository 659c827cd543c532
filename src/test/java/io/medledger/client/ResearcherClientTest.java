package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.MedicalRecord;
import io.medledger.federation.Federation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A researcher's client opens only for a key the ledger lists as an active researcher, reads only
 * under a research grant, and replaces the patient's FHIR id by its own pseudonym.
 */
class ResearcherClientTest {
  private final Federation f = SmallFederation.builder("researcher-client-test", 61).build();

  @AfterEach
  void close() {
    f.close();
  }

  private static byte[] demo(String name) throws IOException {
    try (InputStream in = ResearcherClientTest.class.getResourceAsStream("/io/medledger/demo/" + name + ".json")) {
      return in.readAllBytes();
    }
  }

  @Test
  void aClientOpensOnlyForAnActiveResearcherIdentity() {
    Identity doctor = Identity.generate(ParticipantKind.CLINICIAN, "Dr X", SmallFederation.seeded(1));
    assertThrows(IllegalArgumentException.class, () -> ResearcherClient.open(f.connection(), doctor));
    Identity unregistered = Identity.generate(ParticipantKind.RESEARCHER, "Rita", SmallFederation.seeded(2));
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> ResearcherClient.open(f.connection(), unregistered));
    assertEquals(AccessRight.READER_ROLE, e.missingRight());
    assertTrue(e.getMessage().contains("is not an active researcher"), e.getMessage());
    ResearcherClient rita = f.registerResearcher(unregistered, "Authority");
    ResearcherClient again = ResearcherClient.open(f.connection(), unregistered);
    assertEquals(rita.id(), again.id());
    assertEquals(unregistered, again.identity());
    assertEquals("ResearcherClient[" + rita.id() + "]", again.toString());
  }

  @Test
  void aReadNeedsAResearchGrantAndCarriesTheResearchersPseudonym() throws IOException {
    PatientClient anna = f.registerPatient("Anna");
    MedicalRecord rec = anna.upload(demo("anna-mueller")).record();
    ResearcherClient rita = f.registerResearcher("Rita", "Authority");
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> rita.read(rec.id()));
    assertEquals(AccessRight.RESEARCH_GRANT, e.missingRight());
    anna.grant(GrantRequest.research(rita.id()));
    String text = new String(rita.read(rec.id()), StandardCharsets.UTF_8);
    assertTrue(text.contains("\"Patient/pseudo-"), text);
    assertFalse(text.contains("demo-anna-mueller"), text);
  }
}
