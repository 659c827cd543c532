package io.medledger.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The committed corpus of a Jazzer fuzz test, in Jazzer's layout: resource directory
 * {@code <package>/<TestClass>Inputs/<method>/} on the test class path (source:
 * {@code src/test/resources/...}). Files named {@code seed-*} are valid encodings written by
 * {@link #writeSeeds}; files named {@code crash-*} are inputs the fuzzer found and that must stay
 * harmless. Jazzer replays every file in regression mode; {@code JAZZER_FUZZ=1} starts from them.
 */
public final class FuzzCorpus {
  /** System property that makes the seed tests (re)write the seed files under src/test/resources. */
  public static final String WRITE_SEEDS = "medledger.fuzz.writeSeeds";

  private FuzzCorpus() {}

  /** The corpus files of {@code testClass}'s fuzz method {@code method}, by file name. */
  public static Map<String, byte[]> inputs(Class<?> testClass, String method) {
    Map<String, byte[]> out = new TreeMap<>();
    URL url = testClass.getResource(testClass.getSimpleName() + "Inputs/" + method);
    if (url == null) {
      return out;
    }
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        out.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Whether this run should rewrite seed files ({@code -Dmedledger.fuzz.writeSeeds=true}). */
  public static boolean writing() {
    return Boolean.getBoolean(WRITE_SEEDS);
  }

  /**
   * Replaces the {@code seed-*} files of the source corpus directory with {@code seeds} (names
   * without the prefix); crash files are kept.
   */
  public static void writeSeeds(Class<?> testClass, String method, Map<String, byte[]> seeds) {
    Path dir = Path.of("src/test/resources", testClass.getPackageName().replace('.', '/'),
        testClass.getSimpleName() + "Inputs", method);
    try {
      Files.createDirectories(dir);
      try (Stream<Path> old = Files.list(dir)) {
        for (Path f : (Iterable<Path>) old::iterator) {
          if (f.getFileName().toString().startsWith("seed-")) {
            Files.delete(f);
          }
        }
      }
      for (Map.Entry<String, byte[]> s : seeds.entrySet()) {
        Files.write(dir.resolve("seed-" + s.getKey()), s.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
