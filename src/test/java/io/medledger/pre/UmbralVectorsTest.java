package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.internal.Json;
import io.medledger.internal.umbral.UmbralVectorCheck;
import io.medledger.testing.SharedVectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
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
    System.out.println("umbral vectors: " + check.summary());
  }
}
