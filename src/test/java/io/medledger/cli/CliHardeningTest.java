package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorReceiptTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, findings 5, 6, 8 and 9: files the command line reads and writes. */
class CliHardeningTest {
  @TempDir
  Path dir;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertOneLineExitTwo(Result r, String contains) {
    assertEquals(2, r.code(), r.err());
    assertEquals("", r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("medledger: ") && r.err().contains(contains), r.err());
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private Path completeReceipt() throws IOException {
    AnchorReceiptTest.Fixture f = new AnchorReceiptTest.Fixture();
    AnchorReceipt r = f.receipt(3);
    return Files.writeString(dir.resolve("r.json"), r.toJson());
  }

  /** Finding 5 and 8: export-ots refuses to overwrite unless --force, and writes 0600 files. */
  @Test
  void exportOtsRefusesToOverwriteWithoutForceAndWritesOwnerOnlyFiles() throws IOException {
    Path receipt = completeReceipt();
    Path ots = dir.resolve("proof.ots");
    Path stamped = dir.resolve("proof");
    Result first = run("receipt", "export-ots", "--receipt", receipt.toString(), "--out", ots.toString());
    assertEquals(0, first.code(), first.err());
    assertEquals("rw-------", perms(ots));
    assertEquals("rw-------", perms(stamped));
    byte[] proof = Files.readAllBytes(ots);

    Files.write(ots, new byte[] {1, 2, 3});
    Result again = run("receipt", "export-ots", "--receipt", receipt.toString(), "--out", ots.toString());
    assertOneLineExitTwo(again, "already exists; pass --force");
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(ots), "the existing file is untouched");

    // the stamped file beside it counts too, and nothing is written when either exists
    Files.delete(ots);
    Files.writeString(stamped, "mine");
    assertOneLineExitTwo(run("receipt", "export-ots", "--receipt", receipt.toString(), "--out", ots.toString()),
        "already exists");
    assertFalse(Files.exists(ots));
    assertEquals("mine", Files.readString(stamped));

    Result forced = run("receipt", "export-ots", "--receipt", receipt.toString(), "--out", ots.toString(), "--force");
    assertEquals(0, forced.code(), forced.err());
    assertArrayEquals(proof, Files.readAllBytes(ots));
  }

