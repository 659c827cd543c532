package io.medledger.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Reads the external test vectors and sample data kept in {@code src/test/resources} (for example
 * {@code vectors/merkle/rfc6962.json}, {@code data/fhir/manifest.json}) from the test class path.
 * Where each file comes from is in {@code src/test/resources/PROVENANCE.md}. A test that needs a
 * missing file fails with a message naming it.
 */
public final class SharedVectors {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SharedVectors() {}

  private static URL url(String relative) {
    URL u = SharedVectors.class.getResource("/" + relative);
    if (u == null) {
      fail("missing test resource " + relative + " (expected under src/test/resources; see PROVENANCE.md there)");
    }
    return u;
  }

  /** The file or directory {@code relative} on the test class path, as a path on disk. */
  public static Path path(String relative) {
    try {
      return Path.of(url(relative).toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new IllegalStateException("test resource " + relative + " is not a plain file", e);
    }
  }

  /** Reads a JSON test resource as a tree. */
  public static JsonNode json(String relative) {
    try (InputStream in = url(relative).openStream()) {
      return MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a test resource's bytes. */
  public static byte[] bytes(String relative) {
    try (InputStream in = url(relative).openStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
