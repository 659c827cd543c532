package io.medledger.federation;

import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AuditorClient;
import io.medledger.client.ChainReport;
import io.medledger.client.ClinicianClient;
import io.medledger.client.ErasureReport;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.RecordErasedException;
import io.medledger.client.ResearcherClient;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every client type against every operation: allowed ones succeed, refused ones raise
 * {@link AccessRefusedException} naming the missing right; and each type's API offers only its
 * own operations.
 */
class AccessMatrixTest {
  private final Federation f = TestFederation.create();
  private final PatientClient anna = f.registerPatient("Anna");
  private final PatientClient li = f.registerPatient("Li");
  private final ClinicianClient granted = f.registerClinician("Dr Granted", "Hospital A2");
  private final ClinicianClient stranger = f.registerClinician("Dr Stranger", "Clinic C");
  private final ResearcherClient consented = f.registerResearcher("Consented Researcher", "Authority B1");
  private final ResearcherClient other = f.registerResearcher("Other Researcher", "Authority B1");
  private final AuditorClient auditor = f.auditor("Auditor");
  private final AuditorClient regulator = f.regulator("Health Regulator");
  private final byte[] annaBundle = TestFederation.demoRecord("anna-mueller");
  private final MedicalRecord annaRecord = anna.upload(annaBundle).record();
  private final MedicalRecord liRecord = li.upload(TestFederation.demoRecord("li-wei")).record();

  @AfterEach
  void close() {
    f.close();
  }

  private static void denied(String right, Executable op) {
    AccessRefusedException e = assertThrows(AccessRefusedException.class, op);
    assertEquals(right, e.missingRight().label(), e.getMessage());
  }

  @Test
  void eachTypeExposesOnlyItsOwnOperations() {
    Map<Class<?>, Set<String>> expected = Map.of(
        PatientClient.class, Set.of("open", "register", "id", "identity", "query", "upload", "uploadAsync", "grant",
            "grantAsync", "revoke", "revokeAsync", "records", "read", "readAsync", "accessEvents", "grants", "erase",
            "eraseAsync", "isGrantActive", "addResearchKey", "researchGrantsToRenew"),
        ClinicianClient.class, Set.of("open", "id", "identity", "institutionId", "query", "sharedRecords", "write",
            "amend", "amendAsync", "read", "readAsync"),
        ResearcherClient.class, Set.of("open", "id", "identity", "query", "consentedRecords", "read", "readAsync"),
        AuditorClient.class, Set.of("open", "id", "isRegulator", "query", "verifyChain", "verifyChainResuming", "verify", "verifyInclusion",
            "verifyReceipt", "accessTrail", "orderErasure", "orderErasureAsync"));
    for (var e : expected.entrySet()) {
      Set<String> actual = Arrays.stream(e.getKey().getDeclaredMethods())
          .filter(m -> Modifier.isPublic(m.getModifiers()) && !m.getName().equals("toString"))
          .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(new TreeSet<>(e.getValue()), actual, e.getKey().getSimpleName());
    }
    // auditors and regulators have no operation that returns payload bytes
    for (Method m : AuditorClient.class.getDeclaredMethods()) {
      assertFalse(m.getReturnType() == byte[].class, m.getName());
    }
  }

  @Test
  void patient() throws Exception {
    assertArrayEquals(annaBundle, anna.read(annaRecord.id()));
    denied("record-owner", () -> anna.read(liRecord.id()));
    denied("record-owner", () -> anna.erase(liRecord.id()));
    assertEquals(Set.of(annaRecord.id()), anna.records().stream().map(v -> v.record().id()).collect(Collectors.toSet()));
    assertTrue(anna.query().allRecords(RecordQuery.all().patient(li.id())).isEmpty());
    denied("audit-trail", () -> anna.query().accessEvents(li.id()));
    denied("grant-list", () -> anna.query().grants(li.id()));
    AccessGrant g = anna.grant(GrantRequest.treatment(granted.id()));
    assertTrue(anna.isGrantActive(g.id()));
    assertEquals(1, anna.grants().size());
    anna.revoke(g.id());
    assertFalse(anna.isGrantActive(g.id()));
    // a revocation of someone else's grant is refused by the client (and by the ledger, PatientClientTest)
    AccessGrant lg = li.grant(GrantRequest.treatment(granted.id()));
    denied("record-owner", () -> anna.revoke(lg.id()));
    assertEquals(1, anna.accessEvents().size());
  }

