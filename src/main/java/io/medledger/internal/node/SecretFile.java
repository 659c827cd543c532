package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a small secret file (a key store, a passphrase, a wallet key, an RPC password or cookie)
 * in one opening, so that what is checked is what is read. The file's own attributes are read
 * without following a link, checked (a regular file, not larger than the cap, owner-only if asked),
 * the file is opened with {@link LinkOption#NOFOLLOW_LINKS} (a symbolic link put in its place
 * meanwhile is refused by the opening itself), read, and its attributes read again: a different
 * file key (device and inode), owner, mode, size or modification time, or a byte count that is not
 * the size checked, means the file was replaced or rewritten meanwhile and the read is refused.
 * The bytes pass through a direct buffer that is wiped, so no JDK buffer keeps them.
 *
 * <p>A FIFO (or a device) put in the file's place between the check and the opening would hold
 * the opening until a writer comes, or the read until bytes come: Java cannot open without
 * waiting. So the opening and the read run on a daemon thread of their own, and a read not done
 * within {@link #READ_WAIT_MILLIS} is refused as {@code CHANGED}. The thread is then let go: a
 * read waiting for bytes by an interrupt, an opening waiting for a writer of a FIFO by opening the
 * FIFO for reading and writing, which on Linux does not wait. Where that opening is not allowed
 * (a FIFO of another account, without write permission), the thread stays parked until a writer
 * comes; it does not keep the process alive.
 *
 * <p>Java 17 cannot read the attributes of an opened file, so the second reading is by path: a
 * file swapped in just before the opening and swapped back before that reading would go unseen.
 * That takes two renames inside the read of a few bytes, by someone who may rename in the file's
 * directory; keep secret files in a directory only their owner can write to.
 *
 * <p>A symbolic link as the last path component is refused: name the file itself (links in the
 * directories leading to it are followed). On a file system without POSIX permissions the
 * owner-only check is skipped. Stateless and thread-safe.
 */
public final class SecretFile {
  /** Who may access the file besides the user this process runs as. */
  public enum Access {
    /** Only the user this process runs as (or root) may own it, and group and others have no access. */
    OWNER_ONLY,
    /** Any mode and owner: a file another program writes and shares (a Bitcoin node's cookie). */
    ANY
  }

  /** A secret file refused for its mode, owner, kind or a change while it was read; the message says why. */
  public static final class RefusedException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    /** Why a file was refused. */
    public enum Kind {
      /** A symbolic link stands at the path. */
      LINK,
      /** Group or others have access. */
      MODE,
      /** Another account (root aside) owns it. */
      OWNER,
      /** It was replaced or changed between the check and the read. */
      CHANGED
    }

    private final Kind kind;

    RefusedException(Path file, Kind kind, String reason) {
      super(file.toString(), null, reason);
      this.kind = kind;
    }

    /** Why the file was refused. */
    public Kind kind() {
      return kind;
    }

    /** The message without the path in front: {@code "PATH: REASON"} reads as {@code "REASON"} here. */
    @Override
    public String getMessage() {
      return getReason();
    }
  }

  /**
   * How long the opening and the read may take before the read is refused: a few bytes of a
   * regular file take far less, a pipe put in the file's place could take forever.
   */
  public static final long READ_WAIT_MILLIS = 5_000;
  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;

  private SecretFile() {}

  /**
   * The whole content of {@code file}, in a fresh array for the caller to wipe; {@code what} names
   * it in errors.
   *
   * @throws MalformedEncodingException if it is larger than {@code maxBytes} ({@code "WHAT is larger than N bytes"})
   * @throws RefusedException if it is a symbolic link, not owner-only (for {@link Access#OWNER_ONLY}),
   *     was replaced or changed while it was read, or did not open and read within
   *     {@link #READ_WAIT_MILLIS}; the reason begins with the path
   * @throws java.io.InterruptedIOException if the calling thread is interrupted while it waits
   * @throws java.nio.file.NoSuchFileException if it is absent
   * @throws FileSystemException with reason "not a regular file" for a directory, pipe or device
   * @throws IOException if it cannot be read
   */
  public static byte[] read(Path file, int maxBytes, String what, Access access) throws IOException {
    return read(file, maxBytes, what, access, () -> { });
  }

  /** As {@link #read(Path, int, String, Access)}, running {@code betweenCheckAndOpen} (a test's swap) after the check. */
  static byte[] read(Path file, int maxBytes, String what, Access access, IoStep betweenCheckAndOpen)
      throws IOException {
    return read(file, maxBytes, what, access, betweenCheckAndOpen, READ_WAIT_MILLIS);
  }

  /** As {@link #read(Path, int, String, Access, IoStep)}, refusing a read not done within {@code waitMillis}. */
  static byte[] read(Path file, int maxBytes, String what, Access access, IoStep betweenCheckAndOpen,
      long waitMillis) throws IOException {
    if (maxBytes < 0 || maxBytes >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
    }
    if (waitMillis <= 0) {
      throw new IllegalArgumentException("waitMillis must be positive: " + waitMillis);
    }
    Objects.requireNonNull(access, "access");
    BasicFileAttributes before = attributes(file);
    if (before.isSymbolicLink()) {
      throw linkRefused(file);
    }
    if (!before.isRegularFile()) {
      throw new FileSystemException(file.toString(), null, "not a regular file");
    }
    if (access == Access.OWNER_ONLY && before instanceof PosixFileAttributes px) {
      String p = OwnerOnly.problem(file, px);
      if (p != null) {
        boolean shared = px.permissions().stream().anyMatch(x -> !x.name().startsWith("OWNER_"));
        throw new RefusedException(file, shared ? RefusedException.Kind.MODE : RefusedException.Kind.OWNER, p);
      }
    }
    if (before.size() > maxBytes) {
      throw new MalformedEncodingException(what + " is larger than " + maxBytes + " bytes");
    }
    betweenCheckAndOpen.run();
    // the opening and the read run on a thread of their own, so that a pipe put in the file's
    // place (whose opening waits for a writer, and whose read waits for bytes) cannot hold the caller
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        byte[] out = openAndRead(file, before);
        if (!result.complete(out)) {
          Arrays.fill(out, (byte) 0); // the caller gave up: nobody takes these bytes
        }
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, "medledger-secret-read");
    reader.setDaemon(true);
    reader.start();
    try {
      return result.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException late) {
      if (!result.completeExceptionally(late)) {
        return done(result); // it finished just now
      }
      reader.interrupt(); // a read waiting for a pipe's bytes: the interrupt closes the channel and ends it
      Thread release = new Thread(() -> releaseOpen(file), "medledger-secret-release");
      release.setDaemon(true);
      release.start(); // an opening waiting for a pipe's writer: give it one
      throw new RefusedException(file, RefusedException.Kind.CHANGED, file + " did not open and read within "
          + waitMillis + " ms (a pipe or device put in its place?); refused");
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      if (!result.completeExceptionally(e)) {
        result.thenAccept(out -> Arrays.fill(out, (byte) 0));
      }
      reader.interrupt();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading " + file);
    }
  }

  /** Opens {@code file} without following a link, reads it, and checks it is still the file {@code before} describes. */
  private static byte[] openAndRead(Path file, BasicFileAttributes before) throws IOException {
    ByteBuffer direct = ByteBuffer.allocateDirect((int) before.size() + 1);
    try {
      try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
        while (direct.hasRemaining() && ch.read(direct) >= 0) {
          // to the end of the file, or one byte past the size checked
        }
      } catch (IOException e) {
        // the opening refuses a link put in place since the check (ELOOP, a plain IOException)
        if (Files.isSymbolicLink(file)) {
          throw linkRefused(file);
        }
        throw e;
      }
      BasicFileAttributes after = attributes(file);
      if (direct.position() != before.size() || !same(before, after)) {
        throw new RefusedException(file, RefusedException.Kind.CHANGED,
            file + " was replaced or changed while it was read; refused");
      }
      byte[] out = new byte[direct.position()];
      direct.flip().get(out);
      return out;
    } finally {
      direct.clear();
      while (direct.hasRemaining()) {
        direct.put((byte) 0);
      }
    }
  }

  /** The value of a completed {@code result}, or its failure thrown as it was. */
  private static byte[] done(CompletableFuture<byte[]> result) throws IOException {
    try {
      return result.join();
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    }
  }

  private static IOException rethrow(Throwable t) {
    if (t instanceof IOException io) {
      return io;
    }
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return new IOException(t);
  }

  /**
   * Lets go a reader whose opening waits for a writer of a FIFO now at {@code file}: on Linux an
   * opening for reading and writing does not wait and counts as a writer, so the reader's opening
   * completes (it then reads nothing and is refused). Only for a FIFO, never a device; best effort:
   * without write permission on the FIFO the reader thread stays parked (a daemon) until a writer comes.
   */
  private static void releaseOpen(Path file) {
    try {
      if (!file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
        return;
      }
      int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if ((mode & S_IFMT) == S_IFIFO) {
        try (FileChannel ignored = FileChannel.open(file,
            Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
          // opened and closed: the waiting reader has had its writer
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort, see above
    }
  }

  private static RefusedException linkRefused(Path file) {
    return new RefusedException(file, RefusedException.Kind.LINK, file + " is a symbolic link; name the file itself");
  }

  /** A step that may throw, run between the check and the opening. */
  @FunctionalInterface
  interface IoStep {
    void run() throws IOException;
  }

  private static BasicFileAttributes attributes(Path file) throws IOException {
    boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
    return posix ? Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        : Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  /** Whether {@code a} and {@code b} describe one file with one content (as far as attributes tell). */
  private static boolean same(BasicFileAttributes a, BasicFileAttributes b) {
    if (!Objects.equals(a.fileKey(), b.fileKey()) || !b.isRegularFile() || a.size() != b.size()
        || !a.lastModifiedTime().equals(b.lastModifiedTime())) {
      return false;
    }
    if (a instanceof PosixFileAttributes pa && b instanceof PosixFileAttributes pb) {
      return pa.permissions().equals(pb.permissions()) && pa.owner().equals(pb.owner());
    }
    return true;
  }
}
