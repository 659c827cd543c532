package io.medledger.consensus;

import io.medledger.internal.Fsync;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A {@link SafetyStore} in one file, replaced atomically: write a temporary file, fsync it, rename
 * it over the old one, fsync the directory (so a saved state survives a power loss). A state that cannot be read makes {@link #load} (and
 * so the protocol's start) fail rather than start without it. Thread-safe (methods are synchronized); one process per file.
 */
public final class FileSafetyStore implements SafetyStore {
  private final Path file;

  /** A store at {@code file}; the parent directory must exist. */
  public FileSafetyStore(Path file) {
    this.file = file.toAbsolutePath();
  }

  @Override
  public synchronized Optional<byte[]> load() {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("reading safety state " + file, e);
    }
  }

  @Override
  public synchronized void save(byte[] state) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(state);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("writing safety state " + tmp, e);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // makes the rename durable: without it a power loss can bring the old file (an old lock) back
      Fsync.directory(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("replacing safety state " + file, e);
    }
  }
}
