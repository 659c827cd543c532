package io.medledger.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** File helpers for tests. */
public final class TestFiles {
  private TestFiles() {}

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
