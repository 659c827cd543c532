package io.medledger.fhir;

import io.medledger.codec.MalformedEncodingException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FhirIndexerTest {
  private static final FhirIndexer INDEXER = new FhirIndexer();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static List<FhirResourceInfo> index(String json) {
    return INDEXER.index(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  /** The resources of a document as a tree, in document order: the oracle for order and dates. */
  private static void resources(JsonNode r, List<JsonNode> out) {
    out.add(r);
    if (r.path("resourceType").asText().equals("Bundle")) {
      for (JsonNode e : r.path("entry")) {
        if (e.has("resource")) {
          resources(e.get("resource"), out);
        }
      }
    }
  }

  private static String treeDate(JsonNode r) {
    for (String f : FhirIndexer.dateFields(r.path("resourceType").asText())) {
      JsonNode v = f.endsWith(".start") ? r.path(f.substring(0, f.length() - 6)).path("start") : r.path(f);
      if (v.isTextual()) {
        return v.asText();
      }
    }
    return null;
  }

  /**
   * Every file of the shared FHIR set, as listed by its manifest (and no file left out): the
   * top-level type and id, the entry counts per type, the patients, and for every resource its
   * type, id and date against a tree-model reading of the same file.
   */
  @Test
  void everySharedFhirFileMatchesItsManifest() throws IOException {
    JsonNode manifest = SharedVectors.json("data/fhir/manifest.json");
    Set<String> listed = new TreeSet<>();
    int files = 0;
    int resources = 0;
    int expectedResources = 0;
    for (JsonNode m : manifest.get("files")) {
      String rel = m.get("file").asText();
      listed.add(rel);
      byte[] bytes = SharedVectors.bytes("data/fhir/" + rel);
      List<FhirResourceInfo> got = INDEXER.index(bytes);
      try (InputStream in = Files.newInputStream(SharedVectors.path("data/fhir/" + rel))) {
        assertEquals(got, INDEXER.index(in), rel);
      }
      FhirResourceInfo top = got.get(0);
      assertEquals(m.get("resourceType").asText(), top.resourceType(), rel);
      assertEquals(text(m.get("id")), top.id(), rel);

      List<JsonNode> tree = new ArrayList<>();
      resources(MAPPER.readTree(bytes), tree);
      assertEquals(tree.size(), got.size(), rel);
      for (int i = 0; i < tree.size(); i++) {
        JsonNode r = tree.get(i);
        FhirResourceInfo f = got.get(i);
        String where = rel + " resource " + i;
        assertEquals(r.get("resourceType").asText(), f.resourceType(), where);
        assertEquals(text(r.get("id")), f.id(), where);
        assertEquals(treeDate(r), f.date(), where);
      }

      Set<String> manifestPatients = new TreeSet<>();
      m.get("patient_ids").forEach(p -> manifestPatients.add(p.asText()));
      if (top.resourceType().equals("Bundle")) {
        Map<String, Integer> types = new TreeMap<>();
        got.subList(1, got.size()).forEach(f -> types.merge(f.resourceType(), 1, Integer::sum));
        Map<String, Integer> want = new TreeMap<>();
        m.get("entry_resource_types").fields().forEachRemaining(e -> want.put(e.getKey(), e.getValue().asInt()));
        assertEquals(want, types, rel);
        expectedResources += want.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(got.size() - 1 <= m.get("entry_count").asInt(), rel);
        Set<String> patients = new TreeSet<>();
        got.forEach(f -> {
          if (f.patientId() != null) {
            patients.add(f.patientId());
          }
        });
        assertTrue(patients.containsAll(manifestPatients), rel + ": " + patients + " lacks some of " + manifestPatients);
      } else {
        assertEquals(manifestPatients, top.patientId() == null ? Set.of() : Set.of(top.patientId()), rel);
      }
      files++;
      resources += got.size();
    }
    assertEquals(manifest.get("file_count").asInt(), files);
    Path root = SharedVectors.path("data/fhir");
    try (Stream<Path> all = Files.walk(root)) {
      Set<String> onDisk = new TreeSet<>();
      all.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("manifest.json"))
          .forEach(p -> onDisk.add(root.relativize(p).toString().replace('\\', '/')));
      assertEquals(onDisk, listed, "every FHIR file is in the manifest and was indexed");
    }
    assertEquals(files + expectedResources, resources, "every file and every entry resource indexed");
  }

  /** Synthea patient bundles: every resource that refers to the patient (by urn:uuid) gets its id. */
  @Test
  void syntheaBundlesResolveUrnUuidPatientReferences() throws IOException {
    JsonNode manifest = SharedVectors.json("data/fhir/manifest.json");
    int checked = 0;
    for (JsonNode m : manifest.get("files")) {
      String rel = m.get("file").asText();
      if (!rel.startsWith("synthea/") || m.get("patient_ids").size() != 1) {
        continue;
      }
      String pid = m.get("patient_ids").get(0).asText();
      byte[] bytes = SharedVectors.bytes("data/fhir/" + rel);
      List<FhirResourceInfo> got = INDEXER.index(bytes);
      JsonNode entries = MAPPER.readTree(bytes).get("entry");
      for (int i = 0; i < entries.size(); i++) {
        JsonNode r = entries.get(i).get("resource");
        boolean refers = r.get("resourceType").asText().equals("Patient");
        for (String field : List.of("subject", "patient", "beneficiary", "individual")) {
          refers |= ("urn:uuid:" + pid).equals(r.path(field).path("reference").asText());
        }
        assertEquals(refers ? pid : null, got.get(i + 1).patientId(), rel + " entry " + i);
        checked++;
      }
    }
    assertTrue(checked > 900, "entries checked: " + checked);
  }

  @Test
  void spotChecksAgainstTheFiles() {
    List<FhirResourceInfo> adan = INDEXER.index(SharedVectors.bytes(
        "data/fhir/synthea/Adan_Pulido_7694b55e-b670-44a5-b426-c56027e97986.json"));
    assertEquals(563, adan.size());
    assertEquals(new FhirResourceInfo("Bundle", null, null, null), adan.get(0));
    assertEquals("Patient", adan.get(1).resourceType());
    assertEquals("d39173c2-7dc5-4a08-aba0-3f14f6b70d94", adan.get(1).patientId());
    assertEquals(new FhirResourceInfo("Patient", "example", "example", "1974-12-25"),
        INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/patient-example.json")).get(0));
    assertEquals(new FhirResourceInfo("Patient", "ch-example", "ch-example", null).resourceType(),
        INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/patient-example-chinese.json")).get(0).resourceType());
    assertEquals(new FhirResourceInfo("Observation", "10minute-apgar-score", null, "2016-05-18T22:33:22Z"),
        INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/observation-example-10minute-apgar-score.json")).get(0));
    assertEquals(new FhirResourceInfo("Consent", "consent-example-basic", "f001", "2016-05-11"),
        INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/consent-example.json")).get(0));
    assertEquals(new FhirResourceInfo("DocumentReference", "example", "xcda", "2005-12-24T09:43:41+11:00"),
        INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/documentreference-example.json")).get(0));
    assertEquals(new FhirResourceInfo("Provenance", "example", null, "2015-06-27"),
        INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/provenance-example.json")).get(0));
    List<FhirResourceInfo> edge = INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/json-edge-cases.json"));
    assertEquals(1, edge.size(), "contained resources are not listed");
    assertNull(edge.get(0).id());
    assertNull(edge.get(0).patientId());
  }

  /** bundle-references.json: relative, absolute, versioned, urn:uuid and identifier-only references. */
  @Test
  void bundleReferenceForms() {
    List<FhirResourceInfo> got = INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/bundle-references.json"));
    List<String> patients = got.stream().map(FhirResourceInfo::patientId).toList();
    List<String> expected = new ArrayList<>();
    expected.add(null); // the Bundle
    expected.addAll(List.of("23", "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d", "23", "23",
        "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d", "1", "23", "45", "45", "45"));
    expected.add(null); // subject by identifier only
    assertEquals(expected, patients);
    List<FhirResourceInfo> tx = INDEXER.index(SharedVectors.bytes("data/fhir/hl7-r4/bundle-transaction.json"));
    assertEquals(7, tx.size(), "DELETE and GET entries carry no resource");
    assertEquals("urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", tx.get(1).patientId());
    assertNull(tx.get(1).id());
    assertEquals("123", tx.get(3).patientId());
  }

  @Test
  void aByteOrderMarkIsSkipped() {
    JsonNode manifest = SharedVectors.json("data/fhir/manifest.json");
    for (JsonNode m : manifest.get("files")) {
      byte[] plain = SharedVectors.bytes("data/fhir/" + m.get("file").asText());
      byte[] bom = new byte[plain.length + 3];
      bom[0] = (byte) 0xEF;
      bom[1] = (byte) 0xBB;
      bom[2] = (byte) 0xBF;
      System.arraycopy(plain, 0, bom, 3, plain.length);
      assertEquals(INDEXER.index(plain), INDEXER.index(bom), m.get("file").asText());
    }
    assertEquals(List.of(new FhirResourceInfo("Patient", "p", "p", null)),
        INDEXER.index(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '"', 'r', 'e', 's', 'o', 'u', 'r', 'c', 'e', 'T', 'y', 'p', 'e',
            '"', ':', '"', 'P', 'a', 't', 'i', 'e', 'n', 't', '"', ',', '"', 'i', 'd', '"', ':', '"', 'p', '"', '}'}));
  }

  @Test
  void nestedBundlesForwardReferencesAndFieldOrder() {
    String json = """
        {"entry": [
          {"resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "urn:uuid:p1"},
                        "effectivePeriod": {"end": "2020-02-02", "start": "2020-01-01"}}},
          {"resource": {"resourceType": "Patient", "birthDate": "1970-01-01"}, "fullUrl": "urn:uuid:p1"},
          {"fullUrl": "urn:uuid:inner", "resource": {"resourceType": "Bundle", "id": "b2", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:p2", "resource": {"id": "x2", "resourceType": "Patient"}},
            {"resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:p2"}, "recordedDate": "2021"}},
            {"resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:p1"}, "onsetDateTime": "2022"}}
          ]}},
          {"resource": {"resourceType": "Observation", "subject": {"reference": "urn:uuid:p2"}}},
          {"resource": {"resourceType": "Claim", "subject": {"reference": "Group/7"}, "patient": {"reference": "Patient/9/_history/3"},
                        "contained": [{"resourceType": "Patient", "id": "c"}]}},
          {"resource": {"resourceType": "Encounter", "subject": {"reference": "#c"}, "period": {"start": "2019"}}},
          {"resource": {"resourceType": "List", "entry": [{"item": {"reference": "Observation/o1"}}]}},
          {"resource": {"resourceType": "Observation", "subject": {"reference": "urn:uuid:inner"}}},
          {"request": {"method": "DELETE", "url": "Patient/3"}}
        ], "type": "transaction", "resourceType": "Bundle", "timestamp": "2023-01-01T00:00:00Z"}
        """;
    assertEquals(List.of(
        new FhirResourceInfo("Bundle", null, null, "2023-01-01T00:00:00Z"),
        new FhirResourceInfo("Observation", "o1", "urn:uuid:p1", "2020-01-01"),
        new FhirResourceInfo("Patient", null, "urn:uuid:p1", "1970-01-01"),
        new FhirResourceInfo("Bundle", "b2", null, null),
        new FhirResourceInfo("Patient", "x2", "x2", null),
        new FhirResourceInfo("Condition", null, "x2", "2021"),
        new FhirResourceInfo("Condition", null, "urn:uuid:p1", "2022"),
        new FhirResourceInfo("Observation", null, null, null),
        new FhirResourceInfo("Claim", null, "9", null),
        new FhirResourceInfo("Encounter", null, null, "2019"),
        new FhirResourceInfo("List", null, null, null),
        new FhirResourceInfo("Observation", null, null, null)), index(json));
  }

  @Test
  void nonAsciiIsDecodedIntact() {
    assertEquals(List.of(new FhirResourceInfo("Patient", "张无忌-é", "张无忌-é", "２０２０")),
        index("{\"resourceType\":\"Patient\",\"id\":\"张无忌-é\",\"birthDate\":\"２０２０\"}"));
  }

  @Test
  void malformedInputIsRejected() {
    String secret = "SecretPatientName";
    for (String bad : List.of(
        "", "   ", "[]", "\"Patient\"", "{}", "{\"id\":\"x\"}", "{\"resourceType\":7}", "{\"resourceType\":\"\"}",
        "{\"resourceType\":\"Patient\",\"id\":5}",
        "{\"resourceType\":\"Patient\",\"id\":\"a\",\"id\":\"b\"}",
        "{\"resourceType\":\"Patient\"} {}",
        "{\"resourceType\":\"Patient\",\"name\":" + secret + "}",
        "{\"resourceType\":\"Bundle\",\"entry\":{}}",
        "{\"resourceType\":\"Bundle\",\"entry\":[1]}",
        "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":[]}]}",
        "{\"resourceType\":\"Bundle\",\"entry\":[{\"fullUrl\":3,\"resource\":{\"resourceType\":\"Patient\"}}]}",
        "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"id\":\"no-type\"}}]}",
        "{\"resourceType\":\"Patient\"")) {
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> index(bad), bad);
      assertFalse(e.getMessage().contains(secret), e.getMessage());
      assertNull(e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException ? e.getCause() : null,
          "the parser's message (which may quote the input) is not attached");
    }
    // every proper prefix of a real resource is rejected
    byte[] obs = SharedVectors.bytes("data/fhir/hl7-r4/observation-example.json");
    for (int cut = 0; cut < obs.length; cut++) {
      byte[] prefix = java.util.Arrays.copyOf(obs, cut);
      if (new String(prefix, StandardCharsets.UTF_8).strip().endsWith("}") && cut > obs.length - 3) {
        continue; // the complete object followed only by whitespace being cut off
      }
      assertThrows(MalformedEncodingException.class, () -> INDEXER.index(prefix), "cut at " + cut);
    }
    // UTF-16 and invalid UTF-8
    assertThrows(MalformedEncodingException.class,
        () -> INDEXER.index("{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_16LE)));
    assertThrows(MalformedEncodingException.class,
        () -> INDEXER.index("{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_16)));
    byte[] badUtf8 = "{\"resourceType\":\"Patient\",\"id\":\"aXb\"}".getBytes(StandardCharsets.US_ASCII);
    badUtf8[33] = (byte) 0xC3;
    assertThrows(MalformedEncodingException.class, () -> INDEXER.index(badUtf8));
  }

  @Test
  void sizeAndDepthAreBounded() throws IOException {
    byte[] big = SharedVectors.bytes("data/fhir/synthea/Adan_Pulido_7694b55e-b670-44a5-b426-c56027e97986.json");
    FhirIndexer small = new FhirIndexer(100_000, 100);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> small.index(big));
    assertTrue(e.getMessage().contains("100000"), e.getMessage());
    // a stream is cut off after the limit, not read to its end
    CountingStream counting = new CountingStream(big);
    assertThrows(MalformedEncodingException.class, () -> small.index(counting));
    assertTrue(counting.read <= 100_001 + 8192, "read " + counting.read);
    assertEquals(563, new FhirIndexer(big.length, 100).index(big).size());
    // depth: the Synthea bundles nest at most 10 deep; 200 nested arrays are refused
    String deep = "{\"resourceType\":\"Basic\",\"x\":" + "[".repeat(200) + "]".repeat(200) + "}";
    assertThrows(MalformedEncodingException.class, () -> index(deep));
    assertEquals(1, new FhirIndexer(1 << 20, 205).index(deep.getBytes(StandardCharsets.UTF_8)).size());
    assertThrows(MalformedEncodingException.class, () -> new FhirIndexer(1 << 24, 8).index(big));
    assertThrows(IllegalArgumentException.class, () -> new FhirIndexer(1, 100));
    assertThrows(IllegalArgumentException.class, () -> new FhirIndexer(100, 3));
  }

  /** Counts the bytes read from it. */
  private static final class CountingStream extends ByteArrayInputStream {
    long read;

    CountingStream(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      int n = super.read(b, off, len);
      if (n > 0) {
        read += n;
      }
      return n;
    }

    @Override
    public synchronized int read() {
      int c = super.read();
      if (c >= 0) {
        read++;
      }
      return c;
    }
  }

  /** A stream that hands out one byte per read, BOM included, gives the same result. */
  @Test
  void aTricklingStreamWithABomGivesTheSameResult() throws IOException {
    byte[] plain = SharedVectors.bytes("data/fhir/hl7-r4/document-example-dischargesummary.json");
    byte[] bom = new byte[plain.length + 3];
    bom[0] = (byte) 0xEF;
    bom[1] = (byte) 0xBB;
    bom[2] = (byte) 0xBF;
    System.arraycopy(plain, 0, bom, 3, plain.length);
    InputStream trickle = new ByteArrayInputStream(bom) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1));
      }
    };
    List<FhirResourceInfo> got = INDEXER.index(trickle);
    assertEquals(INDEXER.index(plain), got);
    assertEquals(9, got.size());
  }

  @Test
  void theInputStreamIsNotClosed() throws IOException {
    boolean[] closed = {false};
    InputStream in = new ByteArrayInputStream("{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_8)) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    assertEquals(1, INDEXER.index(in).size());
    assertFalse(closed[0]);
  }
}
