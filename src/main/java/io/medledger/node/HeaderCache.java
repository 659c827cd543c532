package io.medledger.node;

import io.medledger.chain.BlockHeader;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Fsync;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.OwnerOnly;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A pinned client's on-disk copy of the headers it read back from its pinned block
 * ({@link RemoteConnection.Builder#headerCache}), so that a new connection does not read them from
 * the nodes again. One file per pin, {@code pin-H-HASH.headers} in an owner-only directory: the
 * chain id, the pinned height and hash, then the encoded headers from the pinned one down to block
 * 1. Nothing in it is taken on its word: on load every header is decoded (each at most
 * {@value ClientWire#MAX_HEADER_BYTES} bytes) and must be of the chain, at its height, and hash to
 * the parent hash its child names, the first to the pinned hash, so a file that another history,
 * a bit flip or a truncation changed is refused (and the client reads the headers from the nodes
 * and writes the file again); only SHA-256 collisions could make it name another block. A file is
 * at most {@link #maxBytes} long (1 GiB by default, headers of about four million blocks): a larger
 * one is neither read nor written. Immutable; thread-safe (a file is replaced atomically, so
 * processes sharing the directory read the old file or the new one).
 */
final class HeaderCache {
  /** Largest cache file by default. */
  static final long MAX_FILE_BYTES = 1L << 30;
  private static final System.Logger LOG = System.getLogger(HeaderCache.class.getName());
  private static final byte[] MAGIC = "MLHDRS01".getBytes(StandardCharsets.US_ASCII);
  /** Magic, chain id, height, pinned hash. */
  private static final int PREFIX = MAGIC.length + Digest.LENGTH + 8 + Digest.LENGTH;
  /** Fewest bytes one record (a length and a header) takes. */
  private static final int MIN_RECORD = 2 + 64;

  private final Path dir;
  private final long maxBytes;

  /** The hashes of blocks 1 to H read back from block H, 32 bytes each ({@code (h - 1) * 32}), and genesis's hash. */
  record ReadBack(byte[] hashes, Digest genesis) {
    ReadBack {
      Objects.requireNonNull(hashes, "hashes");
      Objects.requireNonNull(genesis, "genesis");
    }
  }

  private HeaderCache(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /**
   * The cache in {@code dir}, created owner-only (0700) with its missing parents if it does not
   * exist, files at most {@code maxBytes} long.
   *
   * @throws NodeException with reason CONFIG if {@code dir} is not a directory, cannot be created,
   *     or group or others may write it or another account owns it
   */
  static HeaderCache open(Path dir, long maxBytes) {
    Path d = dir.toAbsolutePath().normalize();
    if (maxBytes < PREFIX) {
      throw new IllegalArgumentException("a header cache file of at most " + maxBytes + " bytes");
    }
    try {
      if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
        OwnerOnly.createDirectories(d);
      }
      if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
        throw new NodeException(NodeException.Reason.CONFIG, "header cache " + d + " is not a directory");
      }
      String problem = OwnerOnly.othersMayChange(d);
      if (problem != null) {
        throw new NodeException(NodeException.Reason.CONFIG, "header cache " + d + " is " + problem);
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.CONFIG, "header cache " + d + ": " + e.getMessage(), e);
    }
    return new HeaderCache(d, maxBytes);
  }

  /** The cache's directory. */
  Path directory() {
    return dir;
  }

  /** The file of the pin at {@code height} with {@code hash}. */
  Path fileOf(long height, Digest hash) {
    return dir.resolve("pin-" + height + "-" + hash.toHex() + ".headers");
  }

  /**
   * The read-back of the pin at {@code height} with {@code hash} on chain {@code chainId}, checked
   * header by header as described above; empty when there is no file, or it is not a regular
   * owner-only file, is too large, or does not hold exactly that chain of headers (logged: the
   * caller reads the headers again and rewrites it).
   */
  Optional<ReadBack> load(Digest chainId, long height, Digest hash) {
    Path f = fileOf(height, hash);
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return Optional.empty(); // none yet
    }
    try {
      String problem = !a.isRegularFile() ? "not a regular file"
          : a.size() > maxBytes ? a.size() + " bytes, more than the " + maxBytes + " a header cache file may hold"
          : a.size() < PREFIX + height * MIN_RECORD ? "too short for " + height + " headers"
          : OwnerOnly.problem(f);
      if (problem != null) {
        return refused(f, problem);
      }
      try (InputStream raw = Files.newInputStream(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
          DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
        return read(in, f, a.size(), chainId, height, hash);
      }
    } catch (IOException | MalformedEncodingException e) { // a truncated file included (EOFException)
      return refused(f, e instanceof java.io.EOFException ? "it ends before header 1" : String.valueOf(e.getMessage()));
    }
  }

  private Optional<ReadBack> read(DataInputStream in, Path f, long size, Digest chainId, long height, Digest hash)
      throws IOException {
    byte[] prefix = new byte[PREFIX];
    in.readFully(prefix);
    if (!Arrays.equals(prefix, prefix(chainId, height, hash))) {
      return refused(f, "it is of another chain or pin");
    }
    long read = PREFIX;
    byte[] hashes = new byte[Math.toIntExact(height * Digest.LENGTH)];
    Digest expected = hash;
    for (long h = height; h >= 1; h--) {
      int n = in.readUnsignedShort();
      if (n < 1 || n > ClientWire.MAX_HEADER_BYTES) {
        return refused(f, "header " + h + " is " + n + " bytes long");
      }
      byte[] b = new byte[n];
      in.readFully(b);
      read += 2 + n;
      BlockHeader header = BlockHeader.decode(b);
      if (header.height() != h || !header.chainId().equals(chainId) || !header.hash().equals(expected)) {
        return refused(f, "header " + h + " is not the parent its child names");
      }
      expected.copyTo(hashes, (int) (h - 1) * Digest.LENGTH);
      expected = header.previousHash();
    }
    if (read != size || in.read() != -1) {
      return refused(f, "bytes follow header 1");
    }
    return Optional.of(new ReadBack(hashes, expected));
  }

  private static Optional<ReadBack> refused(Path f, String why) {
    LOG.log(System.Logger.Level.WARNING, "header cache " + f + " refused (" + why + "); the headers are read from the"
        + " nodes again and the file rewritten");
    return Optional.empty();
  }

  private static byte[] prefix(Digest chainId, long height, Digest hash) {
    byte[] p = new byte[PREFIX];
    System.arraycopy(MAGIC, 0, p, 0, MAGIC.length);
    chainId.copyTo(p, MAGIC.length);
    for (int i = 0; i < 8; i++) {
      p[MAGIC.length + Digest.LENGTH + i] = (byte) (height >>> (56 - 8 * i));
    }
    hash.copyTo(p, MAGIC.length + Digest.LENGTH + 8);
    return p;
  }

  /**
   * A writer of the file of the pin at {@code height} with {@code hash}, taking the headers from
   * the pinned one down to block 1 ({@link Writer#add}); the file appears only on
   * {@link Writer#commit}. A writer that cannot create its temporary file writes nothing.
   */
  Writer writer(Digest chainId, long height, Digest hash) {
    return new Writer(chainId, height, hash);
  }

  /**
   * Writes one cache file through a temporary owner-only file beside it, moved into place once
   * complete. Failures are logged and make it write nothing: the cache only saves reads. Not
   * thread-safe.
   */
  final class Writer implements AutoCloseable {
    private final Path target;
    private final long height;
    private Path tmp;
    private DataOutputStream out;
    private long written;
    private long next;

    private Writer(Digest chainId, long height, Digest hash) {
      this.target = fileOf(height, hash);
      this.height = height;
      this.next = height;
      try {
        tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        OutputStream raw = Files.newOutputStream(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
        out.write(prefix(chainId, height, hash));
        written = PREFIX;
      } catch (IOException | UnsupportedOperationException e) {
        abandon("cannot write it: " + e.getMessage());
      }
    }

    /** Adds the header of the next block down (the pinned one first). */
    void add(BlockHeader header) {
      if (out == null) {
        return;
      }
      if (header.height() != next) {
        abandon("header " + header.height() + " came where header " + next + " belongs");
        return;
      }
      byte[] b = header.encode();
      if (written + 2 + b.length > maxBytes) {
        abandon("the headers up to " + height + " take more than the " + maxBytes + " bytes a header cache file may hold");
        return;
      }
      try {
        out.writeShort(b.length);
        out.write(b);
        written += 2 + b.length;
        next--;
      } catch (IOException e) {
        abandon("cannot write it: " + e.getMessage());
      }
    }

    /** Moves the complete file into place (durably); nothing if a header is missing or writing failed. */
    void commit() {
      if (out == null) {
        return;
      }
      if (next != 0) {
        abandon("headers " + next + " down to 1 are missing");
        return;
      }
      try {
        out.flush();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        out.close();
        out = null;
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        tmp = null;
        Fsync.directory(dir);
      } catch (IOException e) {
        abandon("cannot write it: " + e.getMessage());
      }
    }

    private void abandon(String why) {
      LOG.log(System.Logger.Level.WARNING, "header cache " + target + " not written: " + why);
      close();
    }

    /** Deletes the temporary file unless committed. */
    @Override
    public void close() {
      try {
        if (out != null) {
          out.close();
        }
      } catch (IOException e) {
        // the file is deleted below
      }
      out = null;
      try {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot delete " + tmp + ": " + e.getMessage());
      }
      tmp = null;
    }
  }
}
