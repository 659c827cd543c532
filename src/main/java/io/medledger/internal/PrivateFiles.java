package io.medledger.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Creates the library's directories and files with owner-only permissions (directories 0700,
 * files 0600) whatever the umask, on file systems with POSIX permissions; elsewhere the platform
 * defaults apply. Existing directories and files keep their permissions. Also removes the temporary
 * files of writes a crash cut short. Stateless and thread-safe.
 */
public final class PrivateFiles {
  private static final FileAttribute<Set<PosixFilePermission>> DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<Set<PosixFilePermission>> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private PrivateFiles() {}

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** As {@link Files#createDirectories}; every directory it creates is 0700. */
  public static Path createDirectories(Path dir) throws IOException {
    return posix(dir) ? Files.createDirectories(dir, DIR) : Files.createDirectories(dir);
  }

  /**
   * As {@link Files#createDirectory}: creates {@code dir} (0700) whose parent exists; anything in
   * its place, a symbolic link to a directory included, is a {@link FileAlreadyExistsException}.
   */
  public static Path createDirectory(Path dir) throws IOException {
    return posix(dir) ? Files.createDirectory(dir, DIR) : Files.createDirectory(dir);
  }

  /** As {@link FileChannel#open(Path, OpenOption...)}; a file it creates is 0600. */
  public static FileChannel open(Path file, OpenOption... options) throws IOException {
    return posix(file) ? FileChannel.open(file, Set.of(options), FILE) : FileChannel.open(file, options);
  }

  /**
   * Makes every regular file directly in {@code dir} owner-only (0600), for directories whose
   * files another library creates with the umask's permissions; a file that disappears meanwhile
   * is skipped. Does nothing on file systems without POSIX permissions.
   */
  public static void restrictFiles(Path dir) throws IOException {
    if (!posix(dir)) {
      return;
    }
    Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rw-------");
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        try {
          if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
              && !Files.getPosixFilePermissions(f, java.nio.file.LinkOption.NOFOLLOW_LINKS).equals(owner)) {
            Files.setPosixFilePermissions(f, owner);
          }
        } catch (java.nio.file.NoSuchFileException gone) {
          // deleted while listing (a compaction removed it)
        }
      }
    }
  }

  /**
   * Deletes the files directly in {@code dir} whose names match {@code glob}: the temporary files
   * that writes cut short by a crash left behind, which nothing else would remove. Call it only
   * when no write of this kind is under way (on opening the directory's one owner). A symbolic
   * link of such a name is deleted itself (never its target); a directory of such a name is no
   * leftover of a write and is left alone. Returns how many were deleted; a missing directory has
   * none.
   */
  public static int deleteLeftovers(Path dir, String glob) throws IOException {
    int n = 0;
    try (java.nio.file.DirectoryStream<Path> left = Files.newDirectoryStream(dir, glob)) {
      for (Path p : left) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (Files.deleteIfExists(p)) {
          n++;
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    }
    return n;
  }

  /**
   * Deletes the temporary files that a {@link #create} or {@link #replace} of {@code file} cut short
   * by a crash left beside it, named {@code .NAME.DIGITS.tmp}; between the write and the link or
   * rename such a file holds the whole content (a sealed key store, a secret line). Only regular
   * files are deleted, never what a symbolic link points to, and only those that group and others
   * cannot access (as these writes make them): a file of that name with wider permissions is not
   * one of theirs and is left alone. Call it when no write of {@code file} is under way. Returns how
   * many were deleted; a missing directory has none.
   */
  public static int deleteTempsOf(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    String prefix = "." + file.getFileName() + ".";
    int n = 0;
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir,
        p -> isTempName(p.getFileName().toString(), prefix))) {
      for (Path p : ds) {
        java.nio.file.attribute.BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException gone) {
          continue;
        }
        if (!a.isRegularFile() || posix(p) && !ownerOnly(p)) {
          continue;
        }
        if (Files.deleteIfExists(p)) {
          n++;
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    }
    return n;
  }

  /** Whether {@code name} is {@code prefix}, one or more digits, {@code .tmp}: the temporary names of {@link #writeBeside}. */
  private static boolean isTempName(String name, String prefix) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp") || name.length() <= prefix.length() + 4) {
      return false;
    }
    for (int i = prefix.length(); i < name.length() - 4; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean ownerOnly(Path p) throws IOException {
    Set<PosixFilePermission> perms = new java.util.HashSet<>(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    perms.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE));
    return perms.isEmpty();
  }

  /**
   * Writes {@code data} to a new 0600 file and forces it to disk. Unless {@code replace} is set,
   * an existing file is left alone and {@link FileAlreadyExistsException} is thrown; with it, an
   * existing file is truncated and rewritten (keeping its permissions).
   */
  public static void write(Path file, byte[] data, boolean replace) throws IOException {
    OpenOption how = replace ? StandardOpenOption.CREATE : StandardOpenOption.CREATE_NEW;
    try (FileChannel ch = open(file, how, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, data, true);
    }
  }

  /**
   * Writes {@code data} to {@code file}, replacing it if it exists: the bytes go to a new 0600 file
   * of a random name in the same directory, are forced to disk, and that file is renamed over
   * {@code file}; then the directory is synced. So the result is owner-only whatever the mode of the
   * file it replaces, nothing else ever reads a half-written file, and a crash leaves the old file
   * or the new one.
   */
  public static void replace(Path file, byte[] data) throws IOException {
    writeBeside(file, data, true, true);
  }

  /**
   * As {@link #replace}, without forcing the file or its directory to disk: for a writer that
   * syncs many files and their directories once it has written them all. A symbolic link at
   * {@code file} is replaced, never followed.
   */
  public static void replaceUnsynced(Path file, byte[] data) throws IOException {
    writeBeside(file, data, true, false);
  }

  /**
   * As {@link #replace}, for a file that must not exist yet: the new file is linked into place
   * with one system call that fails if anything is there (a file, a directory, a symbolic link,
   * which is neither followed nor replaced), so of writers racing to create one file exactly one
   * succeeds and nothing is overwritten. Only on a file system without hard links does it fall back
   * to checking, then renaming.
   *
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists (nothing is changed)
   */
  public static void create(Path file, byte[] data) throws IOException {
    writeBeside(file, data, false, true);
  }

  private static void writeBeside(Path file, byte[] data, boolean replace, boolean sync) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    String prefix = "." + file.getFileName() + ".";
    Path tmp = posix(dir) ? Files.createTempFile(dir, prefix, ".tmp", FILE) : Files.createTempFile(dir, prefix, ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writeFully(ch, data, sync);
      }
      if (!replace) {
        // rename(2) replaces a target created after any check; link(2) refuses it atomically
        try {
          Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException e) {
          throw e;
        } catch (UnsupportedOperationException | IOException noHardLinks) {
          Files.move(tmp, file);
        }
      } else {
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (sync) {
      Fsync.directory(dir);
    }
  }

  private static void writeFully(FileChannel ch, byte[] data, boolean sync) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      ch.write(b);
    }
    if (sync) {
      ch.force(true);
    }
  }
}
