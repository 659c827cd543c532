package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.Fsync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A blob store in a directory: one file per blob at {@code ab/abcdef...} (the id's hex). A write
 * goes to a temporary file that is fsynced and then atomically renamed into place, and the
 * directory is fsynced (and the store's directory when a new {@code ab/} directory was made), so a
 * crash leaves either the whole blob or none, and an acknowledged blob survives. Thread-safe.
 */
public final class FileBlobStore implements BlobStore {
  /** Default largest blob accepted: 256 MiB. */
  public static final long DEFAULT_MAX_BLOB_BYTES = 256L << 20;

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
    return new FileBlobStore(directory, maxBlobBytes);
  }

  private Path pathOf(Digest id) {
    String hex = id.toHex();
    return root.resolve(hex.substring(0, 2)).resolve(hex);
  }

  @Override
  public Digest put(byte[] data) {
    if (data.length > maxBlobBytes) {
      throw new IllegalArgumentException("blob of " + data.length + " bytes exceeds the limit of " + maxBlobBytes);
    }
    Digest id = Sha256.hash(data);
    Path target = pathOf(id);
    try {
      Path dir = target.getParent();
      if (Files.exists(target) && Files.size(target) == data.length) {
        Fsync.directory(dir);
        return id;
      }
      Fsync.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".tmp-", ".blob");
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(data);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(true);
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new BlobUnavailableException("file system does not support atomic rename in " + dir, e);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      Fsync.directory(dir);
      return id;
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot write blob " + id, e);
    }
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    Path p = pathOf(id);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > maxBlobBytes) {
        throw new BlobCorruptedException("blob " + id + " on disk is larger than any accepted blob");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // keep reading
      }
      byte[] data = buf.array();
      if (buf.hasRemaining() || !Sha256.hash(data).equals(id)) {
        throw new BlobCorruptedException("blob " + id + " on disk does not match its digest");
      }
      return Optional.of(data);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read blob " + id, e);
    }
  }

  @Override
  public boolean delete(Digest id) {
    try {
      boolean existed = Files.deleteIfExists(pathOf(id));
      if (existed) {
        Fsync.directory(pathOf(id).getParent());
      }
      return existed;
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot delete blob " + id, e);
    }
  }
}
