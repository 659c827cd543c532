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

  @Test
  void listsAndSelectsScenarios() {
    String[] list = run("simulate", "--list-scenarios");
    assertEquals("0", list[0], list[2]);
    assertTrue(list[1].contains("colluding-equivocation\n") && list[1].contains("status-flood\n")
        && list[1].contains("timestamp-edge\n") && list[1].contains("torn-safety-write"), list[1]);
    String[] solo = run("simulate", "--list-scenarios", "--protocol", "solo");
    assertEquals(4, solo[1].trim().split("\n").length, solo[1]);
    String[] one = run("simulate", "--protocol", "bft", "--seeds", "2", "--scenario", "timestamp-edge");
    assertEquals("0", one[0], one[2]);
    assertTrue(one[1].trim().matches("runs=2 safety_violations=0 liveness_failures=0 final_blocks=[1-9][0-9]*"), one[1]);
    String[] bad = run("simulate", "--protocol", "solo", "--seeds", "1", "--scenario", "status-flood");
    assertEquals("2", bad[0]);
    assertTrue(bad[2].contains("unknown scenario") && bad[2].trim().split("\n").length == 1, bad[2]);
  }
}
