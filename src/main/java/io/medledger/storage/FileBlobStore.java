package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.Fsync;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A blob store in a directory: one file per blob at {@code ab/abcdef...} (the id's hex), files and
 * directories readable by their owner only. A write streams to a temporary file while hashing it,
 * fsyncs it and then atomically renames it into place (replacing any copy already there, so a put
 * also repairs a corrupted copy), and the directory is fsynced (and the store's directory when a
 * new {@code ab/} directory was made): a crash leaves either the whole blob or none, and an
 * acknowledged blob survives. Every read hashes the whole file. Opening a store deletes what
 * uploads interrupted by a crash left behind, so one process at a time opens a directory.
 *
 * <p>Links are not followed out of the store: a blob's file that is a symbolic link, a named pipe
 * or a device is a corrupt copy (never opened, so never waited on; a put replaces it), and a
 * {@code ab/} directory that is a link or not a directory is refused for reads, writes and
 * deletions ({@link BlobUnavailableException}). A blob or {@code ab/} directory found with
 * permissions for group or others (restored or copied by hand) is made owner-only when read.
 * Thread-safe.
 */
public final class FileBlobStore implements BlobStore {
  private static final System.Logger LOG = System.getLogger(FileBlobStore.class.getName());
  /** Default largest blob accepted: 256 MiB. */
  public static final long DEFAULT_MAX_BLOB_BYTES = 256L << 20;
  private static final int BUFFER = 64 << 10;

  private final Path root;
  private final long maxBlobBytes;

  private FileBlobStore(Path root, long maxBlobBytes) {
    this.root = root;
    this.maxBlobBytes = maxBlobBytes;
  }

  /**
   * Opens (creating if needed) a blob store in {@code directory}.
   *
   * @throws BlobUnavailableException if the directory cannot be created
   */
  public static FileBlobStore open(Path directory) {
    return open(directory, DEFAULT_MAX_BLOB_BYTES);
  }

  /** Opens a blob store that refuses blobs larger than {@code maxBlobBytes}. */
  public static FileBlobStore open(Path directory, long maxBlobBytes) {
    if (maxBlobBytes <= 0 || maxBlobBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxBlobBytes must be in (0, 2^31 - 9]");
    }
    try {
      Fsync.createDirectories(directory);
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot create blob directory " + directory, e);
    }
    deleteInterruptedUploads(directory);
    return new FileBlobStore(directory, maxBlobBytes);
  }

  /**
   * Deletes the temporary files of uploads that a crash interrupted: opened again, the store has
   * no upload in progress, and without this each crash during uploads would keep their bytes.
   */
  private static void deleteInterruptedUploads(Path directory) {
    try {
      io.medledger.internal.PrivateFiles.deleteLeftovers(directory, ".upload-*.tmp");
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot clear interrupted uploads in " + directory + ": " + e.getMessage(), e);
    }
  }

  /** The largest blob accepted. */
  public long maxBlobBytes() {
    return maxBlobBytes;
  }

  private Path pathOf(Digest id) {
    String hex = id.toHex();
    return root.resolve(hex.substring(0, 2)).resolve(hex);
  }

  /**
   * The file of blob {@code id}, once its {@code ab/} directory, when there is one, is found to
   * be a directory of the store (made owner-only if it was not) and not a link out of it.
   *
   * @throws BlobUnavailableException if that directory is a link or not a directory
   */
  private Path fileOf(Digest id) {
    Path file = pathOf(id);
    Path shard = file.getParent();
    try {
      BasicFileAttributes a = attributes(shard);
      if (!a.isDirectory()) {
        throw new BlobUnavailableException(shard + " is " + (a.isSymbolicLink() ? "a symbolic link" : "not a directory")
            + ", not a directory of the blob store: move it away");
      }
      restrict(shard, a);
    } catch (NoSuchFileException e) {
      // no blob there yet
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot examine " + shard + ": " + e.getMessage(), e);
    }
    return file;
  }

  /** The attributes of {@code p} itself (a link is not followed), POSIX ones where the file system has them. */
  private static BasicFileAttributes attributes(Path p) throws IOException {
    boolean posix = p.getFileSystem().supportedFileAttributeViews().contains("posix");
    return posix ? Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        : Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  /**
   * Takes from {@code p} (described by {@code a}) every permission of group and others, with a
   * WARNING; where that is not allowed (another owner, a read-only mount) the WARNING says so and
   * the blob is still read (its bytes are checked by hash either way).
   */
  private static void restrict(Path p, BasicFileAttributes a) {
    if (a instanceof PosixFileAttributes px && px.permissions().stream().anyMatch(GROUP_OR_OTHERS::contains)) {
      Set<PosixFilePermission> owner = EnumSet.noneOf(PosixFilePermission.class);
      owner.addAll(px.permissions());
      owner.removeAll(GROUP_OR_OTHERS);
      String had = java.nio.file.attribute.PosixFilePermissions.toString(px.permissions());
      try {
        Files.setPosixFilePermissions(p, owner);
        LOG.log(System.Logger.Level.WARNING, () -> p + " had permissions " + had + "; made owner-only");
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, () -> p + " has permissions " + had + " and cannot be made owner-only: "
            + e.getMessage());
      }
    }
  }

  @Override
  public Digest put(byte[] data) {
    if (data.length > maxBlobBytes) {
      throw new IllegalArgumentException("blob of " + data.length + " bytes exceeds the limit of " + maxBlobBytes);
    }
    return put(new ByteArrayInputStream(data));
  }

  /**
   * {@inheritDoc} Streams through a 64 KiB buffer.
   *
   * @throws IllegalArgumentException if {@code data} is longer than {@link #maxBlobBytes()}
   */
  @Override
  public Digest put(InputStream data) {
    try (Upload u = begin()) {
      byte[] buf = new byte[BUFFER];
      for (int n; (n = data.read(buf)) >= 0; ) {
        u.write(buf, 0, n);
      }
      return u.commit(Optional.empty());
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read the payload to store: " + e.getMessage(), e);
    }
  }

  /**
   * Starts a blob written piece by piece (a storage node receiving chunks): bytes go to a
   * temporary owner-only file, hashed as they arrive, and become a blob on {@link Upload#commit}.
   *
   * @throws BlobUnavailableException if the temporary file cannot be created
   */
  public Upload begin() {
    try {
      return new Upload(Files.createTempFile(root, ".upload-", ".tmp"));
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot create a temporary file in " + root, e);
    }
  }

  /**
   * A blob being written: {@link #write} appends, {@link #commit} makes it durable under its id,
   * {@link #close} drops it unless committed. Not thread-safe: one writer at a time.
   */
  public final class Upload implements AutoCloseable {
    private final Path tmp;
    private final FileChannel ch;
    private final MessageDigest sha = Sha256.newMessageDigest();
    private long size;
    private boolean done;
    /** The digest of the bytes written, once {@link #digest} ended the writing. */
    private Digest hashed;

    private Upload(Path tmp) throws IOException {
      this.tmp = tmp;
      this.ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
    }

    /** Bytes written so far. */
    public long size() {
      return size;
    }

    /**
     * Appends {@code len} bytes of {@code b} from {@code off}.
     *
     * @throws IllegalArgumentException if the blob would exceed the store's limit (the upload is
     *     then dropped)
     * @throws BlobUnavailableException if the file cannot be written
     */
    public void write(byte[] b, int off, int len) {
      if (done || hashed != null) {
        throw new IllegalStateException("upload already finished");
      }
      if (size + len > maxBlobBytes) {
        close();
        throw new IllegalArgumentException("blob exceeds the limit of " + maxBlobBytes + " bytes");
      }
      try {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      } catch (IOException e) {
        close();
        throw new BlobUnavailableException("cannot write a blob to " + root + ": " + e.getMessage(), e);
      }
      sha.update(b, off, len);
      size += len;
    }

    /**
     * Ends the writing and returns the SHA-256 of the bytes written, the id a {@link #commit} gives
     * them: a caller that must know the bytes are those it expects before it acts on their id
     * compares first. Writing after it is refused.
     *
     * @throws IllegalStateException if the upload was committed or dropped
     */
    public Digest digest() {
      if (done) {
        throw new IllegalStateException("upload already finished");
      }
      if (hashed == null) {
        hashed = Digest.of(sha.digest());
      }
      return hashed;
    }

    /**
     * Makes the bytes written a durable blob and returns its id (replacing any copy with that id).
     *
     * @throws BlobCorruptedException if {@code expected} is given and the bytes do not hash to it
     *     (nothing is stored)
     * @throws BlobUnavailableException if the blob cannot be made durable
     */
    public Digest commit(Optional<Digest> expected) {
      Digest id = digest();
      if (expected.isPresent() && !expected.get().equals(id)) {
        close();
        throw new BlobCorruptedException("the bytes received hash to " + id + ", not to " + expected.get());
      }
      Path target = pathOf(id);
      try {
        ch.force(true);
        ch.close();
        Path dir = target.getParent();
        Fsync.createDirectories(dir);
        fileOf(id); // the directory is the store's own, not a link out of it
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new BlobUnavailableException("file system does not support atomic rename in " + dir, e);
        }
        done = true;
        Fsync.directory(dir);
        return id;
      } catch (IOException e) {
        close();
        throw new BlobUnavailableException("cannot write blob " + id + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    /** Drops the upload unless it was committed. Idempotent. */
    @Override
    public void close() {
      try {
        ch.close();
        if (!done) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException ignored) {
        // a leftover temporary file holds no acknowledged data
      }
      done = true;
    }
  }

  /**
   * A blob whose whole file hashed to its id when opened, and the open file to read it from:
   * {@link #data} reads that same file even if the blob is deleted or replaced meanwhile. Close it.
   *
   * @param size its length in bytes
   * @param data its bytes, from the start
   */
  public record VerifiedBlob(long size, InputStream data) implements AutoCloseable {
    /** Checks that no required component is null. */
    public VerifiedBlob {
      java.util.Objects.requireNonNull(data, "data");
    }

    /** Closes the file. */
    @Override
    public void close() {
      try {
        data.close();
      } catch (IOException ignored) {
        // read-only file
      }
    }
  }

  /**
   * Opens blob {@code id} after hashing its whole file, or empty when the store does not hold it.
   *
   * @throws BlobCorruptedException if the file does not hash to {@code id}
   * @throws BlobUnavailableException if the file cannot be read
   */
  public Optional<VerifiedBlob> openVerified(Digest id) {
    Path file = fileOf(id);
    FileChannel ch;
    try {
      BasicFileAttributes a = attributes(file);
      if (a.isDirectory()) {
        throw new BlobUnavailableException("blob " + id + " on disk is a directory: move it away");
      }
      if (!a.isRegularFile()) {
        throw new BlobCorruptedException("blob " + id + " on disk is " + (a.isSymbolicLink() ? "a symbolic link"
            : "not a regular file (a pipe or a device)") + ", not its copy");
      }
      restrict(file, a);
      ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read blob " + id, e);
    }
    try {
      long size = ch.size();
      if (size > maxBlobBytes) {
        throw new BlobCorruptedException("blob " + id + " on disk is larger than any accepted blob");
      }
      MessageDigest sha = Sha256.newMessageDigest();
      ByteBuffer buf = ByteBuffer.allocate(BUFFER);
      long pos = 0;
      for (int n; (n = ch.read(buf, pos)) > 0; pos += n) {
        sha.update(buf.array(), 0, n);
        buf.clear();
      }
      if (pos != size || !Digest.of(sha.digest()).equals(id)) {
        throw new BlobCorruptedException("blob " + id + " on disk does not match its digest");
      }
      ch.position(0);
      return Optional.of(new VerifiedBlob(size, Channels.newInputStream(ch)));
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // the read already failed
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new BlobUnavailableException("cannot read blob " + id, e);
    }
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    Optional<VerifiedBlob> v = openVerified(id);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try (VerifiedBlob b = v.get()) {
      byte[] data = b.data().readNBytes((int) b.size());
      if (data.length != b.size()) {
        throw new BlobCorruptedException("blob " + id + " on disk changed while it was read");
      }
      return Optional.of(data);
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read blob " + id, e);
    }
  }

  /** {@inheritDoc} Here the file is hashed before any byte is written to {@code out}. */
  @Override
  public boolean read(Digest id, OutputStream out) {
    Optional<VerifiedBlob> v = openVerified(id);
    if (v.isEmpty()) {
      return false;
    }
    try (VerifiedBlob b = v.get()) {
      long n = b.data().transferTo(out);
      if (n != b.size()) {
        throw new BlobCorruptedException("blob " + id + " on disk changed while it was read");
      }
      return true;
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot copy blob " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * The length of the file holding blob {@code id}, unverified (for accounting), or empty when the
   * store holds no copy.
   *
   * @throws BlobUnavailableException if the file cannot be examined
   */
  public java.util.OptionalLong sizeOf(Digest id) {
    try {
      return java.util.OptionalLong.of(attributes(fileOf(id)).size());
    } catch (NoSuchFileException e) {
      return java.util.OptionalLong.empty();
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot examine blob " + id, e);
    }
  }

  @Override
  public BlobState check(Digest id) {
    try {
      Optional<VerifiedBlob> v = openVerified(id);
      v.ifPresent(VerifiedBlob::close);
      return v.isPresent() ? BlobState.PRESENT : BlobState.MISSING;
    } catch (BlobCorruptedException e) {
      return BlobState.CORRUPT;
    }
  }

  @Override
  public boolean delete(Digest id) {
    try {
      Path file = fileOf(id);
      boolean existed = Files.deleteIfExists(file);
      if (existed) {
        Fsync.directory(file.getParent());
      }
      return existed;
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot delete blob " + id, e);
    }
  }
}
