package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medledger.fhir.FhirIndexer;
import io.medledger.fhir.FhirResourceInfo;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FhirCommandTest {
  @TempDir
  Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void indexPrintsOneObjectPerResourceInDocumentOrder() throws Exception {
    String rel = "data/fhir/synthea/Maria_Luisa_Razo_d060a28c-4e03-4435-8b2e-1cbfa38ca43b.json";
    Path file = SharedVectors.path(rel);
    Result r = run("fhir", "index", file.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    JsonNode arr = new ObjectMapper().readTree(r.out());
    List<FhirResourceInfo> want = new FhirIndexer().index(SharedVectors.bytes(rel));
    assertEquals(134, arr.size());
    assertEquals(want.size(), arr.size());
    for (int i = 0; i < arr.size(); i++) {
      JsonNode o = arr.get(i);
      assertEquals(4, o.size());
      FhirResourceInfo w = want.get(i);
      assertEquals(w.resourceType(), o.get("resourceType").asText());
      assertEquals(w.id(), o.get("id").isNull() ? null : o.get("id").asText());
      assertEquals(w.patientId(), o.get("patient").isNull() ? null : o.get("patient").asText());
      assertEquals(w.date(), o.get("date").isNull() ? null : o.get("date").asText());
    }
    assertEquals("22d7a9b8-7756-4eb7-a95f-6e86e0c93761", arr.get(1).get("patient").asText());
    assertTrue(arr.get(0).get("patient").isNull());
  }

  @Test
  void outputIsAsciiJsonEvenForNonAsciiValues() throws Exception {
    Path f = tmp.resolve("p.json");
    Files.writeString(f, "\uFEFF{\"resourceType\":\"Patient\",\"id\":\"张\"}", StandardCharsets.UTF_8);
    Result r = run("fhir", "index", f.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().chars().allMatch(c -> c < 128), r.out());
    JsonNode arr = new ObjectMapper().readTree(r.out());
    assertEquals("张", arr.get(0).get("id").asText());
    assertEquals("张", arr.get(0).get("patient").asText());
    assertTrue(arr.get(0).get("date").isNull());
  }

  @Test
  void badInputIsOneLineOnStderrAndExit2() throws Exception {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"resourceType\": \"Patient\", \"name\": Secret}");
    for (String[] args : List.of(
        new String[] {"fhir"},
        new String[] {"fhir", "list", bad.toString()},
        new String[] {"fhir", "index"},
        new String[] {"fhir", "index", "a.json", "b.json"},
        new String[] {"fhir", "index", "--pretty", bad.toString()},
        new String[] {"fhir", "index", tmp.resolve("missing.json").toString()},
        new String[] {"fhir", "index", bad.toString()})) {
      Result r = run(args);
      assertEquals(2, r.code(), String.join(" ", args));
      assertEquals("", r.out());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("medledger: "), r.err());
      assertTrue(!r.err().contains("Secret"), r.err());
    }
  }
}
