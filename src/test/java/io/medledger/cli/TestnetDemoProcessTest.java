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
 * nodes) and the Bitcoin Core stand-in ({@code medledger regtest run}, started after the nodes, so
 * their anchoring services first find it unreachable), with the third federation server killed
 * before the demo: the 2-of-3 reads go through the two live proxies, and the anchor and the receipt
 * come from the remaining anchorers. Every process started is destroyed by its pid at the end.
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
            Duration.ofMillis(5), 100_000), true), new SecureRandom());
    List<Process> started = new ArrayList<>();
    try {
      for (Path nd : layout.nodeDirectories()) {
        started.add(launch(nd));
      }
      for (int i = 0; i < started.size(); i++) {
        awaitStarted(started.get(i), layout.nodeDirectories().get(i), 60);
      }
      Path regtest = layout.regtest().orElseThrow();
      Process bitcoin = launch(regtest, "regtest", "run", "--dir", regtest.toString());
      started.add(bitcoin);
      awaitStarted(bitcoin, regtest, 60);
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
      assertTrue(text.contains("anchor: the anchoring service runs on node-1 (federation), node-2 (federation), node-3 "
          + "(federation), node-4 (audit)"), text);
      assertTrue(text.matches("(?s).*commitment to ledger height \\d+ \\(\\d+ entries\\) in OP_RETURN of tx [0-9a-f]{12}…; "
          + "recorded on the ledger by node-[12] \\(federation\\).*"), text);
      assertTrue(text.matches("(?s).*receipt for Anna's record: verified, anchored in regtest block \\d+ \\(Merkle inclusion.*"),
          text);
      assertTrue(text.contains("checkpoint: the receipt's checkpoint of the ledger-wide log (size "), text);
      for (Path nd : layout.nodeDirectories()) {
        long outages = Files.readAllLines(nd.resolve("stderr.log")).stream()
            .filter(l -> l.contains("cannot reach the Bitcoin node")).count();
        assertTrue(outages <= 1, nd + " logged the unreachable stand-in " + outages + " times");
      }
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
    return launch(nodeDir, "node", "run", "--dir", nodeDir.toString());
  }

  /** {@code medledger args...} in a new JVM, its output in {@code logDir/stdout.log} and {@code stderr.log}. */
  private static Process launch(Path logDir, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "io.medledger.cli.Main"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectOutput(logDir.resolve("stdout.log").toFile())
        .redirectError(logDir.resolve("stderr.log").toFile()).start();
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
