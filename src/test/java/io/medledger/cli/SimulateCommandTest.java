package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimulateCommandTest {
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void runsSeedsAndPrintsTheSummaryLine() {
    String[] r = run("simulate", "--protocol", "bft", "--seeds", "3", "--first-seed", "40", "--servers", "4");
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].trim().matches("runs=3 safety_violations=0 liveness_failures=0 final_blocks=[1-9][0-9]*"), r[1]);
    String[] solo = run("simulate", "--protocol", "solo", "--seeds", "2");
    assertEquals("0", solo[0], solo[2]);
    assertTrue(solo[1].startsWith("runs=2 safety_violations=0 liveness_failures=0"));
  }

  @Test
  void badArgumentsExitTwoWithOneLine() {
    String[] r = run("simulate", "--protocol", "paxos", "--seeds", "1");
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("paxos") && r[2].trim().split("\n").length == 1, r[2]);
    assertEquals("2", run("simulate", "--protocol", "bft")[0]);
    assertEquals("2", run("simulate", "--protocol", "bft", "--seeds", "1", "--bogus", "1")[0]);
    assertEquals("2", run("simulate", "--protocol", "rotating-audit", "--seeds", "1", "--auditors", "0")[0]);
  }
}
