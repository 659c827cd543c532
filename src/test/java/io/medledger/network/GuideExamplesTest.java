package io.medledger.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.consensus.LedgerApp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code examples of docs/guide.md, compiled and run. Each example sits between
 * {@code // guide:begin NAME} and {@code // guide:end}; {@link #theGuideQuotesEveryExampleVerbatim}
 * checks that the guide shows exactly this code.
 */
class GuideExamplesTest {
  private static final byte[] FHIR_JSON = TestFederation.demoRecord("anna-mueller");

  @Test
  void wireAFederation() throws Exception {
    // guide:begin federation
    Federation federation = Federation.builder("my-region")
        .institution("City Hospital", InstitutionClass.A)      // runs a federation server
        .institution("University Hospital", InstitutionClass.A)
        .institution("Northside Hospital", InstitutionClass.A)
        .institution("Health Authority", InstitutionClass.B)   // runs an audit server
        .institution("District Hospital", InstitutionClass.B)
        .institution("Family Clinic", InstitutionClass.C)
        .regulator("Data Protection Authority")
        .storage("Family Clinic", 3, 2)                        // 3 storage nodes, write quorum 2
        .threshold(2)                                          // 2 of 3 proxies re-encrypt
        .build();
    // guide:end
    try (federation) {
      assertEquals(3, federation.federationNodes().size());
      assertEquals(2, federation.auditNodes().size());
      assertEquals("rotating-audit", federation.consensusName());
    }
  }

  @Test
  void shareARecord() throws Exception {
    try (Federation federation = TestFederation.create()) {
      // guide:begin share
      PatientClient patient = federation.registerPatient("Anna");
      MedicalRecord record = patient.upload(FHIR_JSON);              // encrypted on the device

      ClinicianClient doctor = federation.registerClinician("Dr. Lee", "Hospital A2");
      AccessGrant grant = patient.grant(GrantRequest.treatment(doctor.id())
          .scope(AccessScope.resourceTypes("Bundle", "Observation"))
          .validFor(Duration.ofDays(30)));

      byte[] fhir = doctor.read(record.id());                         // via 2 of 3 proxies, logged first
      MedicalRecord note = doctor.write(patient.id(), observationJson());

      patient.revoke(grant.id());                                     // the proxies drop their fragments
      // guide:end
      assertArrayEquals(FHIR_JSON, fhir);
      assertEquals("Observation", note.resourceType());
      assertThrows(AccessDeniedException.class, () -> doctor.read(record.id()));
      assertEquals(1, patient.accessEvents().size());
    }
  }

  @Test
  void handleRefusals() throws Exception {
    try (Federation federation = TestFederation.create()) {
      PatientClient patient = federation.registerPatient("Anna");
      MedicalRecord record = patient.upload(FHIR_JSON);
      ClinicianClient doctor = federation.registerClinician("Dr. Lee", "Hospital A2");
      String shown = null;
      // guide:begin refusal
      try {
        doctor.read(record.id());
      } catch (AccessDeniedException e) {
        shown = "Ask the patient for access (" + e.missingRight() + ")";
      }
      // guide:end
      assertEquals("Ask the patient for access (treatment-grant)", shown);
    }
  }

  @Test
  void researchAndAudit() throws Exception {
    try (Federation federation = TestFederation.create()) {
      PatientClient patient = federation.registerPatient("Anna");
      MedicalRecord record = patient.upload(FHIR_JSON);
      // guide:begin research
      ResearcherClient researcher = federation.registerResearcher("Dr. Haddad", "Authority B1");
      patient.grant(GrantRequest.research(researcher.id()));
      for (RecordView view : researcher.consentedRecords()) {
        byte[] deidentified = researcher.read(view.record().id());  // names, identifiers, contacts removed
        analyse(deidentified);
      }

      AuditorClient auditor = federation.auditor("External Auditor");
      ChainReport report = auditor.verifyChain();                     // every block, signature, rule, certificate
      List<io.medledger.chain.AccessEvent> trail = auditor.accessTrail(patient.id());
      // guide:end
      assertTrue(report.valid());
      assertEquals(1, trail.size());
      assertEquals(record.id(), trail.get(0).record());
      assertEquals(1, analysed.size());
      assertFalse(new String(analysed.get(0), StandardCharsets.UTF_8).contains("Müller"));
    }
  }

  @Test
  void anchorAndErase() throws Exception {
    try (Federation federation = TestFederation.create()) {
      PatientClient patient = federation.registerPatient("Anna");
      patient.upload(FHIR_JSON);
      // guide:begin anchor
      RegtestChain bitcoin = new RegtestChain(new SecureRandom());   // or Bitcoin Core via io.medledger.anchor
      federation.anchor(bitcoin);
      AuditorClient auditor = federation.auditor("External Auditor");
      for (RecordView view : auditor.query().allRecords(RecordQuery.all())) {
        AnchorReceipt receipt = view.anchorReceipt().orElseThrow();
        ReceiptVerdict verdict = auditor.verifyReceipt(receipt, bitcoin);
        if (!verdict.holds()) {
          throw new IllegalStateException("receipt does not verify: " + verdict);
        }
        Files.writeString(receiptsDir.resolve(view.record().id() + ".json"), receipt.toJson());
      }
      // guide:end
      MedicalRecord r = patient.records().get(0).record();
      assertTrue(auditor.verifyReceipt(patient.records().get(0).anchorReceipt().orElseThrow(), bitcoin).holds());
      // guide:begin erase
      ErasureReport erased = patient.erase(r.id());                  // copies, keys and fragments gone
      assertTrue(erased.complete());
      // guide:end
      assertThrows(RecordErasedException.class, () -> patient.read(r.id()));
    }
  }

  @Test
  void oneInstitutionNode(@TempDir Path dataDir) {
    Identity serverIdentity = Identity.generate(ParticipantKind.AUDIT_SERVER, "Health Authority audit server");
    // guide:begin node
    ChainParameters params = ChainParameters.defaults("my-region");
    FederationServer node = FederationServer.builder(params, serverIdentity)
        .role(NodeRole.AUDIT)
        .dataDirectory(dataDir.resolve("blocks"))                     // durable, replayed on restart
        .certificatePolicy(LedgerApp.certificatePolicy("rotating-audit"))
        .build();
    // guide:end
    try (node) {
      assertEquals(-1, node.ledger().height());
      assertEquals(NodeRole.AUDIT, node.role());
    }
  }

  @Test
  void durableFederation(@TempDir Path dataDir) {
    // guide:begin durable
    Federation federation = TestFederation.builder()
        .dataDirectory(dataDir)            // node-N/ block stores and storage-N/ blob stores
        .build();
    // guide:end
    try (federation) {
      federation.registerPatient("Anna").upload(FHIR_JSON);
      assertTrue(Files.isDirectory(dataDir.resolve("node-0")));
      assertTrue(Files.isDirectory(dataDir.resolve("storage-0")));
    }
  }

  @TempDir
  Path receiptsDir;
  private final List<byte[]> analysed = new ArrayList<>();

  private void analyse(byte[] data) {
    analysed.add(data);
  }

  private static byte[] observationJson() {
    return TestFederation.observation("demo-anna-mueller", "4548-4", 5.6);
  }

  @Test
  void theGuideQuotesEveryExampleVerbatim() throws IOException {
    Map<String, String> examples = examples(Files.readString(
        Path.of("src/test/java/io/medledger/network/GuideExamplesTest.java")));
    assertEquals(List.of("federation", "share", "refusal", "research", "anchor", "erase", "node", "durable"),
        List.copyOf(examples.keySet()));
    String guide = Files.readString(Path.of("docs/guide.md"));
    for (Map.Entry<String, String> e : examples.entrySet()) {
      assertTrue(guide.contains(e.getValue()), "docs/guide.md does not quote example '" + e.getKey() + "':\n"
          + e.getValue());
    }
  }

  /** The examples between the markers, dedented. */
  private static Map<String, String> examples(String source) {
    Map<String, String> out = new LinkedHashMap<>();
    String[] lines = source.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String t = lines[i].trim();
      if (t.startsWith("// guide:begin ")) {
        String name = t.substring("// guide:begin ".length());
        int indent = lines[i].indexOf('/');
        StringBuilder b = new StringBuilder();
        for (i++; !lines[i].trim().equals("// guide:end"); i++) {
          b.append(lines[i].length() >= indent ? lines[i].substring(indent) : lines[i].trim()).append('\n');
        }
        out.put(name, b.toString());
      }
    }
    return out;
  }
}
