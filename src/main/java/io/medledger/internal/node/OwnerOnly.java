package io.medledger.internal.node;

import io.medledger.internal.Fsync;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * Owner-only files (0600) and directories (0700), written atomically and durably. On a file
 * system without POSIX permissions the permission steps are skipped. Stateless; thread-safe.
 */
public final class OwnerOnly {
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

  private OwnerOnly() {}

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Creates {@code dir} and missing parents with mode 0700 (existing ones are left as they are,
   * except {@code dir}), syncing the parent of each directory created so that it survives a power loss.
   */
  public static void createDirectories(Path dir) throws IOException {
    Fsync.createDirectories(dir);
    if (posix(dir)) {
      Files.setPosixFilePermissions(dir, DIR);
    }
  }

  /**
   * Writes {@code bytes} to {@code file} with mode 0600: as {@link PrivateFiles#replace} or, without
   * {@code replace}, {@link PrivateFiles#create} (a temporary file of a random name written and
   * fsynced, moved into place, the directory fsynced).
   *
   * @param replace whether an existing file may be replaced
   * @throws FileAlreadyExistsException if the file exists and {@code replace} is false (also when
   *     it appears while this writes: it is never overwritten)
   */
  public static void write(Path file, byte[] bytes, boolean replace) throws IOException {
    if (replace) {
      PrivateFiles.replace(file, bytes);
    } else {
      PrivateFiles.create(file, bytes);
    }
  }

  /** Fsyncs a directory so that a rename or creation in it survives a crash (a no-op where unsupported). */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      if (posix(dir)) {
        throw e instanceof IOException io ? io : new IOException(e);
      }
    }
  }

  /**
   * Null when group and others have no access to {@code p} and it belongs to the user this process
   * runs as (or to root, who can read it anyway), or permissions are not POSIX; else a description.
   * As ssh does, a file of another account is refused whatever its mode: that account can read it
   * and replace it. The owner is not checked when the process's user name is unknown to the system.
   */
  public static String problem(Path p) throws IOException {
    if (!posix(p)) {
      return null;
    }
    return problem(p, Files.readAttributes(p, PosixFileAttributes.class));
  }

  /**
   * As {@link #problem(Path)}, judged from attributes of {@code p} already read (of the file
   * itself when they were read without following a link).
   */
  static String problem(Path p, PosixFileAttributes a) {
    Set<PosixFilePermission> perms = a.permissions();
    for (PosixFilePermission x : perms) {
      String n = x.name();
      if (n.startsWith("GROUP_") || n.startsWith("OTHERS_")) {
        return p + " is accessible by group or others (mode " + PosixFilePermissions.toString(perms)
            + "); make it owner-only (chmod " + (a.isDirectory() ? "700" : "600") + ")";
      }
    }
    String foreign = foreignOwner(p, a.owner());
    return foreign == null ? null : p + " is " + foreign;
  }

  /**
   * Null when neither group nor others may write the directory {@code dir} and it belongs to the
   * user this process runs as (or to root), or permissions are not POSIX; else what is wrong, without
   * the path. Another account could otherwise swap what is in it for a symbolic link while this
   * process writes there.
   */
  public static String othersMayChange(Path dir) throws IOException {
    if (!posix(dir)) {
      return null;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      return "writable by group or others (mode " + PosixFilePermissions.toString(perms)
          + "); write into a directory only its owner can write (chmod go-w)";
    }
    return foreignOwner(dir, Files.getOwner(dir));
  }

  /** Null when {@code p} belongs to this process's user or to root (or the user is unknown), else why not. */
  private static String foreignOwner(Path p, UserPrincipal owner) {
    UserPrincipal self = self(p);
    if (self != null && !owner.equals(self) && !owner.getName().equals("root")) {
      return "owned by " + owner.getName() + ", not by " + self.getName() + " who runs this process; chown it to "
          + self.getName();
    }
    return null;
  }

  /**
   * Null when neither group nor others may write {@code p} (or permissions are not POSIX), else a
   * description; a missing file is not this method's concern (null).
   */
  public static String writableByOthers(Path p) throws IOException {
    if (!posix(p) || !Files.exists(p)) {
      return null;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
    if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      return p + " is writable by group or others (mode " + PosixFilePermissions.toString(perms)
          + "); make it writable by its owner only (chmod go-w)";
    }
    return null;
  }

  /** The user this process runs as, or null if the system does not know the name. */
  private static UserPrincipal self(Path p) {
    String name = System.getProperty("user.name");
    if (name == null || name.isEmpty() || name.equals("?")) {
      return null;
    }
    try {
      return p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
