package io.medledger.fhir;

import io.medledger.codec.MalformedEncodingException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medledger.testing.SharedVectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FhirDeidentifierTest {
  private static final ObjectMapper M = new ObjectMapper();

  private static List<Path> allFhirFiles() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(SharedVectors.path("data/fhir"))) {
      s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("manifest.json"))
          .sorted().forEach(out::add);
    }
    assertTrue(out.size() > 10, "expected the shared FHIR files");
    return out;
  }

  @Test
  void noDirectIdentifierSurvivesInAnySharedFile() throws Exception {
    for (Path p : allFhirFiles()) {
      byte[] in = Files.readAllBytes(p);
      JsonNode before = M.readTree(in);
      byte[] out = FhirDeidentifier.deidentify(in, id -> "pz-" + Integer.toHexString(id.hashCode()));
      JsonNode after = M.readTree(out);
      assertEquals(before.get("resourceType"), after.get("resourceType"), p.toString());
      List<String> problems = new ArrayList<>();
      scan(after, "", problems);
      assertTrue(problems.isEmpty(), p + ": " + problems);
      for (String secret : identifyingStrings(before)) {
        assertFalse(new String(out, StandardCharsets.UTF_8).contains(secret), p + " still contains " + secret);
      }
    }
  }

  /** Names, telecom values, identifier values and street lines of people in the original. */
  private static List<String> identifyingStrings(JsonNode n) {
    List<String> out = new ArrayList<>();
    collect(n, out);
    return out;
  }

  private static void collect(JsonNode n, List<String> out) {
    if (n.isObject()) {
      String type = n.path("resourceType").asText("");
      if (type.equals("Patient") || type.equals("RelatedPerson")) {
        for (JsonNode name : n.path("name")) {
          for (JsonNode f : name.path("family").isArray() ? name.path("family") : List.of(name.path("family"))) {
            if (f.isTextual() && f.asText().length() > 3) {
              out.add(f.asText());
            }
          }
        }
        for (JsonNode a : n.path("address")) {
          for (JsonNode line : a.path("line")) {
            if (line.asText().length() > 5) {
              out.add(line.asText());
            }
          }
        }
        for (JsonNode t : n.path("telecom")) {
          if (t.path("value").asText().length() > 5) {
            out.add(t.path("value").asText());
          }
        }
      }
      n.fields().forEachRemaining(e -> collect(e.getValue(), out));
    } else if (n.isArray()) {
      n.forEach(x -> collect(x, out));
    }
  }

  private static void scan(JsonNode n, String path, List<String> problems) {
    if (n.isObject()) {
      String type = n.path("resourceType").asText("");
      if (!type.isEmpty()) {
        for (String k : List.of("identifier", "telecom", "photo")) {
          if (n.has(k)) {
            problems.add(path + "/" + k);
          }
        }
        if (n.has("text") && n.get("text").has("div")) {
          problems.add(path + "/text.div");
        }
        if (type.equals("Patient")) {
          if (n.has("name") || n.has("contact")) {
            problems.add(path + "/name|contact");
          }
          if (n.has("birthDate") && n.get("birthDate").asText().length() > 4) {
            problems.add(path + "/birthDate");
          }
          for (JsonNode a : n.path("address")) {
            a.fieldNames().forEachRemaining(f -> {
              if (!f.equals("state") && !f.equals("country")) {
                problems.add(path + "/address." + f);
              }
            });
          }
        }
      }
      n.fields().forEachRemaining(e -> scan(e.getValue(), path + "/" + e.getKey(), problems));
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        scan(n.get(i), path + "/" + i, problems);
      }
    }
  }

  @Test
  void patientIdsAndReferencesArePseudonymizedConsistently() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"fullUrl\":\"urn:uuid:p1\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\","
        + "\"name\":[{\"family\":\"Zhang\",\"given\":[\"Wei\"]}],\"birthDate\":\"1980-04-05\","
        + "\"address\":[{\"line\":[\"1 Main St\"],\"city\":\"Springfield\",\"state\":\"IL\",\"country\":\"US\"}]}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
        + "\"subject\":{\"reference\":\"urn:uuid:p1\",\"display\":\"Wei Zhang\"},"
        + "\"performer\":[{\"reference\":\"Patient/p1\",\"display\":\"Wei Zhang\"}],"
        + "\"effectiveDateTime\":\"2020-01-02T03:04:05Z\",\"valueQuantity\":{\"value\":7.25,\"unit\":\"%\"}}}]}";
    String out = new String(FhirDeidentifier.deidentify(bundle.getBytes(StandardCharsets.UTF_8), id -> "PZ" + id),
        StandardCharsets.UTF_8);
    JsonNode t = M.readTree(out);
    JsonNode patient = t.get("entry").get(0);
    assertEquals("urn:uuid:PZp1", patient.get("fullUrl").asText());
    assertEquals("PZp1", patient.get("resource").get("id").asText());
    assertEquals("1980", patient.get("resource").get("birthDate").asText());
    assertEquals("{\"state\":\"IL\",\"country\":\"US\"}", patient.get("resource").get("address").get(0).toString());
    JsonNode obs = t.get("entry").get(1).get("resource");
    assertEquals("urn:uuid:PZp1", obs.get("subject").get("reference").asText());
    assertFalse(obs.get("subject").has("display"));
    assertEquals("Patient/PZp1", obs.get("performer").get(0).get("reference").asText());
    assertEquals("2020-01-02T03:04:05Z", obs.get("effectiveDateTime").asText(), "clinical dates stay");
    assertEquals(7.25, obs.get("valueQuantity").get("value").asDouble());
    assertFalse(out.contains("Zhang"));
    assertFalse(out.contains("Main St"));
  }

  /**
   * References that name a person without a resolvable id: a conditional reference (and a
   * transaction's request) carrying the MRN, a reference by display or identifier alone, a local
   * reference to a contained Patient. Each passed the name or the MRN to the researcher.
   */
  @Test
  void referencesToPeopleWithoutAnIdPassNoNameOrIdentifier() throws Exception {
    String mrn = "MRN-K-88213";
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + "{\"fullUrl\":\"urn:uuid:o1\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
        + "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"pat\",\"name\":[{\"family\":\"Mueller\"}]}],"
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\",\"display\":\"Hemoglobin A1c\"}]},"
        + "\"subject\":{\"reference\":\"Patient?identifier=http://h.example/mrn|" + mrn + "\",\"display\":\"Anna Mueller\"},"
        + "\"performer\":[{\"display\":\"Dr Hans Weber\"},"
        + "{\"type\":\"Practitioner\",\"identifier\":{\"value\":\"LANR-1\"},\"display\":\"Dr Eva Roth\"},"
        + "{\"reference\":\"#pat\",\"display\":\"A. Mueller\"},"
        + "{\"reference\":\"Organization/uk\",\"display\":\"Uniklinik Koeln\"}],"
        + "\"valueQuantity\":{\"value\":6.1,\"unit\":\"%\"}},"
        + "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
        + "{\"fullUrl\":\"urn:uuid:p2\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p2\"},"
        + "\"request\":{\"method\":\"PUT\",\"url\":\"Patient?identifier=http://h.example/mrn|" + mrn + "\","
        + "\"ifNoneExist\":\"identifier=http://h.example/mrn|" + mrn + "\"}}]}";
    String out = new String(FhirDeidentifier.deidentify(bundle.getBytes(StandardCharsets.UTF_8), id -> "PZ" + id),
        StandardCharsets.UTF_8);
    for (String secret : List.of(mrn, "Mueller", "Hans Weber", "Eva Roth", "LANR-1")) {
      assertFalse(out.contains(secret), secret + " reached the copy: " + out);
    }
    assertTrue(out.contains("Hemoglobin A1c"), "a coding's display is clinical content: " + out);
    assertTrue(out.contains("Uniklinik Koeln"), "an organization's name stays: " + out);
    assertTrue(out.contains("6.1"), out);
    JsonNode t = M.readTree(out);
    assertEquals("Observation", t.get("entry").get(0).get("request").get("url").asText());
    assertEquals("PZp2", t.get("entry").get(1).get("resource").get("id").asText());
  }

  /**
   * A person named where the de-identifier did not look: an annotation's {@code authorString}, an
   * identifying extension under {@code modifierExtension}, a Coverage's {@code subscriberId}.
   */
  @Test
  void namesAndNumbersOutsideReferencesAndExtensionsLeakNothing() throws Exception {
    String obs = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
        + "\"note\":[{\"authorString\":\"Dr Hans Weber\",\"text\":\"fasting\"}]}},"
        + "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p\",\"modifierExtension\":[{\"url\":"
        + "\"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName\",\"valueString\":\"Schmitz\"},"
        + "{\"url\":\"http://example.org/x\",\"valueHumanName\":{\"family\":\"Brandt\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Coverage\",\"status\":\"active\",\"subscriberId\":\"A123456789\","
        + "\"beneficiary\":{\"reference\":\"Patient/p\"}}}]}";
    String out = new String(FhirDeidentifier.deidentify(obs.getBytes(StandardCharsets.UTF_8), id -> "PZ" + id),
        StandardCharsets.UTF_8);
    for (String secret : List.of("Hans Weber", "Schmitz", "Brandt", "A123456789")) {
      assertFalse(out.contains(secret), secret + " reached the copy: " + out);
    }
    assertTrue(out.contains("fasting"), out);
    assertTrue(out.contains("Patient/PZp"), out);
  }

  /**
   * Conditional references whose search names the patient although their type is not a person's
   * (an encounter searched by the patient's MRN or id), and a reference to a Patient by id that
   * carries a query: the MRN, the Patient id and the name in the display reached the copy.
   */
  @Test
  void conditionalReferencesOfAnyTypePassNoIdentifierOfThePatient() throws Exception {
    String mrn = "MRN-Q-40917";
    String obs = "{\"resourceType\":\"Observation\",\"status\":\"final\","
        + "\"subject\":{\"reference\":\"Patient/pat-77123?_format=json\",\"display\":\"Lena Vogt\"},"
        + "\"encounter\":{\"reference\":\"Encounter?patient.identifier=http://h.example/mrn|" + mrn + "\"},"
        + "\"basedOn\":[{\"reference\":\"ServiceRequest?subject=Patient/pat-77123\"}],"
        + "\"performer\":[{\"reference\":\"Organization?name=Uniklinik\",\"display\":\"Uniklinik Koeln\"}]}";
    String out = copy(obs);
    assertLeaksNothing(out, List.of(mrn, "pat-77123", "Lena Vogt"));
    assertTrue(out.contains("Uniklinik Koeln"), "an organization's name stays: " + out);
    assertTrue(out.contains("\"status\":\"final\""), out);
  }

  /**
   * Fields the de-identifier rewrites, given a shape other than the string FHIR defines for them (a
   * birth date or Patient id in an array or as a number, a reference or request URL in an array,
   * an extension URL in an array, a contained resource whose type is not a string, an address
   * part that is an object): each was copied as it was, identifier and all. It must be refused.
   */
  @Test
  void fieldsItRewritesInAnotherShapeAreRefusedNotCopied() {
    List<String> payloads = List.of(
        "{\"resourceType\":\"Patient\",\"id\":\"p\",\"birthDate\":[\"1974-12-25\"]}",
        "{\"resourceType\":\"Patient\",\"id\":\"p\",\"deceasedDateTime\":{\"value\":\"1974-12-25\"}}",
        "{\"resourceType\":\"Patient\",\"id\":19741225}",
        "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":[\"Patient/1974-12-25\"]}}",
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":[\"Patient/1974-12-25\"],"
            + "\"request\":{\"method\":\"PUT\",\"url\":[\"Patient?identifier=1974-12-25\"]}}]}",
        "{\"resourceType\":\"Patient\",\"id\":\"p\",\"extension\":[{\"url\":"
            + "[\"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName\"],\"valueString\":\"1974-12-25\"}]}",
        "{\"resourceType\":\"Observation\",\"contained\":[{\"resourceType\":[\"Patient\"],"
            + "\"name\":[{\"family\":\"1974-12-25\"}]}]}",
        "{\"resourceType\":\"Patient\",\"id\":\"p\",\"address\":[{\"state\":{\"line\":[\"1974-12-25\"]}}]}");
    List<String> leaks = new ArrayList<>();
    for (String p : payloads) {
      byte[] in = p.getBytes(StandardCharsets.UTF_8);
      String out;
      try {
        out = new String(FhirDeidentifier.deidentify(in, id -> "PZ" + id.hashCode()), StandardCharsets.UTF_8);
      } catch (MalformedEncodingException refused) {
        continue;
      }
      if (out.contains("1974-12-25") || out.contains("19741225")) {
        leaks.add(p + " -> " + out);
      }
    }
    assertTrue(leaks.isEmpty(), "passed their identifier: " + String.join("\n", leaks));
  }

  /**
   * A contained Patient's id was pseudonymized in the Patient but kept in the local references
   * ({@code #<id>}) that point at it, so the copy held the Patient id (and lost the link).
   */
  @Test
  void localReferencesToAContainedPatientCarryItsPseudonym() throws Exception {
    String obs = "{\"resourceType\":\"Observation\",\"status\":\"final\","
        + "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"pat-90411\",\"gender\":\"female\"},"
        + "{\"resourceType\":\"Organization\",\"id\":\"org-1\",\"name\":\"Uniklinik\"}],"
        + "\"subject\":{\"reference\":\"#pat-90411\"},\"performer\":[{\"reference\":\"#org-1\"}]}";
    String out = new String(FhirDeidentifier.deidentify(obs.getBytes(StandardCharsets.UTF_8), id -> "PZ" + id.length()),
        StandardCharsets.UTF_8);
    assertFalse(out.contains("90411"), "the contained Patient's id reached the copy: " + out);
    JsonNode t = M.readTree(out);
    assertEquals("PZ9", t.get("contained").get(0).get("id").asText());
    assertEquals("#PZ9", t.get("subject").get("reference").asText(), "the reference still resolves: " + out);
    assertEquals("#org-1", t.get("performer").get(0).get("reference").asText());
  }

  /**
   * Base64 content the de-identifier cannot read (a Binary resource, an attachment's data in a
   * DocumentReference or an Observation's value, a signature's data) holds whole documents (a
   * discharge letter with the patient's name and MRN, an embedded Patient resource): it was copied
   * as it was. A sampled series' data is numbers and stays.
   */
  @Test
  void base64ContentItCannotReadIsDropped() throws Exception {
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    String letter = b64.encodeToString("Discharge letter: Anna Mueller, MRN-K-88213".getBytes(StandardCharsets.UTF_8));
    String patient = b64.encodeToString("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Mueller\"}]}"
        .getBytes(StandardCharsets.UTF_8));
    String sig = b64.encodeToString("signed by Dr Hans Weber".getBytes(StandardCharsets.UTF_8));
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Binary\",\"contentType\":\"application/fhir+json\",\"data\":\"" + patient + "\"}},"
        + "{\"resource\":{\"resourceType\":\"DocumentReference\",\"status\":\"current\",\"content\":[{\"attachment\":"
        + "{\"contentType\":\"text/plain\",\"data\":\"" + letter + "\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"valueAttachment\":{\"data\":\""
        + letter + "\"}}},"
        + "{\"resource\":{\"resourceType\":\"Provenance\",\"signature\":[{\"sigFormat\":\"text/plain\",\"data\":\""
        + sig + "\"}]}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"valueSampledData\":{\"origin\":"
        + "{\"value\":0},\"period\":10,\"dimensions\":1,\"data\":\"1 2 3 4\"}}}]}";
    String out = copy(bundle);
    for (String secret : List.of(letter, patient, sig)) {
      assertFalse(out.contains(secret), "base64 content reached the copy: " + out);
    }
    assertTrue(out.contains("\"data\":\"1 2 3 4\""), "a sampled series stays: " + out);
    assertTrue(out.contains("text/plain"), out);
  }

  /**
   * A Patient entry without an id is known by its entry's {@code urn:uuid:} full URL (the identity
   * the indexer gives it, often the patient's id in the source system): that full URL and every
   * reference to it passed unchanged, so researchers could link the copy to the patient.
   */
  @Test
  void thePatientOfAnEntryWithoutAnIdIsPseudonymizedByItsFullUrl() throws Exception {
    String uuid = "urn:uuid:7f3c2a90-5d1e-4c2b-9a7e-3b1f0c6d8e42";
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"fullUrl\":\"" + uuid + "\",\"resource\":{\"resourceType\":\"Patient\",\"gender\":\"female\"}},"
        + "{\"fullUrl\":\"urn:uuid:0b9d\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
        + "\"subject\":{\"reference\":\"" + uuid + "\"}}}]}";
    String out = new String(FhirDeidentifier.deidentify(bundle.getBytes(StandardCharsets.UTF_8), id -> "PZ" + id.length()),
        StandardCharsets.UTF_8);
    assertFalse(out.contains("7f3c2a90"), "the Patient's full URL reached the copy: " + out);
    JsonNode t = M.readTree(out);
    String pseudonymous = t.get("entry").get(0).get("fullUrl").asText();
    assertEquals("urn:uuid:PZ" + (uuid.length() - "urn:uuid:".length()), pseudonymous);
    assertEquals(pseudonymous, t.get("entry").get(1).get("resource").get("subject").get("reference").asText(),
        "the reference still resolves: " + out);
    assertEquals("urn:uuid:0b9d", t.get("entry").get(1).get("fullUrl").asText());
    String byOid = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"fullUrl\":\"urn:oid:1.2.840.99.7301\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p\"}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
        + "\"subject\":{\"reference\":\"urn:oid:1.2.840.99.7301\"}}}]}";
    String oidOut = copy(byOid);
    assertFalse(oidOut.contains("7301"), "the Patient's full URL reached the copy: " + oidOut);
    assertEquals(2, oidOut.split("urn:oid:PZp", -1).length - 1, oidOut);
  }

  /**
   * A FamilyMemberHistory names the patient's relative ({@code name}) and gives the relative's
   * dates of birth and death: the name and the full dates reached the copy.
   */
  @Test
  void aRelativesNameAndDatesInAFamilyHistoryLeakNothing() throws Exception {
    String fmh = "{\"resourceType\":\"FamilyMemberHistory\",\"status\":\"completed\","
        + "\"patient\":{\"reference\":\"Patient/p\"},\"name\":\"Greta Mueller\","
        + "\"relationship\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\","
        + "\"code\":\"MTH\",\"display\":\"mother\"}]},\"bornDate\":\"1950-04-12\",\"deceasedDate\":\"2019-11-03\","
        + "\"condition\":[{\"code\":{\"text\":\"breast cancer\"}}]}";
    String other = "{\"resourceType\":\"FamilyMemberHistory\",\"status\":\"completed\","
        + "\"patient\":{\"reference\":\"Patient/p\"},\"bornString\":\"12 April 1950 in Koeln\","
        + "\"bornPeriod\":{\"start\":\"1950-04-12\"},\"deceasedString\":\"3 Nov 2019\"}";
    String out = copy(fmh) + copy(other);
    assertLeaksNothing(out, List.of("Greta", "04-12", "11-03", "April", "Nov"));
    JsonNode t = M.readTree(copy(fmh));
    assertEquals("1950", t.get("bornDate").asText());
    assertEquals("2019", t.get("deceasedDate").asText());
    assertTrue(out.contains("breast cancer") && out.contains("mother"), "clinical content stays: " + out);
  }

  /**
   * A claim's accident happened at an address (often the patient's home): {@code
   * accident.locationAddress} reached the copy whole, street and postal code included.
   */
  @Test
  void anAccidentsAddressIsCutToStateAndCountry() throws Exception {
    for (String type : List.of("Claim", "ExplanationOfBenefit")) {
      String claim = "{\"resourceType\":\"" + type + "\",\"status\":\"active\",\"patient\":{\"reference\":\"Patient/p\"},"
          + "\"accident\":{\"date\":\"2026-02-01\",\"locationAddress\":{\"line\":[\"Lindenweg 17\"],"
          + "\"city\":\"Bruehl\",\"postalCode\":\"50321\",\"state\":\"NRW\",\"country\":\"DE\"}}}";
      String out = copy(claim);
      assertLeaksNothing(out, List.of("Lindenweg", "Bruehl", "50321"));
      JsonNode a = M.readTree(out).get("accident").get("locationAddress");
      assertEquals("NRW", a.get("state").asText(), out);
      assertEquals("DE", a.get("country").asText(), out);
    }
  }

  /**
   * Identifiers under other names than {@code identifier}: a specimen's accession number, a
   * document's master identifier, an encounter's pre-admission number, a request's requisition and
   * group identifier. Each reached the copy.
   */
  @Test
  void identifiersUnderOtherNamesLeakNothing() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Specimen\",\"accessionIdentifier\":{\"system\":\"http://lab\","
        + "\"value\":\"ACC-30441\"}}},"
        + "{\"resource\":{\"resourceType\":\"DocumentReference\",\"status\":\"current\",\"masterIdentifier\":"
        + "{\"value\":\"DOC-MRN-88213\"}}},"
        + "{\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"hospitalization\":"
        + "{\"preAdmissionIdentifier\":{\"value\":\"PRE-55127\"}}}},"
        + "{\"resource\":{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"requisition\":"
        + "{\"value\":\"REQ-70012\"}}},"
        + "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"groupIdentifier\":"
        + "{\"value\":\"GRP-61150\"}}}]}";
    String out = copy(bundle);
    assertLeaksNothing(out, List.of("ACC-30441", "DOC-MRN-88213", "PRE-55127", "REQ-70012", "GRP-61150"));
    assertTrue(out.contains("finished"), out);
  }

  /**
   * An implanted device's serial number and UDI (a device identifier in HIPAA's list, and on the
   * patient for life) reached the copy.
   */
  @Test
  void aDevicesSerialNumberAndUdiLeakNothing() throws Exception {
    String device = "{\"resourceType\":\"Device\",\"status\":\"active\",\"patient\":{\"reference\":\"Patient/p\"},"
        + "\"serialNumber\":\"SN-PM-4471902\",\"udiCarrier\":[{\"deviceIdentifier\":\"09504000059118\","
        + "\"carrierHRF\":\"(01)09504000059118(21)SN-PM-4471902\"}],"
        + "\"type\":{\"text\":\"cardiac pacemaker\"},\"lotNumber\":\"L-2025-11\"}";
    String out = copy(device);
    assertLeaksNothing(out, List.of("4471902", "09504000059118"));
    assertTrue(out.contains("cardiac pacemaker") && out.contains("L-2025-11"), "a lot is not one person's: " + out);
  }

  /**
   * An Attachment's {@code url}, {@code title} and {@code hash} (a document's, a photo's, a
   * message's, a report's, a consent form's) name the patient or fingerprint the document; with
   * {@code data} gone they still reached the copy. Its type, language, size and creation stay.
   */
  @Test
  void attachmentsKeepOnlyTheirTypeLanguageSizeAndCreation() throws Exception {
    String hash = "q83vEjRWeJq83vEjRWeJq83vEjQ=";
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"DocumentReference\",\"status\":\"current\",\"content\":[{\"attachment\":"
        + "{\"contentType\":\"text/plain\",\"language\":\"de\",\"url\":\"https://ehr.example/docs/anna-mueller.pdf\","
        + "\"title\":\"Arztbrief Anna Mueller\",\"size\":1234,\"hash\":\"" + hash + "\",\"creation\":\"2026-01-02\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Media\",\"status\":\"completed\",\"content\":{\"contentType\":\"image/jpeg\","
        + "\"url\":\"https://pacs.example/photos/lena-vogt-face.jpg\",\"title\":\"Lena Vogt, face\"}}},"
        + "{\"resource\":{\"resourceType\":\"Communication\",\"status\":\"completed\",\"payload\":[{\"contentAttachment\":"
        + "{\"url\":\"https://portal.example/u/jonas.klein/scan.pdf\",\"title\":\"Jonas Klein ID card\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"component\":[{\"code\":{\"text\":\"ECG\"},"
        + "\"valueAttachment\":{\"contentType\":\"application/pdf\",\"title\":\"ECG of Petra Lang\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"DiagnosticReport\",\"status\":\"final\",\"presentedForm\":[{\"title\":"
        + "\"Report for Karl Bauer\",\"url\":\"Binary/karl-bauer-1948\"}]}},"
        + "{\"resource\":{\"resourceType\":\"Consent\",\"status\":\"active\",\"sourceAttachment\":{\"title\":"
        + "\"Consent signed by Eva Roth\"}}}]}";
    String out = copy(bundle);
    assertLeaksNothing(out, List.of("anna-mueller", "Anna Mueller", "lena-vogt", "Lena Vogt", "jonas.klein",
        "Jonas Klein", "Petra Lang", "Karl Bauer", "karl-bauer", "Eva Roth", hash));
    assertEquals("{\"contentType\":\"text/plain\",\"language\":\"de\",\"size\":1234,\"creation\":\"2026-01-02\"}",
        M.readTree(out).get("entry").get(0).get("resource").get("content").get(0).get("attachment").toString());
    assertTrue(out.contains("image/jpeg") && out.contains("application/pdf") && out.contains("ECG"), out);
    assertThrows(MalformedEncodingException.class,
        () -> copy("{\"resourceType\":\"Media\",\"content\":\"https://pacs.example/photos/lena-vogt-face.jpg\"}"));
  }

  /**
   * Extensions whose value is text, a URL or a date of the person rather than a code or a
   * number (a nickname, an emergency contact's name and homepage in a complex extension, a portal
   * URL, a note in markdown, a local birth-time extension on {@code _birthDate}) reached the copy,
   * and so did an extension given as an object instead of an array. Coded extensions stay.
   */
  @Test
  void extensionsCarryingTextUrlsOrAPersonsDatesLeakNothing() throws Exception {
    String patient = "{\"resourceType\":\"Patient\",\"id\":\"p\",\"birthDate\":\"1984-02-11\","
        + "\"_birthDate\":{\"extension\":[{\"url\":\"http://example.org/fhir/birth-time\","
        + "\"valueDateTime\":\"1984-02-11T08:15:00+01:00\"}]},\"extension\":["
        + "{\"url\":\"http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex\",\"valueCode\":\"F\"},"
        + "{\"url\":\"http://example.org/fhir/nickname\",\"valueString\":\"Annie\"},"
        + "{\"url\":\"http://hl7.org/fhir/StructureDefinition/patient-nationality\",\"extension\":[{\"url\":\"code\","
        + "\"valueCodeableConcept\":{\"coding\":[{\"system\":\"urn:iso:std:iso:3166\",\"code\":\"DE\"}]}}]},"
        + "{\"url\":\"http://example.org/fhir/emergency\",\"extension\":[{\"url\":\"name\",\"valueString\":\"Klaus\"},"
        + "{\"url\":\"homepage\",\"valueUrl\":\"https://kmueller.example\"}]},"
        + "{\"url\":\"http://example.org/fhir/portal\",\"valueUri\":\"https://portal.example/users/amueller\"},"
        + "{\"url\":\"http://example.org/fhir/note\",\"valueMarkdown\":\"lives alone above the bakery\"}]}";
    String out = copyKeeping(patient, List.of("Annie", "Klaus", "kmueller", "amueller", "bakery", "02-11"),
        "\"valueCode\":\"F\"", "urn:iso:std:iso:3166");
    assertEquals("1984", M.readTree(out).get("birthDate").asText());
    for (String bad : List.of("{\"url\":\"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName\","
        + "\"valueString\":\"Schmitz\"}", "[\"Schmitz\"]")) {
      assertThrows(MalformedEncodingException.class,
          () -> copy("{\"resourceType\":\"Observation\",\"status\":\"final\",\"extension\":" + bad + "}"), bad);
    }
  }

  /**
   * The patient's home as a Location (its name, alias and description naming the family, its
   * street address, its latitude and longitude), the display of references to it, and a
   * geolocation extension: each reached the copy. Its kind and the state stay.
   */
  @Test
  void thePatientsHomeAsALocationLeaksNoPlaceOrName() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"fullUrl\":\"urn:uuid:loc-home\",\"resource\":{\"resourceType\":\"Location\",\"id\":\"home-1\","
        + "\"status\":\"active\",\"name\":\"Home of John Smith\",\"alias\":[\"Smith residence\"],"
        + "\"description\":\"flat of the Smiths\",\"type\":[{\"coding\":[{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\"PTRES\"}]}],\"address\":{\"line\":"
        + "[\"Lindenweg 17\"],\"city\":\"Bruehl\",\"postalCode\":\"50321\",\"state\":\"NRW\",\"country\":\"DE\"},"
        + "\"position\":{\"longitude\":6.8831,\"latitude\":50.8283}}},"
        + "{\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"subject\":{\"reference\":\"Patient/p\"},"
        + "\"contained\":[{\"resourceType\":\"Location\",\"id\":\"l\",\"name\":\"Smith farm\"}],"
        + "\"location\":[{\"location\":{\"reference\":\"Location/home-1\",\"display\":\"Home of J. Smith\"}},"
        + "{\"location\":{\"reference\":\"urn:uuid:loc-home\",\"display\":\"Smith home\"}},"
        + "{\"location\":{\"reference\":\"#l\",\"display\":\"Smith farm\"}}],"
        + "\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/geolocation\",\"extension\":["
        + "{\"url\":\"latitude\",\"valueDecimal\":50.8283},{\"url\":\"longitude\",\"valueDecimal\":6.8831}]}]}}]}";
    String out = copy(bundle);
    assertLeaksNothing(out, List.of("Smith", "Lindenweg", "Bruehl", "50321", "6.8831", "50.8283"));
    JsonNode loc = M.readTree(out).get("entry").get(0).get("resource");
    assertEquals("{\"state\":\"NRW\",\"country\":\"DE\"}", loc.get("address").toString());
    assertTrue(out.contains("PTRES") && out.contains("finished") && out.contains("Location/home-1"), out);
  }

  /**
   * Ages over 89 (HIPAA Safe Harbor groups them as 90 or older): a condition's onset at 93, a
   * relative's age in months, an age extension; each reached the copy exactly. An age in a unit
   * the de-identifier cannot read loses its value; ages up to 89 stay.
   */
  @Test
  void agesOverEightyNineAreGivenAsNinetyOrOlder() throws Exception {
    String ucum = "\"system\":\"http://unitsofmeasure.org\"";
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Condition\",\"onsetAge\":{\"value\":93,\"unit\":\"years\"," + ucum
        + ",\"code\":\"a\"},\"abatementAge\":{\"value\":45.5,\"unit\":\"a\"," + ucum + ",\"code\":\"a\"}}},"
        + "{\"resource\":{\"resourceType\":\"FamilyMemberHistory\",\"status\":\"completed\",\"ageAge\":{\"value\":1130,"
        + "\"unit\":\"months\"," + ucum + ",\"code\":\"mo\"},\"condition\":[{\"onsetAge\":{\"value\":91.5,\"unit\":\"yr\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"extension\":[{\"url\":"
        + "\"http://example.org/fhir/age\",\"valueAge\":{\"value\":97,\"unit\":\"a\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Condition\",\"onsetAge\":{\"value\":95,\"unit\":\"Jahre\"}}}]}";
    JsonNode t = M.readTree(copy(bundle));
    String ninety = "{\"value\":90,\"comparator\":\">=\",\"unit\":\"a\"," + ucum + ",\"code\":\"a\"}";
    assertEquals(ninety, t.at("/entry/0/resource/onsetAge").toString());
    assertEquals("{\"value\":45.5,\"unit\":\"a\"," + ucum + ",\"code\":\"a\"}", t.at("/entry/0/resource/abatementAge").toString());
    assertEquals(ninety, t.at("/entry/1/resource/ageAge").toString());
    assertEquals(ninety, t.at("/entry/1/resource/condition/0/onsetAge").toString());
    assertEquals(ninety, t.at("/entry/2/resource/extension/0/valueAge").toString());
    assertEquals("{\"unit\":\"Jahre\"}", t.at("/entry/3/resource/onsetAge").toString());
  }

  /**
   * An AuditEvent of the patient's portal login names the user ({@code agent.name},
   * {@code agent.altId}), gives the IP address ({@code agent.network.address}), and the entity
   * read by name, description, search ({@code query}, base64) and details (the MRN): each reached
   * the copy.
   */
  @Test
  void anAuditEventNamesNoUserAddressOrSearch() throws Exception {
    String mrn = "MRN-K-88213";
    String query = java.util.Base64.getEncoder().encodeToString(("Patient?identifier=" + mrn).getBytes(StandardCharsets.UTF_8));
    String audit = "{\"resourceType\":\"AuditEvent\",\"type\":{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/audit-event-type\",\"code\":\"rest\"},\"recorded\":\"2026-03-01T10:00:00Z\","
        + "\"agent\":[{\"who\":{\"reference\":\"Patient/p\"},\"name\":\"Anna Mueller\",\"altId\":\"amueller@portal\","
        + "\"requestor\":true,\"network\":{\"address\":\"203.0.113.47\",\"type\":\"2\"}}],"
        + "\"source\":{\"observer\":{\"reference\":\"Device/portal\"}},"
        + "\"entity\":[{\"what\":{\"reference\":\"Patient/p\"},\"name\":\"Anna Mueller\",\"description\":\"chart of A. Mueller\","
        + "\"query\":\"" + query + "\",\"detail\":[{\"type\":\"mrn\",\"valueString\":\"" + mrn + "\"}]}]}";
    copyKeeping(audit, List.of("Mueller", "amueller", "203.0.113.47", query, mrn),
        "rest", "2026-03-01T10:00:00Z", "\"requestor\":true");
  }

  /**
   * Numbers of one person outside identifiers: an Account's name (holder and account number), a
   * home device's network address ({@code Device.url}) and contact, a Coverage's dependent number,
   * and the prior-authorization numbers of claims: each reached the copy.
   */
  @Test
  void accountDeviceAndInsuranceNumbersLeakNothing() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Account\",\"status\":\"active\",\"name\":\"A. Mueller acct 4471-2201\"}},"
        + "{\"resource\":{\"resourceType\":\"Device\",\"status\":\"active\",\"url\":\"http://192.0.2.15:8080/pump\","
        + "\"contact\":[{\"system\":\"phone\",\"value\":\"+49 221 555 0199\"}],\"type\":{\"text\":\"insulin pump\"}}},"
        + "{\"resource\":{\"resourceType\":\"Coverage\",\"status\":\"active\",\"dependent\":\"DEP-3310\"}},"
        + "{\"resource\":{\"resourceType\":\"Claim\",\"status\":\"active\",\"insurance\":[{\"sequence\":1,\"focal\":true,"
        + "\"preAuthRef\":[\"PA-77120\"]}]}},"
        + "{\"resource\":{\"resourceType\":\"ClaimResponse\",\"status\":\"active\",\"preAuthRef\":\"PA-88231\"}},"
        + "{\"resource\":{\"resourceType\":\"ExplanationOfBenefit\",\"status\":\"active\",\"preAuthRef\":[\"PA-99120\"],"
        + "\"insurance\":[{\"focal\":true,\"preAuthRef\":[\"PA-99121\"]}]}}]}";
    copyKeeping(bundle, List.of("4471-2201", "192.0.2.15", "555 0199", "DEP-3310", "PA-77120", "PA-88231",
        "PA-99120", "PA-99121"), "insulin pump", "\"focal\":true");
  }

  /**
   * The names this class removes from a Practitioner, an Account, a CareTeam, a Group and a List
   * stood in the display of references to a PractitionerRole (its practitioner's name), an Account,
   * a CareTeam, a Group and a List, by type, absolute URL, entry or contained resource; they reached
   * the copy. An Organization's display stays.
   */
  @Test
  void displaysOfReferencesToRolesAccountsTeamsGroupsAndListsLeakNothing() throws Exception {
    String bundle = """
        {'resourceType':'Bundle','type':'collection','entry':[
         {'fullUrl':'urn:uuid:role-1','resource':{'resourceType':'PractitionerRole','active':true}},
         {'resource':{'resourceType':'Observation','status':'final','code':{'text':'HbA1c'},
          'performer':[{'reference':'PractitionerRole/7','display':'Dr Wojciechowska'},
           {'reference':'urn:uuid:role-1','display':'Dr Quast'},{'reference':'CareTeam/2','display':'Team Hannelore'},
           {'reference':'Organization/uk','display':'Uniklinik Koeln'}],
          'subject':{'reference':'https://ehr.example.org/fhir/Group/3','display':'Ehrenstrasse household'},
          'focus':[{'reference':'#l1','display':'Lindenweg list'}],
          'contained':[{'resourceType':'List','id':'l1','status':'current','mode':'working'}]}},
         {'resource':{'resourceType':'ChargeItem','status':'billable','code':{'text':'x'},
          'subject':{'reference':'Patient/p'},'account':[{'reference':'Account/9','display':'A. Roth acct 4471-2201'}]}}]}
        """.replace('\'', '"');
    copyKeeping(bundle, List.of("Wojciechowska", "Quast", "Hannelore", "Ehrenstrasse", "Lindenweg", "4471-2201"),
        "Uniklinik Koeln", "PractitionerRole/7", "HbA1c");
  }

  /**
   * A Subscription kept in a record (a patient's notifications) gave the patient's real id and
   * record number in its {@code criteria} search, a phone in its {@code contact} and the channel's
   * credentials in its {@code header}s: each reached the copy. The criteria's resource type stays.
   */
  @Test
  void aSubscriptionsSearchContactAndCredentialsLeakNothing() throws Exception {
    String sub = """
        {'resourceType':'Subscription','status':'active','reason':'new HbA1c results',
         'criteria':'Observation?patient=Patient/anna-7&subject.identifier=MRN-55120',
         'contact':[{'system':'phone','value':'+49 221 555 0177'}],
         'channel':{'type':'rest-hook','endpoint':'https://app.example.org/hook','payload':'application/fhir+json',
          'header':['Authorization: Bearer s3cr3t-t0ken']}}""".replace('\'', '"');
    copyKeeping(sub, List.of("anna-7", "MRN-55120", "555 0177", "s3cr3t-t0ken"), "\"criteria\":\"Observation\"",
        "rest-hook", "new HbA1c results");
  }

  /**
   * R4 gives an Organization and an InsurancePlan contact persons ({@code contact}: a HumanName, an
   * Address, ContactPoints) and an Endpoint contact points: only their telecoms went, so the name
   * and street address of, say, the patient's employer's contact (often a relative, or the patient
   * in a small business) reached the copy.
   */
  @Test
  void contactPersonsOfOrganizationsPlansAndEndpointsLeakNothing() throws Exception {
    String bundle = """
        {'resourceType':'Bundle','type':'collection','entry':[
         {'resource':{'resourceType':'Organization','id':'employer','name':'Roth Bakery','contact':[
          {'purpose':{'text':'HR'},'name':{'family':'Wojciechowska','given':['Ilse']},
           'telecom':[{'system':'phone','value':'+49 221 555 0142'}],
           'address':{'line':['Ehrenstrasse 12'],'city':'Koeln','postalCode':'50672'}}]}},
         {'resource':{'resourceType':'InsurancePlan','status':'active','contact':[
          {'name':{'text':'Hannelore Quast'},'address':{'line':['Lindenweg 3']}}]}},
         {'resource':{'resourceType':'Endpoint','status':'active','address':'https://ep.example.org/fhir',
          'contact':[{'system':'email','value':'ilse.w@example.org'}]}}]}""".replace('\'', '"');
    copyKeeping(bundle, List.of("Wojciechowska", "Ilse", "555 0142", "Ehrenstrasse", "50672", "Hannelore",
        "Lindenweg", "ilse.w@"), "Roth Bakery", "https://ep.example.org/fhir");
  }

  /** A MessageHeader names who to call about the message ({@code source.contact}, a phone): it goes. */
  @Test
  void theContactOfAMessagesSourceLeaksNothing() throws Exception {
    String header = """
        {'resourceType':'MessageHeader','eventCoding':{'system':'http://example.org/events','code':'admit'},
         'source':{'name':'Ward 3 gateway','software':'EHR','endpoint':'https://gw.example.org/fhir',
          'contact':{'system':'phone','value':'+49 221 555 0173'}}}""".replace('\'', '"');
    copyKeeping(header, List.of("555 0173"), "Ward 3 gateway", "https://gw.example.org/fhir");
  }

  /**
   * A FHIR document's sections carry narratives ({@code Composition.section.text.div}, nested
   * sections too) that tell the patient's name, birth date and street: only a resource's own
   * narrative went, so the sections' reached the copy. A concept's {@code text} (a string) stays.
   */
  @Test
  void narrativesOfSectionsLeakNothing() throws Exception {
    String div = "<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">";
    String composition = "{\"resourceType\":\"Composition\",\"status\":\"final\",\"type\":{\"text\":\"discharge summary\"},"
        + "\"subject\":{\"reference\":\"Patient/p\"},\"date\":\"2026-02-03\",\"title\":\"Discharge summary\","
        + "\"section\":[{\"title\":\"Social history\",\"code\":{\"text\":\"social history\"},\"text\":{\"status\":"
        + "\"generated\",\"div\":\"" + div + "Anna Mueller, born 11.02.1984, lives at Lindenweg 17</div>\"},"
        + "\"section\":[{\"title\":\"Contacts\",\"text\":{\"status\":\"additional\",\"div\":\"" + div
        + "Daughter Greta Mueller, +49 221 555 0199</div>\"}}]}]}";
    copyKeeping(composition, List.of("Mueller", "11.02.1984", "Lindenweg", "555 0199"),
        "social history", "Social history", "Contacts");
  }

  /**
   * A searchset Bundle's links ({@code Bundle.link.url}, {@code entry.link.url}) carry the search
   * that found the patient: the name, birth date and MRN in the query reached the copy. The query
   * goes; a Patient id in the path is pseudonymized.
   */
  @Test
  void theSearchInABundlesLinksLeaksNothing() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"self\",\"url\":"
        + "\"https://ehr.example/fhir/Patient?family=Mueller&birthdate=1984-02-11&identifier=MRN-K-88213\"}],"
        + "\"entry\":[{\"link\":[{\"relation\":\"alternate\",\"url\":\"https://ehr.example/fhir/Patient/pat-77123"
        + "?_format=json&name=Mueller\"}],\"fullUrl\":\"https://ehr.example/fhir/Patient/pat-77123\","
        + "\"resource\":{\"resourceType\":\"Patient\",\"id\":\"pat-77123\"},\"search\":{\"mode\":\"match\"}}]}";
    String out = copy(bundle);
    assertLeaksNothing(out, List.of("Mueller", "1984-02-11", "MRN-K-88213", "\"pat-77123", "/pat-77123"));
    JsonNode t = M.readTree(out);
    assertEquals("https://ehr.example/fhir/Patient", t.at("/link/0/url").asText());
    assertEquals("https://ehr.example/fhir/Patient/PZpat-77123", t.at("/entry/0/link/0/url").asText());
  }

  /**
   * Names, contact points and addresses as choice values outside extensions (an operation's
   * {@code Parameters}, a Task's input and output): {@code valueHumanName},
   * {@code valueContactPoint} and {@code valueAddress} reached the copy whole.
   */
  @Test
  void namesContactsAndAddressesAsChoiceValuesLeakNothing() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"name\",\"valueHumanName\":"
        + "{\"family\":\"Mueller\",\"given\":[\"Anna\"]}},{\"name\":\"phone\",\"valueContactPoint\":{\"system\":\"phone\","
        + "\"value\":\"+49 221 555 0199\"}},{\"name\":\"address\",\"valueAddress\":{\"line\":[\"Lindenweg 17\"],"
        + "\"city\":\"Bruehl\",\"postalCode\":\"50321\",\"state\":\"NRW\",\"country\":\"DE\"}}]}},"
        + "{\"resource\":{\"resourceType\":\"Task\",\"status\":\"requested\",\"intent\":\"order\",\"output\":[{\"type\":"
        + "{\"text\":\"new address\"},\"valueAddress\":{\"line\":[\"Rosenstr. 4\"],\"city\":\"Hürth\",\"state\":\"NRW\"}}]}}]}";
    String out = copyKeeping(bundle, List.of("Mueller", "Anna", "555 0199", "Lindenweg", "Bruehl", "50321", "Rosenstr",
        "Hürth"), "new address");
    assertEquals("{\"state\":\"NRW\",\"country\":\"DE\"}",
        M.readTree(out).at("/entry/0/resource/parameter/2/valueAddress").toString());
  }

  /**
   * An intake questionnaire's answers give the patient's name, phone, email and homepage as
   * {@code valueString} and {@code valueUri}: they reached the copy. Coded and numeric answers,
   * and nested items, stay.
   */
  @Test
  void questionnaireAnswersOfTextLeakNothing() throws Exception {
    String qr = "{\"resourceType\":\"QuestionnaireResponse\",\"status\":\"completed\",\"item\":["
        + "{\"linkId\":\"1\",\"text\":\"Your name\",\"answer\":[{\"valueString\":\"Anna Mueller\"}]},"
        + "{\"linkId\":\"2\",\"text\":\"Phone\",\"answer\":[{\"valueString\":\"+49 221 555 0199\"}]},"
        + "{\"linkId\":\"3\",\"text\":\"Homepage\",\"answer\":[{\"valueUri\":\"https://amueller.example\"}]},"
        + "{\"linkId\":\"4\",\"text\":\"Smoker\",\"answer\":[{\"valueBoolean\":false,\"item\":[{\"linkId\":\"4.1\","
        + "\"text\":\"Pack years\",\"answer\":[{\"valueDecimal\":0}]}]}]},"
        + "{\"linkId\":\"5\",\"text\":\"Pain\",\"answer\":[{\"valueCoding\":{\"code\":\"LA6752-5\",\"display\":\"Mild\"}}]}]}";
    copyKeeping(qr, List.of("Mueller", "555 0199", "amueller"), "\"valueBoolean\":false", "Pack years", "LA6752-5");
  }

  /**
   * An imaging study's DICOM UIDs (study, series and instance) are unique numbers that link the
   * copy back to the images in the hospital's archive: they reached the copy.
   */
  @Test
  void anImagingStudysUidsLeakNothing() throws Exception {
    String study = "{\"resourceType\":\"ImagingStudy\",\"status\":\"available\",\"subject\":{\"reference\":\"Patient/p\"},"
        + "\"series\":[{\"uid\":\"2.25.1187\",\"number\":1,\"modality\":{\"system\":\"http://dicom.nema.org/resources/"
        + "ontology/DCM\",\"code\":\"CT\"},\"instance\":[{\"uid\":\"2.25.9931\",\"sopClass\":{\"code\":\"1.2.840.10008.5.1.4.1.1.2\"},"
        + "\"number\":1}]}]}";
    copyKeeping(study, List.of("2.25.1187", "2.25.9931"), "\"code\":\"CT\"", "1.2.840.10008.5.1.4.1.1.2");
  }

  /**
   * Ages and birth dates in other shapes than an Age: an Observation of the patient's age (LOINC
   * 30525-0) as a quantity of 93 years, a component of the age reported (21612-7) in months, an
   * Observation of the birth date (21112-8) to the day, a relative's {@code ageString} and an
   * {@code ageRange} from 92 to 95 years, a condition's {@code onsetRange} up to 95 years: each
   * reached the copy exactly.
   */
  @Test
  void agesAndBirthDatesInOtherShapesLeakNothing() throws Exception {
    String ucum = "\"system\":\"http://unitsofmeasure.org\"";
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://loinc.org\",\"code\":\"30525-0\"}]},\"valueQuantity\":{\"value\":93,\"unit\":\"a\"," + ucum + ",\"code\":\"a\"},"
        + "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"21612-7\"}]},"
        + "\"valueQuantity\":{\"value\":1130,\"unit\":\"mo\"," + ucum + ",\"code\":\"mo\"}},"
        + "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":72}}]}},"
        + "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://loinc.org\",\"code\":\"21112-8\"}]},\"valueDateTime\":\"1941-05-04\"}},"
        + "{\"resource\":{\"resourceType\":\"FamilyMemberHistory\",\"status\":\"completed\",\"ageString\":\"ninety-three\","
        + "\"condition\":[{\"onsetRange\":{\"low\":{\"value\":40,\"unit\":\"a\"},\"high\":{\"value\":95,\"unit\":\"a\"}}}]}},"
        + "{\"resource\":{\"resourceType\":\"FamilyMemberHistory\",\"status\":\"completed\",\"ageRange\":{\"low\":"
        + "{\"value\":92,\"unit\":\"a\"},\"high\":{\"value\":96,\"unit\":\"a\"}}}}]}";
    String out = copy(bundle);
    assertLeaksNothing(out, List.of("93", "1130", "05-04", "ninety", "95", "96", "92"));
    JsonNode t = M.readTree(out);
    String ninety = "{\"value\":90,\"comparator\":\">=\",\"unit\":\"a\"," + ucum + ",\"code\":\"a\"}";
    assertEquals(ninety, t.at("/entry/0/resource/valueQuantity").toString());
    assertEquals(ninety, t.at("/entry/0/resource/component/0/valueQuantity").toString());
    assertEquals("{\"value\":72}", t.at("/entry/0/resource/component/1/valueQuantity").toString());
    assertEquals("1941", t.at("/entry/1/resource/valueDateTime").asText());
    assertEquals("{\"low\":{\"value\":40,\"unit\":\"a\"}}", t.at("/entry/2/resource/condition/0/onsetRange").toString());
    assertEquals("{\"low\":{\"value\":90,\"unit\":\"a\"," + ucum + ",\"code\":\"a\"}}", t.at("/entry/3/resource/ageRange").toString());
  }

  /**
   * Names that resources give themselves after the patient: a CareTeam's {@code name} ("Peter
   * James Chalmers care team", as in HL7's own example), a Group's {@code name} (a household), a
   * List's {@code title}: each reached the copy.
   */
  @Test
  void namesOfTeamsGroupsAndListsLeakNothing() throws Exception {
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + "{\"resource\":{\"resourceType\":\"CareTeam\",\"status\":\"active\",\"name\":\"Peter James Chalmers care team\"}},"
        + "{\"resource\":{\"resourceType\":\"Group\",\"type\":\"person\",\"actual\":true,\"name\":\"Chalmers household\"}},"
        + "{\"resource\":{\"resourceType\":\"List\",\"status\":\"current\",\"mode\":\"snapshot\","
        + "\"title\":\"Medications of P. Chalmers\",\"code\":{\"text\":\"medication list\"}}}]}";
    copyKeeping(bundle, List.of("Chalmers"), "\"actual\":true", "medication list", "snapshot");
  }

  /** Hostile shapes: each is refused as malformed or passes through unchanged, never hangs or throws otherwise. */
  @Test
  void hostileInputIsRefusedOrCopiedAsItIs() {
    String deep = "{\"resourceType\":\"Observation\",\"x\":" + "[".repeat(300) + "]".repeat(300) + "}";
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(deep.getBytes(), x -> x));
    byte[] badUtf8 = "{\"resourceType\":\"Observation\",\"x\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(badUtf8, x -> x));
    String longNumber = "{\"resourceType\":\"Observation\",\"x\":1" + "0".repeat(1000) + "}";
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(longNumber.getBytes(), x -> x));
    String huge = "{\"resourceType\":\"Observation\",\"x\":1e999999999,\"y\":-1e-999999999}";
    String out = new String(FhirDeidentifier.deidentify(huge.getBytes(), x -> x), StandardCharsets.UTF_8);
    assertTrue(out.contains("1E+999999999") && out.contains("-1E-999999999"), out);
    String overflow = "{\"resourceType\":\"Observation\",\"valueAge\":{\"value\":1e2147483648,\"unit\":\"a\"}}";
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(overflow.getBytes(), x -> x));
    String dup = "{\"resourceType\":\"Patient\",\"name\":null,\"name\":[{\"family\":\"Roth\"}]}";
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(dup.getBytes(), x -> x));
    String dupType = "{\"resourceType\":\"Observation\",\"resourceType\":\"Patient\",\"name\":\"Roth\"}";
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(dupType.getBytes(), x -> x));
  }

  /**
   * What the de-identifier cannot vouch for was copied: a resource of a type R4 does not define (a
   * misspelt {@code patient}, an STU3 {@code ProcedureRequest}) kept its person's name, address and
   * birth date, as did a contained resource or a Bundle entry's resource without a resourceType;
   * UTF-16 and UTF-32 input (which FHIR does not allow and the indexer refuses) was read. Each is
   * now refused as malformed; a UTF-8 byte-order mark is still skipped.
   */
  @Test
  void inputItCannotVouchForIsRefused() {
    String person = PERSON;
    List<String> refused = List.of(
        "{'resourceType':'patient','id':'p'," + person + "}",
        "{'resourceType':'ProcedureRequest','id':'p','subject':{'reference':'Patient/p'}," + person + "}",
        "{'resourceType':'Bundle','type':'collection','entry':[{'resource':{'resourceType':'Pateint'," + person + "}}]}",
        "{'resourceType':'Observation','contained':[{'resourceType':'Persn'," + person + "}]}",
        "{'resourceType':'Observation','contained':[{'id':'rp'," + person + "}]}",
        "{'resourceType':'Bundle','type':'collection','entry':[{'resource':{'id':'p'," + person + "}}]}",
        "{'resourceType':'Bundle','type':'collection','entry':[{'resource':'Wojciechowska'}]}");
    assertAllRefused(refused);
    String patient = "{\"resourceType\":\"Patient\",\"id\":\"p\",\"name\":[{\"family\":\"Wojciechowska\"}]}";
    for (java.nio.charset.Charset cs : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE,
        StandardCharsets.UTF_16, java.nio.charset.Charset.forName("UTF-32BE"), java.nio.charset.Charset.forName("UTF-32LE"))) {
      assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(patient.getBytes(cs), x -> x),
          cs.name());
    }
    byte[] bom = ("\uFEFF" + patient).getBytes(StandardCharsets.UTF_8);
    assertEquals("{\"resourceType\":\"Patient\",\"id\":\"PZp\"}",
        new String(FhirDeidentifier.deidentify(bom, id -> "PZ" + id), StandardCharsets.UTF_8));
  }

  /**
   * FHIR R4 holds whole resources in two more places than contained resources and Bundle entries:
   * a Parameters parameter's (or part's) {@code resource} and a Bundle entry response's
   * {@code outcome}. Without a resourceType such a resource was copied as a plain element, its
   * person's name, address and birth date with it. It is refused as well; with its resourceType it
   * is de-identified as a resource.
   */
  @Test
  void aParameterResourceOrResponseOutcomeWithoutAResourceTypeIsRefused() {
    assertAllRefused(List.of(
        "{'resourceType':'Parameters','parameter':[{'name':'patient','resource':{'id':'p'," + PERSON + "}}]}",
        "{'resourceType':'Parameters','parameter':[{'name':'match','part':[{'name':'who','resource':{" + PERSON + "}}]}]}",
        "{'resourceType':'Parameters','parameter':[{'name':'patient','resource':'Wojciechowska'}]}",
        "{'resourceType':'Bundle','type':'transaction-response','entry':[{'response':{'status':'201',"
            + "'outcome':{" + PERSON + "}}}]}"));
    List<String> secrets = List.of("Wojciechowska", "Ehrenstrasse", "1970-05-06");
    copyKeeping(("{'resourceType':'Parameters','parameter':[{'name':'patient','resource':{'resourceType':'Patient',"
        + "'id':'p'," + PERSON + "}}]}").replace('\'', '"'), secrets, "\"birthDate\":\"1970\"");
    copyKeeping(("{'resourceType':'Bundle','type':'transaction-response','entry':[{'response':{'status':'201',"
        + "'outcome':{'resourceType':'Patient'," + PERSON + "}}}]}").replace('\'', '"'), secrets, "\"status\":\"201\"");
  }

  @Test
  void malformedInputIsRejected() {
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify("[1]".getBytes(), x -> x));
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify("{\"a\":1}".getBytes(), x -> x));
    assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify("{\"resourceType\":".getBytes(), x -> x));
  }

  /** A person's name, street address and birth date, as members of a resource (single quotes for double). */
  private static final String PERSON = "'name':[{'family':'Wojciechowska'}],'address':[{'line':['Ehrenstrasse 12']}],"
      + "'birthDate':'1970-05-06'";

  /** Checks that each of {@code docs} (single quotes for double) is refused as malformed. */
  private static void assertAllRefused(List<String> docs) {
    for (String doc : docs) {
      byte[] in = doc.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
      assertThrows(MalformedEncodingException.class, () -> FhirDeidentifier.deidentify(in, x -> x), doc);
    }
  }

  /** The de-identified copy of {@code json}, Patient ids mapped to {@code PZ<id>}. */
  private static String copy(String json) {
    return new String(FhirDeidentifier.deidentify(json.getBytes(StandardCharsets.UTF_8), id -> "PZ" + id),
        StandardCharsets.UTF_8);
  }

  /** The copy of {@code json}, checked to hold none of {@code secrets} and each of {@code kept}. */
  private static String copyKeeping(String json, List<String> secrets, String... kept) {
    String out = copy(json);
    assertLeaksNothing(out, secrets);
    for (String k : kept) {
      assertTrue(out.contains(k), k + " is missing from the copy: " + out);
    }
    return out;
  }

  private static void assertLeaksNothing(String copy, List<String> secrets) {
    for (String secret : secrets) {
      assertFalse(copy.contains(secret), secret + " reached the copy: " + copy);
    }
  }
}
