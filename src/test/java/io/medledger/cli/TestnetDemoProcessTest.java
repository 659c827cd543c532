package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.node.NodeConfig;
import io.medledger.node.Testnet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code medledger demo --testnet D} against a testnet whose nodes run as separate
 * {@code medledger node run} processes on loopback (3 federation servers, 1 audit server, 2 storage
 * nodes), with the third federation server killed before the demo: the 2-of-3 reads go through the
 * two live proxies. Every process started is destroyed by its pid at the end.
 */
class TestnetDemoProcessTest {
  @TempDir
  Path tmp;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void demoRunsAcrossNodeProcessesWithOneFederationServerDown() throws Exception {
    Path dir = tmp.resolve("net");
    Testnet.Layout layout = Testnet.create(dir, new Testnet.Options("demo-processes", 3, 1, 2, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(5), 100_000)), new SecureRandom());
    List<Process> started = new ArrayList<>();
    try {
      for (Path nd : layout.nodeDirectories()) {
        started.add(launch(nd));
      }
      for (int i = 0; i < started.size(); i++) {
        awaitStarted(started.get(i), layout.nodeDirectories().get(i), 60);
      }
      Process third = started.get(2); // node-3, a federation server and proxy
      third.destroyForcibly();
      assertTrue(third.waitFor(30, TimeUnit.SECONDS), "node-3 did not stop");

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int rc = Main.run(new String[] {"demo", "--testnet", dir.toString()}, new ByteArrayInputStream(new byte[0]),
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      String text = out.toString(StandardCharsets.UTF_8);
      System.out.println(text); // the narrative, in the surefire output
      assertEquals(0, rc, "demo failed: " + err.toString(StandardCharsets.UTF_8) + "\n" + text + logTails(layout));
      assertTrue(!text.contains("UNEXPECTED") && !text.contains("WRONG") && !text.contains("NOT detected"), text);
      assertTrue(text.contains("decrypted intact; proxies that answered: node-1 (federation), node-2 (federation) (threshold 2)"),
          text);
      assertTrue(text.contains("not used: node-3 (federation)"), text);
      assertTrue(text.contains("refused read: Dr. Brandt (no grant) reading Anna's record -> refused, missing right"), text);
      assertTrue(text.contains("researcher: Li's bundle de-identified: name removed, identifiers removed"), text);
      assertTrue(text.contains("revocation: Dr. Okafor's next read is refused"), text);
      assertTrue(text.contains("anchor: no node of this testnet has an 'anchoring' section"), text);
      assertTrue(text.contains("tampering check: the chain from the nodes verifies: valid"), text);
      assertTrue(text.matches("(?s).*tampering check: one digest in block \\d+ changed: rejected.*"), text);
      assertTrue(text.contains("copies deleted from 2 storage node(s)"), text);
    } finally {
      for (Process p : started) {
        p.destroyForcibly();
      }
      for (Process p : started) {
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aDirectoryWithoutATestnetIsOneLineOnStderrAndExit2() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = Main.run(new String[] {"demo", "--testnet", tmp.resolve("nothing").toString()},
        new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, rc);
    assertTrue(e.startsWith("medledger: no testnet in ") && e.indexOf('\n') == e.length() - 1, e);
  }

  private static Process launch(Path nodeDir) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "io.medledger.cli.Main", "node", "run", "--dir", nodeDir.toString())
        .redirectOutput(nodeDir.resolve("stdout.log").toFile()).redirectError(nodeDir.resolve("stderr.log").toFile())
        .start();
  }

  private static void awaitStarted(Process p, Path nodeDir, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError(nodeDir + " exited: " + Files.readString(nodeDir.resolve("stderr.log")));
      }
      if (Files.readString(nodeDir.resolve("stdout.log")).contains("\"event\":\"started\"")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(nodeDir + " did not start in " + seconds + " s");
  }

  private static String logTails(Testnet.Layout layout) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Path nd : layout.nodeDirectories()) {
      List<String> lines = Files.readAllLines(nd.resolve("stderr.log"));
      b.append("\n--- ").append(nd.getFileName()).append('\n');
      lines.subList(Math.max(0, lines.size() - 6), lines.size()).forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }
}
