package io.medledger.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The anchor entries of one submitter that a {@link LedgerAnchorView} keeps, in ledger order: one
 * {@value #RECORD}-byte record each (block height, block time, position in the block, covered
 * height, 8, 8, 4 and 8 bytes big-endian; entry id, commitment and transaction, 32 bytes each;
 * CRC32C of those 124 bytes, 4 bytes). Written by this process from the ledger: every record read
 * back is checked, and a damaged one is reported naming the file ({@link MalformedEncodingException});
 * a file that cannot be written or read is a {@link NodeException} (DATA_DIRECTORY) naming it. It
 * keeps the SHA-256 of its records so far, which the view's progress file names, so that a file
 * reopened after a restart is known to be the one saved. Not thread-safe: its view locks.
 */
final class RecordedAnchorFile {
  /** Bytes of one record. */
  static final int RECORD = 8 + 8 + 4 + 8 + 32 * 3 + 4;
  /** Records read at once. */
  private static final int BATCH = 64;

  private final Path file;
  private final Digest submitter;
  private final MessageDigest content = sha256();
  private long count;

  private RecordedAnchorFile(Path file, Digest submitter) {
    this.file = file;
    this.submitter = submitter;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK provides SHA-256", e);
    }
  }

  /**
   * The file at {@code file}, saved with {@code count} records whose SHA-256 is {@code digest}:
   * its records past them (appended after the save) are cut off.
   *
   * @throws MalformedEncodingException if it is shorter or its first {@code count} records differ
   * @throws NodeException (DATA_DIRECTORY) if it cannot be read or cut
   */
  static RecordedAnchorFile reopen(Path file, Digest submitter, long count, Digest digest) {
    RecordedAnchorFile f = new RecordedAnchorFile(file, submitter);
    long bytes = count * RECORD;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
        java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (ch.size() < bytes) {
        throw new MalformedEncodingException("anchor entry file " + file + " holds fewer than the " + count
            + " records its progress file names");
      }
      ByteBuffer b = ByteBuffer.allocate(BATCH * RECORD);
      for (long pos = 0; pos < bytes; ) {
        b.clear().limit((int) Math.min(b.capacity(), bytes - pos));
        int n = ch.read(b, pos);
        if (n < 0) {
          throw new MalformedEncodingException("anchor entry file " + file + " is cut short");
        }
        f.content.update(b.array(), 0, b.position());
        pos += n;
      }
      if (!Digest.of(((MessageDigest) f.content.clone()).digest()).equals(digest)) {
        throw new MalformedEncodingException("anchor entry file " + file + " is not the one its progress file names");
      }
      ch.truncate(bytes);
    } catch (IOException | CloneNotSupportedException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot reopen " + file + ": " + e.getMessage(), e);
    }
    f.count = count;
    return f;
  }

  /** The SHA-256 of its records so far. */
  Digest digest() {
    try {
      return Digest.of(((MessageDigest) content.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digests can be cloned", e);
    }
  }

  /** Whose entries it keeps. */
  Digest submitter() {
    return submitter;
  }

  /** Forces its records to disk. */
  void force() {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot sync " + file + ": " + e.getMessage(), e);
    }
  }

  /** A new, empty file at {@code file} (owner-only) for the entries of {@code submitter}, replacing any there. */
  static RecordedAnchorFile create(Path file, Digest submitter) {
    try {
      Files.deleteIfExists(file);
      try (FileChannel ch = PrivateFiles.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        // created empty
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot create " + file + ": " + e.getMessage(), e);
    }
    return new RecordedAnchorFile(file, submitter);
  }

  /** Number of records. */
  long size() {
    return count;
  }

  /** Appends {@code r}, whose submitter is this file's and which comes after every record, to the file. */
  void append(LedgerAnchorView.Recorded r) {
    ByteBuffer b = ByteBuffer.allocate(RECORD);
    b.putLong(r.blockHeight()).putLong(r.blockMillis()).putInt(r.position()).putLong(r.toHeight());
    byte[] d = new byte[32];
    for (Digest x : new Digest[] {r.id(), r.commitment(), r.txid()}) {
      x.copyTo(d, 0);
      b.put(d);
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, RECORD - 4);
    b.putInt((int) crc.getValue()).flip();
    content.update(b.array());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long pos = count * RECORD;
      while (b.hasRemaining()) {
        pos += ch.write(b, pos);
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot write " + file + ": " + e.getMessage(), e);
    }
    count++;
  }

  /** Records {@code from} to {@code from + n - 1} (those that exist), checked, in order. */
  List<LedgerAnchorView.Recorded> read(long from, int n) {
    List<LedgerAnchorView.Recorded> out = new ArrayList<>(Math.max(0, (int) Math.min(n, count - from)));
    long end = Math.min(count, from + n);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (long i = Math.max(0, from); i < end; i += BATCH) {
        int k = (int) Math.min(BATCH, end - i);
        ByteBuffer b = ByteBuffer.allocate(k * RECORD);
        while (b.hasRemaining()) {
          if (ch.read(b, i * RECORD + b.position()) < 0) {
            throw damaged(i + b.position() / RECORD, "cut short");
          }
        }
        for (int j = 0; j < k; j++) {
          out.add(decode(b.array(), j * RECORD, i + j));
        }
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The position of the first record whose block is above {@code height} ({@link #size()} if none). */
  long firstAbove(long height) {
    long lo = 0;
    long hi = count;
    while (lo < hi) {
      long mid = (lo + hi) >>> 1;
      if (read(mid, 1).get(0).blockHeight() <= height) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private LedgerAnchorView.Recorded decode(byte[] a, int off, long i) {
    CRC32C crc = new CRC32C();
    crc.update(a, off, RECORD - 4);
    ByteBuffer b = ByteBuffer.wrap(a, off, RECORD);
    if ((int) crc.getValue() != b.getInt(off + RECORD - 4)) {
      throw damaged(i, "fails its checksum");
    }
    long blockHeight = b.getLong();
    long blockMillis = b.getLong();
    int position = b.getInt();
    long toHeight = b.getLong();
    if (blockHeight < 0 || position < 0 || toHeight < 0 || toHeight >= blockHeight) {
      throw damaged(i, "is out of range");
    }
    int d = off + 28;
    return new LedgerAnchorView.Recorded(Digest.of(a, d), submitter, Digest.of(a, d + 32), Digest.of(a, d + 64),
        toHeight, blockHeight, blockMillis, position);
  }

  private MalformedEncodingException damaged(long i, String what) {
    return new MalformedEncodingException("anchor entry file " + file + ": record " + i + " " + what
        + "; it is rebuilt from the ledger when the node starts");
  }
}