  @Test
  void clinician() throws Exception {
    byte[] obs = TestFederation.observation("anna", "4548-4", 6.1);
    denied("treatment-grant", () -> stranger.write(anna.id(), obs));
    denied("treatment-grant", () -> stranger.read(annaRecord.id()));
    denied("treatment-grant", () -> stranger.amend(annaRecord.id(), annaBundle));
    anna.grant(GrantRequest.treatment(granted.id()));
    MedicalRecord written = granted.write(anna.id(), obs).record();
    assertArrayEquals(obs, granted.read(written.id()));
    assertArrayEquals(obs, anna.read(written.id()), "a clinician's record is encrypted to the patient");
    assertArrayEquals(annaBundle, granted.read(annaRecord.id()));
    byte[] fixed = TestFederation.observation("anna", "4548-4", 6.2);
    MedicalRecord amended = granted.amend(written.id(), fixed).record();
    assertEquals(written.id(), amended.amends().orElseThrow());
    assertArrayEquals(fixed, granted.read(amended.id()));
    // no grant from Li
    denied("treatment-grant", () -> granted.read(liRecord.id()));
    denied("treatment-grant", () -> granted.write(li.id(), obs));
    // a research grant cannot name a clinician (refused by the client; by the ledger, PatientClientTest), and is not
    // a treatment grant
    denied("reader-role", () -> li.grant(GrantRequest.research(stranger.id())));
    li.grant(GrantRequest.research(f.institutionId("Clinic C")));
    denied("treatment-grant", () -> stranger.read(liRecord.id()));
    // what a clinician sees in queries
    Set<?> seen = granted.sharedRecords().stream().map(v -> v.record().patient()).collect(Collectors.toSet());
    assertEquals(Set.of(anna.id()), seen);
    assertTrue(stranger.sharedRecords().isEmpty());
    denied("audit-trail", () -> granted.query().accessEvents(anna.id()));
  }

  @Test
  void scopedAndExpiringGrants() throws Exception {
    anna.grant(GrantRequest.treatment(granted.id()).scope(AccessScope.resourceTypes("Observation")));
    denied("treatment-grant", () -> granted.read(annaRecord.id()));
    MedicalRecord obs = granted.write(anna.id(), TestFederation.observation("anna", "1", 1)).record();
    assertNotNull(granted.read(obs.id()));
    denied("treatment-grant", () -> granted.write(anna.id(), annaBundle));
    AccessGrant shortOne = li.grant(new GrantRequest(stranger.id(), Purpose.TREATMENT,
        AccessScope.records(liRecord.id()), Duration.ofMillis(1)));
    Thread.sleep(5);
    assertFalse(li.isGrantActive(shortOne.id()));
    denied("treatment-grant", () -> stranger.read(liRecord.id()));
  }

  @Test
  void researcher() throws Exception {
    denied("research-grant", () -> consented.read(annaRecord.id()));
    anna.grant(GrantRequest.research(consented.id()));
    byte[] deid = consented.read(annaRecord.id());
    String text = new String(deid, StandardCharsets.UTF_8);
    assertTrue(text.contains("Asthma") || text.contains("asthma") || text.contains("195967001"), text);
    assertFalse(text.contains("Müller"), "name removed");
    assertFalse(text.contains("MRN-K-88213"), "identifier removed");
    assertFalse(text.contains("+49 221"), "telecom removed");
    assertFalse(text.contains("demo-anna-mueller"), "patient id pseudonymized");
    denied("research-grant", () -> other.read(annaRecord.id()));
    denied("research-grant", () -> consented.read(liRecord.id()));
    assertEquals(Set.of(annaRecord.id()),
        consented.consentedRecords().stream().map(v -> v.record().id()).collect(Collectors.toSet()));
    assertTrue(other.consentedRecords().isEmpty());
    // a treatment grant cannot name a researcher (refused by the client; by the ledger, PatientClientTest), and gives
    // no research read
    denied("reader-role", () -> li.grant(GrantRequest.treatment(other.id())));
    li.grant(GrantRequest.treatment(f.institutionId("Authority B1")));
    denied("research-grant", () -> other.read(liRecord.id()));
    denied("audit-trail", () -> consented.query().accessEvents(anna.id()));
  }

  @Test
  void auditorAndRegulator() throws Exception {
    anna.grant(GrantRequest.treatment(granted.id()));
    granted.read(annaRecord.id());
    ChainReport r = auditor.verifyChain();
    assertTrue(r.valid(), r.toString());
    assertTrue(r.disagreeingNodes().isEmpty());
    assertEquals(1, auditor.accessTrail(anna.id()).size());
    assertEquals(2, auditor.query().allRecords(RecordQuery.all()).size(), "all metadata, pseudonymous");
    assertEquals(1, regulator.query().accessEvents(anna.id()).size());
    denied("role:regulator", () -> auditor.orderErasure(liRecord.id()));
    ErasureReport e = regulator.orderErasure(liRecord.id());
    assertTrue(e.complete());
    assertEquals(regulator.id(), e.erasedBy());
    assertTrue(f.reader().entry(e.erasureEntry()).orElseThrow() instanceof io.medledger.chain.RecordErasure x
        && x.requestedBy().equals(regulator.id()) && x.record().equals(liRecord.id()));
    assertThrows(RecordErasedException.class, () -> li.read(liRecord.id()));
    assertThrows(RecordErasedException.class, () -> regulator.orderErasure(liRecord.id()), "erased once only");
  }
}
