package io.medledger.storage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Run in a separate JVM by the block store tests: tries to open a store and reports. With a second
 * argument {@code hold} it keeps the store open until its standard input ends, so that the test's
 * own process is the one refused.
 */
public final class LockProbe {
  private LockProbe() {}

  private static Process start(Path dir, String... more) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        LockProbe.class.getName(), dir.toString()));
    cmd.addAll(List.of(more));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Opens the store in another JVM and closes it again; returns what that JVM reported. */
  static String probe(Path dir) throws IOException, InterruptedException {
    Process p = start(dir);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError("probe failed: " + out);
    }
    return out;
  }

  /** A store held open by another JVM until {@link #close()}. */
  static final class Holder implements AutoCloseable {
    private final Process process;
    /** The first line the other JVM printed ("opened N" once it holds the store). */
    final String report;

    Holder(Path dir) throws IOException {
      process = start(dir, "hold");
      report = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Override
    public void close() throws IOException, InterruptedException {
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  public static void main(String[] args) throws IOException {
    try (FileBlockStore s = FileBlockStore.open(Path.of(args[0]))) {
      System.out.println("opened " + s.size());
      if (args.length > 1 && args[1].equals("hold")) {
        System.out.flush();
        while (System.in.read() >= 0) {
          // hold the store until the test closes our input
        }
      }
    } catch (StoreCorruptedException e) {
      System.out.println("corrupted");
    } catch (StoreException e) {
      System.out.println("refused: " + e.getMessage());
    }
  }
}
