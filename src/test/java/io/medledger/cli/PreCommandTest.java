package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.SharedVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String lastLine() {
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void checkVectorsPassesOnTheReferenceFile() {
    String file = SharedVectors.path("vectors/umbral/vectors.json").toString();
    assertEquals(0, run("pre", "umbral", "check-vectors", file), err.toString(StandardCharsets.UTF_8));
    assertTrue(lastLine().matches("\\d+ passed, 0 failed"), lastLine());
  }

  @Test
  void makeInteropWritesAFileThatCheckVectorsPasses(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("interop.json");
    assertEquals(0, run("pre", "umbral", "make-interop", "--out", file.toString()), err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"self_check\""));
    assertEquals(0, run("pre", "umbral", "check-vectors", file.toString()));
    assertTrue(lastLine().matches("\\d+ passed, 0 failed"), lastLine());

    // Corrupt one capsule: check-vectors must report failures and exit 1.
    String text = Files.readString(file);
    int at = text.indexOf("\"capsule\" : \"") + "\"capsule\" : \"".length() + 150;
    char c = text.charAt(at);
    Files.writeString(file, text.substring(0, at) + (c == 'a' ? 'b' : 'a') + text.substring(at + 1));
    assertEquals(1, run("pre", "umbral", "check-vectors", file.toString()));
    assertTrue(lastLine().matches("\\d+ passed, [1-9]\\d* failed"), lastLine());
  }

  /**
   * The interop file holds secret keys (delegating, receiving and signing keys, a factory seed).
   * Overwriting with --force once truncated and rewrote the existing file in place, so a file
   * readable by everyone stayed so with fresh secrets in it.
   */
  @Test
  void makeInteropWithForceReplacesAWorldReadableFileWithAnOwnerOnlyOne(@TempDir Path dir) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Path file = dir.resolve("interop.json");
    Files.writeString(file, "old\n");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(0, run("pre", "umbral", "make-interop", "--out", file.toString(), "--force"),
        err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.readString(file).contains("\"delegating_sk\""));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var files = Files.list(dir)) {
      assertEquals(java.util.List.of(file), files.toList(), "no temporary file is left beside the output");
    }
  }

  @Test
  void badUsageExitsWithTwo(@TempDir Path dir) {
    assertEquals(2, run("pre"));
    assertEquals(2, run("pre", "umbral", "frobnicate"));
    assertEquals(2, run("pre", "umbral", "check-vectors", dir.resolve("missing.json").toString()));
    assertEquals(2, run("pre", "umbral", "make-interop"));
    assertEquals(1, err.toString(StandardCharsets.UTF_8).trim().split("\n").length);
  }
}
