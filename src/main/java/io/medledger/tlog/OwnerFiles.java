package io.medledger.tlog;

import io.medledger.internal.Fsync;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Durable file writes for the log's files, over the library's shared owner-only file creation
 * ({@link PrivateFiles}: 0700 directories, 0600 files) and directory syncing ({@link Fsync}).
 */
final class OwnerFiles {
  private OwnerFiles() {}

  /** Creates {@code dir} and its missing parents owner-only, syncing each new directory's parent. */
  static void mkdirs(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Fsync.createDirectories(dir);
    }
  }

  /**
   * Creates {@code root}, an export's target, if missing, and refuses it when another account could
   * change what is in it while an export writes there (group or others may write it, or another
   * account owns it).
   *
   * @throws java.nio.file.FileSystemException naming {@code root} and what is wrong
   */
  static void privateRoot(Path root) throws IOException {
    mkdirs(root);
    String shared = io.medledger.internal.node.OwnerOnly.othersMayChange(root);
    if (shared != null) {
      throw new java.nio.file.FileSystemException(root.toString(), null, shared);
    }
  }

  /**
   * Writes {@code data} to {@code file}, which lies under {@code root}, without following a symbolic
   * link: the directories from {@code root} down are created 0700 where missing and must be
   * directories, not links, where present; the file is replaced by a new 0600 one (a link in its
   * place is replaced, not written through). Not synced: the caller syncs later.
   *
   * @throws java.nio.file.FileSystemException naming a symbolic link or other file found where a
   *     directory belongs
   */
  static void writeBelow(Path root, Path file, byte[] data) throws IOException {
    Path dir = root;
    for (Path name : root.relativize(file.getParent())) {
      dir = dir.resolve(name);
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        PrivateFiles.createDirectory(dir);
        Fsync.directory(dir.getParent());
      } catch (FileAlreadyExistsException e) {
        throw new java.nio.file.FileSystemException(dir.toString(), null, Files.isSymbolicLink(dir)
            ? "a symbolic link where the export needs a directory; remove it" : "not a directory");
      }
    }
    PrivateFiles.replaceUnsynced(file, data);
  }

  /** Opens {@code file} for writing, creating it 0600 if missing. */
  static FileChannel openForWrite(Path file, StandardOpenOption... extra) throws IOException {
    StandardOpenOption[] opts = new StandardOpenOption[extra.length + 2];
    opts[0] = StandardOpenOption.CREATE;
    opts[1] = StandardOpenOption.WRITE;
    System.arraycopy(extra, 0, opts, 2, extra.length);
    return PrivateFiles.open(file, opts);
  }

  /** Writes {@code data} to {@code file} (replacing it), without fsync; the caller syncs later. */
  static void write(Path file, byte[] data) throws IOException {
    mkdirs(file.getParent());
    try (FileChannel ch = openForWrite(file, StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, data);
    }
  }

  /**
   * Writes {@code data} to {@code file} atomically and durably, as {@link PrivateFiles#replace}: a
   * temporary file of a random name (so concurrent writers never share one), fsync, rename, fsync
   * of the directory.
   */
  static void writeAtomic(Path file, byte[] data) throws IOException {
    mkdirs(file.getParent());
    PrivateFiles.replace(file, data);
  }

  /** Flushes a file or a directory to stable storage. */
  static void fsync(Path p) throws IOException {
    if (Files.isDirectory(p)) {
      Fsync.directory(p);
      return;
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Reads a whole file of at most {@code max} bytes; returns null if it does not exist.
   *
   * @throws IOException if it is larger than {@code max}, is not a regular file (a named pipe,
   *     which opening would wait on, a directory or a device), or cannot be read
   */
  static byte[] read(Path file, int max) throws IOException {
    try {
      io.medledger.internal.BoundedInput.requireRegularFile(file);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
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
