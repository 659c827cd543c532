package io.medledger.tlog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only (0700 directories, 0600 files) durable file writes for the log's files. */
final class OwnerFiles {
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private OwnerFiles() {}

  static FileAttribute<?>[] dirAttrs() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
        : new FileAttribute<?>[0];
  }

  static FileAttribute<?>[] fileAttrs() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  /** Creates {@code dir} and its missing parents owner-only. */
  static void mkdirs(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, dirAttrs());
    }
  }

  /** Writes {@code data} to {@code file} (replacing it), without fsync; the caller syncs later. */
  static void write(Path file, byte[] data) throws IOException {
    mkdirs(file.getParent());
    try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING), fileAttrs())) {
      writeFully(ch, data);
    }
  }

  /** Writes {@code data} to {@code file} atomically and durably: temp file, fsync, rename, fsync dir. */
  static void writeAtomic(Path file, byte[] data) throws IOException {
    mkdirs(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING), fileAttrs())) {
      writeFully(ch, data);
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    fsync(file.getParent());
  }

  /** Flushes a file or a directory to stable storage (directories best effort where unsupported). */
  static void fsync(Path p) throws IOException {
    boolean dir = Files.isDirectory(p);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!dir) {
        throw e;
      }
    }
  }

  /**
   * Reads a whole file of at most {@code max} bytes; returns null if it does not exist.
   *
   * @throws IOException if it is larger than {@code max} or cannot be read
   */
  static byte[] read(Path file, int max) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long n = ch.size();
      if (n > max) {
        throw new IOException(file + " is " + n + " bytes, above the limit of " + max);
      }
      ByteBuffer b = ByteBuffer.allocate((int) n);
      while (b.hasRemaining()) {
        if (ch.read(b) < 0) {
          throw new IOException(file + " shrank while being read");
        }
      }
      return b.array();
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  private static void writeFully(FileChannel ch, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
