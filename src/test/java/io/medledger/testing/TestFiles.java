package io.medledger.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** File helpers for tests. */
public final class TestFiles {
  private TestFiles() {}

  /**
   * Makes a named pipe (mode 0600) at {@code file} with {@code mkfifo}; false where that is not
   * possible (no POSIX tools), so that the caller can skip.
   */
  public static boolean fifo(Path file) throws IOException, InterruptedException {
    try {
      Process p = new ProcessBuilder("mkfifo", "-m", "600", file.toString()).redirectErrorStream(true).start();
      return p.waitFor() == 0 && Files.exists(file);
    } catch (IOException e) {
      return false;
    }
  }

  /** Copies the tree under {@code from} to {@code to}, which must not exist yet. */
  public static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path q : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(q).toString());
        if (Files.isDirectory(q)) {
          Files.createDirectories(t);
        } else {
          Files.copy(q, t);
        }
      }
    }
  }
}
