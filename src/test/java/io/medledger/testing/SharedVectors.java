package io.medledger.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only test data in {@code ../shared} (beside the project root). A test that
 * needs a missing file fails with a message naming it; nothing is ever copied into the project.
 */
public final class SharedVectors {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SharedVectors() {}

  /** The shared folder: system property {@code medledger.shared}, else {@code ../shared}. */
  public static Path root() {
    String p = System.getProperty("medledger.shared");
    return Path.of(p != null ? p : "../shared").toAbsolutePath().normalize();
  }

  /** Resolves {@code relative} (for example {@code vectors/merkle/rfc6962.json}); fails if absent. */
  public static Path path(String relative) {
    Path f = root().resolve(relative);
    if (!Files.exists(f)) {
      fail("missing shared test data " + f + " (expected ../shared beside the project root; see ../shared/README.md)");
    }
    return f;
  }

  /** Reads a shared JSON file as a tree. */
  public static JsonNode json(String relative) {
    try {
      return MAPPER.readTree(path(relative).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a shared file's bytes. */
  public static byte[] bytes(String relative) {
    try {
      return Files.readAllBytes(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
