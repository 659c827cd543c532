package io.medledger.node;

import io.medledger.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Node processes of a testnet layout, started with {@code medledger node run} on the test class
 * path and always destroyed by pid in {@link #close()}. Not thread-safe.
 */
final class NodeProcesses implements AutoCloseable {
  private final Testnet.Layout layout;
  private final Process[] processes;
  private final int[] incarnation;
  private final List<Process> all = new ArrayList<>();

  NodeProcesses(Testnet.Layout layout) {
    this.layout = layout;
    this.processes = new Process[layout.nodeDirectories().size()];
    this.incarnation = new int[processes.length];
  }

  /** Starts node {@code i} (0-based); returns the height it reported on start. */
  long start(int i, long timeoutSeconds) throws IOException, InterruptedException {
    launch(i);
    return awaitStarted(i, timeoutSeconds);
  }

  /** Launches node {@code i} without waiting. */
  void launch(int i) throws IOException {
    Path dir = layout.nodeDirectories().get(i);
    incarnation[i]++;
    Path out = dir.resolve("stdout-" + incarnation[i] + ".log");
    Path err = dir.resolve("stderr-" + incarnation[i] + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "io.medledger.cli.Main", "node", "run", "--dir", dir.toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    processes[i] = p;
    all.add(p);
  }

  /** Waits for node {@code i}'s started line; returns the height it reported. */
  long awaitStarted(int i, long timeoutSeconds) throws IOException, InterruptedException {
    Path dir = layout.nodeDirectories().get(i);
    Path out = dir.resolve("stdout-" + incarnation[i] + ".log");
    Path err = dir.resolve("stderr-" + incarnation[i] + ".log");
    Process p = processes[i];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("node " + (i + 1) + " exited with " + p.exitValue() + ": " + Files.readString(err));
      }
      for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        if (line.contains("\"event\":\"started\"")) {
          Map<String, Object> m = Json.asObject(Json.parse(line), "started");
          return (Long) m.get("height");
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node " + (i + 1) + " did not start within " + timeoutSeconds + " s: " + Files.readString(err));
  }

  /** The last lines of every node's latest stderr, for failure messages. */
  String logTails() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < processes.length; i++) {
      Path err = layout.nodeDirectories().get(i).resolve("stderr-" + incarnation[i] + ".log");
      try {
        List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
        b.append("\n--- node ").append(i + 1).append(" (alive=").append(isAlive(i)).append(")\n");
        lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(l -> b.append(l).append('\n'));
      } catch (IOException e) {
        b.append("\n--- node ").append(i + 1).append(": no log");
      }
    }
    return b.toString();
  }

  /** Kills node {@code i} with SIGKILL and waits for it to die. */
  void kill9(int i) throws InterruptedException {
    Process p = processes[i];
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  boolean isAlive(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  /** Destroys every process this harness started, by pid, and waits for them. */
  @Override
  public void close() {
    for (Process p : all) {
      p.destroyForcibly();
    }
    for (Process p : all) {
      try {
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
