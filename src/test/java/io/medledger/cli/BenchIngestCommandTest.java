package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench ingest}, {@code bench query} at a small N and {@code bench ed25519-verify}, through Main.run. */
class BenchIngestCommandTest {
  @TempDir
  Path dir;

  private static String lastLine(String s) {
    String[] lines = s.strip().split("\n");
    return lines[lines.length - 1];
  }

  /**
   * Windows of three blocks: the pipeline (signatures verified ahead on a second thread, the
   * next window built between) must keep block times increasing and every entry valid.
   */
  @Test
  void ingestsAcrossSeveralPipelineWindows() throws Exception {
    Path d = dir.resolve("windows");
    ChainCommandTest.Run r = ChainCommandTest.run("bench", "ingest", "--dir", d.toString(), "--entries", "1523",
        "--block", "100", "--window", "300");
    assertEquals(0, r.code(), r.err());
    assertTrue(lastLine(r.out()).matches("entries=1523 seconds=\\d+\\.\\d entries_per_s=\\d+ heap_mb=\\d+"),
        r.out());
    assertTrue(r.out().contains("blocks=" + (2 + 13)), r.out());
    ChainCommandTest.Run bad = ChainCommandTest.run("bench", "ingest", "--dir", dir.resolve("y").toString(),
        "--entries", "1500", "--block", "100", "--window", "150");
    assertEquals(2, bad.code());
    assertTrue(bad.err().startsWith("medledger: --window must be"), bad.err());
  }

  /** The properties file that names the run is owner-only whatever the umask, as the rest of the ledger. */
  @Test
  void writesItsPropertiesFileOwnerOnly() throws Exception {
    Path d = dir.resolve("mode");
    ChainCommandTest.Run r = ChainCommandTest.run("bench", "ingest", "--dir", d.toString(), "--entries", "1500",
        "--block", "500");
    assertEquals(0, r.code(), r.err());
    Path props = d.resolve("bench.properties");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(props, java.nio.file.LinkOption.NOFOLLOW_LINKS)));
    // and so is everything else the run leaves in the directory
    try (java.util.stream.Stream<Path> all = Files.walk(d)) {
      for (Path f : (Iterable<Path>) all::iterator) {
        String mode = java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(f, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(mode.endsWith("------"), f + " " + mode);
      }
    }
  }

  @Test
  void printsTheCpuTimeOfOneVerificationAndRefusesABadCount() throws Exception {
    // rounds of tens of ms: thread CPU clocks may tick coarsely (20 verifications once measured 0.0)
    ChainCommandTest.Run r = ChainCommandTest.run("bench", "ed25519-verify", "--count", "500");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().matches("ed25519_verify_us=\\d+\\.\\d\n"), r.out());
    double us = Double.parseDouble(r.out().strip().substring("ed25519_verify_us=".length()));
    assertTrue(us > 1 && us < 100_000, r.out());
    ChainCommandTest.Run bad = ChainCommandTest.run("bench", "ed25519-verify", "--count", "5");
    assertEquals(2, bad.code());
    assertEquals("medledger: --count must be 10..1000000\n", bad.err());
  }

  @Test
  void ingestsSignedEntriesAndReopensForQueries() throws Exception {
    Path d = dir.resolve("ledger");
    ChainCommandTest.Run r = ChainCommandTest.run("bench", "ingest", "--dir", d.toString(), "--entries", "1500",
        "--block", "100");
    assertEquals(0, r.code(), r.err());
    assertTrue(lastLine(r.out()).matches("entries=1500 seconds=\\d+\\.\\d entries_per_s=\\d+ heap_mb=\\d+"),
        r.out());
    assertTrue(r.out().contains("verify_ceiling_entries_per_s="), r.out());
    assertTrue(r.out().matches("(?s).*disk_bytes_per_entry blocks=\\d+ state=\\d+ tiles=\\d+.*"), r.out());
    assertTrue(Files.isDirectory(d.resolve("state")) && Files.isDirectory(d.resolve("log")));

    ChainCommandTest.Run q = ChainCommandTest.run("bench", "query", "--dir", d.toString(), "--count", "20");
    assertEquals(0, q.code(), q.err());
    assertTrue(q.out().matches("(?s)reopen_ms=\\d+ height=\\d+ entries=1500\n.*history queries=20 .*p99_ms=.*"),
        q.out());
    assertTrue(q.out().contains("inclusion queries=20 "), q.out());

    // a second ingest into a used directory is one line on stderr and exit 2
    ChainCommandTest.Run again = ChainCommandTest.run("bench", "ingest", "--dir", d.toString(), "--entries",
        "1500", "--block", "100");
    assertEquals(2, again.code());
    assertEquals("", again.out());
    assertEquals(1, again.err().strip().split("\n").length, again.err());
    assertTrue(again.err().contains("not empty"), again.err());
    ChainCommandTest.Run tooFew = ChainCommandTest.run("bench", "ingest", "--dir", dir.resolve("x").toString(),
        "--entries", "10");
    assertEquals(2, tooFew.code());
    assertTrue(tooFew.err().startsWith("medledger: --entries must be"), tooFew.err());
  }
}