  /** Finding 5 and 8 for make-interop. */
  @Test
  void makeInteropRefusesToOverwriteWithoutForce() throws IOException {
    Path out = dir.resolve("interop.json");
    Files.writeString(out, "keep me");
    assertOneLineExitTwo(run("pre", "umbral", "make-interop", "--out", out.toString()), "already exists");
    assertEquals("keep me", Files.readString(out));
    Path fresh = dir.resolve("fresh.json");
    Result r = run("pre", "umbral", "make-interop", "--out", fresh.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("rw-------", perms(fresh));
  }

  /** Finding 5 for demo: a directory the user names keeps its files unless --force. */
  @Test
  void demoRefusesToOverwriteFilesInANamedDirectory() throws IOException {
    Files.writeString(dir.resolve("anna-record.ots"), "keep me");
    assertOneLineExitTwo(run("demo", "--out", dir.toString()), "anna-record.ots already exists; pass --force");
    assertEquals("keep me", Files.readString(dir.resolve("anna-record.ots")));
  }

  /** Finding 9: binary garbage is reported as not UTF-8 JSON, not as an I/O error. */
  @Test
  void binaryGarbageIsNotValidUtf8Json() throws IOException {
    Path garbage = Files.write(dir.resolve("garbage.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80, 'x'});
    Path headers = Files.writeString(dir.resolve("h.json"), "{}");
    Result r = run("receipt", "verify", "--receipt", garbage.toString(), "--headers", headers.toString());
    assertOneLineExitTwo(r, garbage + " is not valid UTF-8 JSON");
    assertFalse(r.err().contains("I/O error"), r.err());
    Result h = run("receipt", "verify", "--receipt", completeReceipt().toString(), "--headers", garbage.toString());
    assertOneLineExitTwo(h, "is not valid UTF-8 JSON");
    assertOneLineExitTwo(run("pre", "umbral", "check-vectors", garbage.toString()), "is not valid UTF-8 JSON");
    assertOneLineExitTwo(run("receipt", "export-ots", "--receipt", garbage.toString(), "--out",
        dir.resolve("x.ots").toString()), "is not valid UTF-8 JSON");
  }

  /** Finding 6: oversized files and documents with too many tokens are refused with one line. */
  @Test
  void oversizedInputsAreRefusedInProcess() throws IOException {
    Path big = dir.resolve("big.json");
    try (OutputStream o = Files.newOutputStream(big)) {
      o.write(new byte[(int) io.medledger.internal.BoundedInput.MAX_BYTES + 1]);
    }
    assertOneLineExitTwo(run("pre", "umbral", "check-vectors", big.toString()), "is larger than");
    assertOneLineExitTwo(run("fhir", "index", big.toString()), "larger than");
    Path receipt = completeReceipt();
    assertOneLineExitTwo(run("receipt", "verify", "--receipt", big.toString(), "--headers", receipt.toString()),
        "is larger than");
    assertOneLineExitTwo(run("receipt", "verify", "--receipt", receipt.toString(), "--headers", big.toString()),
        "is larger than");
    assertOneLineExitTwo(run("ots", "info", "--ots", big.toString()), "larger than");
  }

  /** The 45 MB document of the issue: {"cases":[{},{},...]}. */
  private Path casesBomb() throws IOException {
    Path p = dir.resolve("cases.json");
    byte[] chunk = "{},".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
    try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(p))) {
      o.write("{\"cases\":[".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 45_000_000 / chunk.length; i++) {
        o.write(chunk);
      }
      o.write("{}]}".getBytes(StandardCharsets.US_ASCII));
    }
    return p;
  }

  private static Result runJvm(String heap, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        heap, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    try {
      p.getOutputStream().close();
      // outputs are small: one line each, or a stack trace before the fix
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * Finding 6 as reported: with -Xmx256m the 45 MB document crashed check-vectors and receipt
   * verify --headers with an OutOfMemoryError stack trace and exit 1.
   */
  @Test
  void theFortyFiveMegabyteDocumentExitsTwoUnderASmallHeap() throws Exception {
    Path bomb = casesBomb();
    Result vectors = runJvm("-Xmx256m", "pre", "umbral", "check-vectors", bomb.toString());
    assertOneLineExitTwo(vectors, "invalid JSON");
    Result headers = runJvm("-Xmx256m", "receipt", "verify", "--receipt", completeReceipt().toString(),
        "--headers", bomb.toString());
    assertOneLineExitTwo(headers, "invalid JSON");
  }

  /** Finding 6: heap exhaustion that the caps do not prevent is still one line and exit 2. */
  @Test
  void heapExhaustionIsOneLineWithExitTwo() throws Exception {
    Path big = dir.resolve("big-string.json");
    try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(big))) {
      o.write("{\"s\":\"".getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = "a".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 600; i++) {
        o.write(chunk);
      }
      o.write("\"}".getBytes(StandardCharsets.US_ASCII));
    }
    Result r = runJvm("-Xmx24m", "pre", "umbral", "check-vectors", big.toString());
    assertOneLineExitTwo(r, "out of memory");
  }
  @Test
  void withoutArgumentsTheUsageIsAnErrorLineWhileHelpIsOutput() {
    assertOneLineExitTwo(run(), "usage: medledger <command>");
    Result h = run("--help");
    assertEquals(0, h.code(), h.err());
    assertEquals("", h.err());
    assertTrue(h.out().startsWith("usage: medledger <command>"), h.out());
  }

  @Test
  void aFileErrorSaysWhatWentWrongWithTheFile() {
    assertEquals("no such file or directory: /x", Main.ioMessage(new java.nio.file.NoSuchFileException("/x")));
    assertEquals("permission denied: /x", Main.ioMessage(new java.nio.file.AccessDeniedException("/x")));
    assertEquals("I/O error: disk full", Main.ioMessage(new IOException("disk full")));
  }
}
