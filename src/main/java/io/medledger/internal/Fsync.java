package io.medledger.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Making directory entries durable: a new or renamed file survives a power loss only once its
 * directory has been synced. Thread-safe (stateless).
 */
public final class Fsync {
  private Fsync() {}

  /**
   * Syncs {@code dir} so that entries created, renamed or deleted in it are durable.
   *
   * @throws IOException if the sync fails (on Windows, where a directory cannot be opened for
   *     syncing and the OS gives no such guarantee, nothing is done)
   */
  public static void directory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
        throw e;
      }
    }
  }

  /**
   * Creates {@code dir} and its missing parents, syncing the parent of each directory created,
   * so that the new directories themselves survive a power loss; they are owner-only ({@link PrivateFiles}).
   */
  public static void createDirectories(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    PrivateFiles.createDirectories(abs);
    for (Path p : missing) {
      directory(p.getParent());
    }
  }
}
