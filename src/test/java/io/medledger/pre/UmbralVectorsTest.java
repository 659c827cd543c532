package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.internal.Json;
import io.medledger.internal.umbral.UmbralInterop;
import io.medledger.internal.umbral.UmbralVectorCheck;
import io.medledger.testing.SharedVectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs every check of the shared reference vectors through the library's checker. */
class UmbralVectorsTest {
  static final String VECTORS = "vectors/umbral/vectors.json";

  static Object document() throws IOException {
    try (InputStream in = Files.newInputStream(SharedVectors.path(VECTORS))) {
      return Json.parse(in);
    }
  }

  @Test
  void everyReferenceCheckPasses() throws IOException {
    UmbralVectorCheck check = new UmbralVectorCheck(false);
    check.checkDocument(document());
    assertEquals(0, check.failed(), String.join("\n", check.lines()));
    // 6 cases with 12 kfrag sets, 57 negative cases, 3 factory entries: several hundred checks.
    assertTrue(check.passed() > 300, check.summary());
  }

  @Test
  void aFreshInteropFilePassesEveryCheck() {
    String json = new UmbralInterop(EntropySource.secure()).document();
    UmbralVectorCheck check = new UmbralVectorCheck(false);
    check.checkDocument(Json.parse(json));
    assertEquals(0, check.failed(), String.join("\n", check.lines()));
    // 5 cases x 8 kfrag sets with replayed draws, negative cases and factory entries.
    assertTrue(check.passed() > 600, check.summary());
    Map<String, Object> root = Json.asObject(Json.parse(json), "root");
    List<Object> cases = Json.asArray(root.get("cases"), "cases");
    assertEquals(5, cases.size());
    for (Object c : cases) {
      List<Object> sets = Json.asArray(Json.asObject(c, "case").get("kfrag_sets"), "sets");
      assertEquals(8, sets.size());
    }
  }

  @Test
  void theCheckerCatchesAlteredFiles() throws IOException {
    String text = Files.readString(SharedVectors.path(VECTORS));
    Map<String, Object> root = Json.asObject(Json.parse(text), "root");
    Map<String, Object> c0 = Json.asObject(Json.asArray(root.get("cases"), "cases").get(0), "case");
    Map<String, Object> set = Json.asObject(Json.asArray(c0.get("kfrag_sets"), "sets").get(0), "set");
    List<Object> kfrags = Json.asArray(set.get("kfrags"), "kfrags");
    String k = (String) kfrags.get(0);
    // Change one byte of the first kfrag's signature_for_proxy.
    int at = 2 * 200;
    kfrags.set(0, k.substring(0, at) + (k.charAt(at) == '0' ? '1' : '0') + k.substring(at + 1));
    List<Object> draws = Json.asArray(Json.asObject(c0.get("rng"), "rng").get("encrypt"), "draws");
    draws.set(2, ((String) draws.get(2)).replaceFirst("^.", "f".equals(((String) draws.get(2)).substring(0, 1)) ? "e" : "f"));
    List<Object> negatives = Json.asArray(root.get("negative_cases"), "negative_cases");
    Map<String, Object> n = Json.asObject(negatives.get(0), "negative");
    Map<String, Object> in = Json.asObject(n.get("inputs"), "inputs");
    in.put("capsule", c0.get("capsule"));

    UmbralVectorCheck check = new UmbralVectorCheck(false);
    check.checkDocument(root);
    String report = String.join("\n", check.lines());
    assertTrue(report.contains("S01 kfrag_set[0] kfrag[0] parses, round-trips and verifies"), report);
    assertTrue(report.contains("S01 kfrag_set[0] generate_kfrags replay"), report);
    assertTrue(report.contains("S01 encrypt replay"), report);
    assertTrue(report.contains("SN01 capsule_from_bytes: succeeded"), report);
    assertTrue(check.failed() >= 4, check.summary());
  }

  @Test
  void casesThatMustSucceedAndWrongReasonsAreChecked() {
    String text = Json.write(false, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("negative_cases");
      // The generator's public key parses: expected ok.
      expectSuccess(g, "P1", "public_key_from_bytes", "public_key", G_HEX);
      // A key of zero must fail, and a "success" expectation for it must be reported.
      expectSuccess(g, "P2", "secret_key_from_bytes", "secret_key", "00".repeat(32));
      // No cfrags fails with NoCapsuleFrags, not with ValidationFailed.
      g.writeStartObject();
      g.writeStringField("id", "P3");
      g.writeStringField("operation", "decrypt_reencrypted");
      g.writeObjectFieldStart("inputs");
      g.writeStringField("receiving_sk", "00".repeat(31) + "01");
      g.writeStringField("delegating_pk", G_HEX);
      EncryptionResult enc = Umbral.encrypt(SecretKey.random().publicKey(), new byte[0]);
      g.writeStringField("capsule", io.medledger.codec.Hex.encode(enc.capsule().toBytes()));
      g.writeStringField("ciphertext", io.medledger.codec.Hex.encode(enc.ciphertext()));
      g.writeArrayFieldStart("cfrags");
      g.writeEndArray();
      g.writeEndObject();
      g.writeObjectFieldStart("expected");
      g.writeBooleanField("ok", false);
      g.writeStringField("error_kind", "ReencryptionError::OnOpen(ValidationFailed)");
      g.writeEndObject();
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    });
    UmbralVectorCheck check = new UmbralVectorCheck(true);
    check.checkDocument(Json.parse(text));
    String report = String.join("\n", check.lines());
    assertTrue(report.contains("ok   P1"), report);
    assertTrue(report.contains("FAIL P2 secret_key_from_bytes: failed (malformed input) but should succeed"), report);
    assertTrue(report.contains("FAIL P3 decrypt_reencrypted: failed with NO_CAPSULE_FRAGS, expected VALIDATION_FAILED"),
        report);
    assertEquals("1 passed, 2 failed", check.summary());
  }

  private static final String G_HEX = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

  private static void expectSuccess(com.fasterxml.jackson.core.JsonGenerator g, String id, String operation,
      String input, String value) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("operation", operation);
    g.writeObjectFieldStart("inputs");
    g.writeStringField(input, value);
    g.writeEndObject();
    g.writeObjectFieldStart("expected");
    g.writeBooleanField("ok", true);
    g.writeEndObject();
    g.writeEndObject();
  }
}
