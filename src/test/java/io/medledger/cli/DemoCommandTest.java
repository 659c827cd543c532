package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo runs offline, tells every step of the scenario, and writes receipts that verify. */
class DemoCommandTest {
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void theScenarioRunsAndItsReceiptsVerify(@TempDir Path dir) throws Exception {
    String[] r = run("demo", "--out", dir.toString());
    assertEquals("0", r[0], r[2]);
    String out = r[1];
    for (String step : List.of(
        "consensus: rotating-audit",
        "3 class A hospitals run federation servers",
        "4 class B institutions run audit servers",
        "Dr. Okafor reads Anna's bundle through 2 proxies",
        "decrypted intact",
        "the researcher's query returns 1 record(s)",
        "name removed, identifiers removed, diagnoses kept, patient id pseudonymized",
        "reading Zhang's record: refused (research-grant)",
        "access denied (treatment-grant)",
        "4 of 4 audit servers refuse to countersign",
        "(0 still hold one)",
        "Dr. Okafor's next read: refused (treatment-grant)",
        "receipt for Anna's record: verified, anchored in regtest block",
        "rejected (stored block at height",
        "erasure recorded on the ledger as record_erasure ",
        "signed by Zhang Min; copies deleted from 3 storage nodes",
        "reading it now: refused",
        "chain: valid",
        "nodes agreeing: 7 of 7")) {
      assertTrue(out.contains(step), "missing step: " + step + "\n" + out);
    }
    assertFalse(out.contains("UNEXPECTED") || out.contains("WRONG") || out.contains("NOT "), out);
    for (String f : List.of("anna-record.receipt.json", "anna-record.ots", "anna-record", "regtest-headers.json")) {
      assertTrue(Files.size(dir.resolve(f)) > 0, f);
    }
    String[] v = run("receipt", "verify", "--receipt", dir.resolve("anna-record.receipt.json").toString(),
        "--headers", dir.resolve("regtest-headers.json").toString(), "--network", "regtest");
    assertEquals("0", v[0], v[1] + v[2]);
    assertTrue(v[1].contains("\"status\":\"anchored\""), v[1]);
    // the .ots proof leads from the stamped file to the regtest block (the ots CLI checks mainnet work)
    io.medledger.anchor.ots.OtsTimestamp ots =
        io.medledger.anchor.ots.OtsTimestamp.parse(Files.readAllBytes(dir.resolve("anna-record.ots")));
    assertTrue(ots.matchesFile(dir.resolve("anna-record")));
    assertTrue(ots.verifyBitcoin(io.medledger.anchor.bitcoin.FileHeaderSource.read(dir.resolve("regtest-headers.json")),
        io.medledger.anchor.bitcoin.BitcoinChainParams.REGTEST).holds());
  }

  @Test
  void theDirectSequencerAndBftRunTheSameScenario(@TempDir Path dir) {
    for (String c : List.of("direct", "bft")) {
      String[] r = run("demo", "--out", dir.resolve(c).toString(), "--consensus", c);
      assertEquals("0", r[0], r[2]);
      assertTrue(r[1].contains("chain: valid"), r[1]);
    }
    String[] bad = run("demo", "--out", dir.toString(), "--consensus", "paxos");
    assertEquals("2", bad[0]);
    assertTrue(bad[2].contains("paxos"), bad[2]);
    String[] solo = run("demo", "--out", dir.toString(), "--consensus", "solo");
    assertEquals("2", solo[0]);
    assertTrue(solo[2].contains("single server"), solo[2]);
  }
}
