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
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A {@link SafetyStore} in an append-only journal beside {@code file} ({@code file.journal}): each
 * save appends one checksummed, numbered record and syncs the file's data, so a save creates no
 * file and renames nothing. The last complete record in sequence is the state; a record torn by a
 * power loss is ignored (it was never acknowledged) and cut off before the next append. Once the
 * journal passes {@value #REWRITE_BYTES} bytes, the next save rewrites it as a single record: a
 * temporary file, synced, renamed over the journal, then the directory synced. A state saved at
 * {@code file} itself by earlier versions (the whole file, replaced by rename) is read while the
 * journal holds no record, and deleted once it does.
 *
 * <p>A journal that cannot be read, holds no complete record, has a damaged record before its
 * last (in its state, or in its header while the next record follows it intact), or is larger
 * than any this store writes makes {@link #load} (and so the protocol's start) fail rather than
 * start without it or with an older state. Thread-safe (methods are synchronized); one process per file.
 */
public final class FileSafetyStore implements SafetyStore {
  /** Journal size past which the next save rewrites it as one record. */
  static final int REWRITE_BYTES = 1 << 20;
  private static final int MAGIC = 0x4d4c5331; // "MLS1"
  /** magic, sequence number, payload length; the CRC-32C of these and the payload follows it. */
  private static final int HEADER = 4 + 8 + 4;
  private static final int TRAILER = 4;

  private final Path legacy;
  private final Path journal;
  private final long maxStateBytes;
  /** Whether the journal has been read since this instance was made. */
  private boolean scanned;
  /** The end of the last valid record in the journal, and its sequence number (0: none). */
  private long validEnd;
  private long sequence;
  private byte[] last;

  /**
   * A store at {@code file} for states of an engine with the default {@link ConsensusConfig}; the
   * parent directory must exist.
   */
  public FileSafetyStore(Path file) {
    this(file, ConsensusConfig.defaults());
  }

  /**
   * A store at {@code file} for states of an engine with {@code config}, whose message bound
   * bounds what is read back; the parent directory must exist.
   */
  public FileSafetyStore(Path file, ConsensusConfig config) {
    this.legacy = file.toAbsolutePath();
    this.journal = legacy.resolveSibling(legacy.getFileName() + ".journal");
    this.maxStateBytes = Math.min(LockState.maxEncodedBytes(config.maxMessageBytes()),
        Integer.MAX_VALUE - 64 - HEADER - TRAILER);
  }

  @Override
  public synchronized Optional<byte[]> load() {
    scan();
    if (last != null) {
      return Optional.of(last.clone());
    }
    try {
      return Optional.of(read(legacy, maxStateBytes));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("reading safety state " + legacy + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(byte[] state) {
    if (state.length > maxStateBytes) {
      throw new IllegalArgumentException("a safety state of " + state.length + " bytes is larger than the "
          + maxStateBytes + " this store keeps");
    }
    scan();
    byte[] record = record(sequence + 1, state);
    try {
      if (sequence == 0 || validEnd + record.length > REWRITE_BYTES) {
        rewrite(record);
        validEnd = record.length;
      } else {
        try (FileChannel ch = PrivateFiles.open(journal, StandardOpenOption.WRITE)) {
          if (ch.size() != validEnd) {
            ch.truncate(validEnd); // a torn record from before a crash
          }
          ByteBuffer b = ByteBuffer.wrap(record);
          long at = validEnd;
          while (b.hasRemaining()) {
            at += ch.write(b, at);
          }
          ch.force(false);
        }
        validEnd += record.length;
      }
    } catch (IOException e) {
      scanned = false; // read the journal again before the next save
      throw new UncheckedIOException("writing safety state " + journal, e);
    }
    sequence++;
    last = state.clone();
  }

  /** Replaces the journal by one holding only {@code record}, then drops a state of earlier versions. */
  private void rewrite(byte[] record) throws IOException {
    Path tmp = journal.resolveSibling(journal.getFileName() + ".tmp");
    PrivateFiles.write(tmp, record, true); // written and forced
    Files.move(tmp, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // makes the rename durable: without it a power loss can bring the old journal (an old lock) back
    Fsync.directory(journal.getParent());
    if (Files.deleteIfExists(legacy)) {
      Fsync.directory(legacy.getParent());
    }
  }

  /** Reads the journal once: the last valid record in sequence, and where it ends. */
  private void scan() {
    if (scanned) {
      return;
    }
    byte[] all;
    boolean present = true;
    try {
      all = read(journal, Math.max(REWRITE_BYTES, HEADER + maxStateBytes + TRAILER));
    } catch (NoSuchFileException e) {
      all = new byte[0];
      present = false;
    } catch (IOException e) {
      throw new UncheckedIOException("reading safety state " + journal + ": " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    long end = 0;
    long seq = 0;
    byte[] state = null;
    while (b.remaining() >= HEADER + TRAILER) {
      int start = b.position();
      if (b.getInt() != MAGIC) {
        break;
      }
      long s = b.getLong();
      int length = b.getInt();
      // a rewritten journal starts at the sequence number it had reached
      if ((state == null ? s < 1 : s != seq + 1) || length < 0 || length > b.remaining() - TRAILER) {
        break;
      }
      b.position(start + HEADER + length);
      if (b.getInt() != crc(all, start, HEADER + length)) {
        if (b.hasRemaining()) {
          // a torn append is the journal's last record; a bad one with more after it is damage
          throw new UncheckedIOException(new IOException("safety state journal " + journal
              + " is unreadable: record " + s + " fails its checksum and is not the last"));
        }
        break;
      }
      state = Arrays.copyOfRange(all, start + HEADER, start + HEADER + length);
      seq = s;
      end = b.position();
    }
    if (state != null && end < all.length && nextFollows(all, (int) end, seq)) {
      throw new UncheckedIOException(new IOException("safety state journal " + journal
          + " is unreadable: record " + (seq + 1) + " is damaged and record " + (seq + 2) + " follows it intact"));
    }
    if (state == null && present) {
      // the first record is written whole and synced before the journal exists under its name
      throw new UncheckedIOException(new IOException("safety state journal " + journal
          + " is unreadable: no complete record in " + all.length + " bytes"));
    }
    validEnd = end;
    sequence = seq;
    last = state;
    scanned = true;
  }

  /**
   * Whether the bytes from {@code at}, where the records in sequence stop after record
   * {@code seq}, are record {@code seq + 1} with a damaged header followed by an intact record
   * {@code seq + 2}: a torn append is the journal's last write, so nothing intact follows it.
   */
  private static boolean nextFollows(byte[] all, int at, long seq) {
    ByteBuffer b = ByteBuffer.wrap(all);
    for (int q = at + HEADER + TRAILER; q <= all.length - HEADER - TRAILER; q++) {
      if (b.getInt(q) != MAGIC || b.getLong(q + 4) != seq + 2) {
        continue;
      }
      int length = b.getInt(q + 12);
      if (length < 0 || length > all.length - q - HEADER - TRAILER
          || crc(all, q, HEADER + length) != b.getInt(q + HEADER + length)) {
        continue;
      }
      // the damaged record's checksum holds with the header it must have had
      CRC32C c = new CRC32C();
      c.update(ByteBuffer.allocate(HEADER).putInt(MAGIC).putLong(seq + 1).putInt(q - at - HEADER - TRAILER).flip());
      c.update(all, at + HEADER, q - at - HEADER - TRAILER);
      if ((int) c.getValue() == b.getInt(q - TRAILER)) {
        return true;
      }
    }
    return false;
  }

  private static int crc(byte[] all, int from, int length) {
    CRC32C c = new CRC32C();
    c.update(all, from, length);
    return (int) c.getValue();
  }

  /**
   * The bytes of {@code file}, which may hold at most {@code max}: a larger file is refused
   * before anything is allocated for it.
   */
  private static byte[] read(Path file, long max) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > max) {
        throw new IOException("safety state file " + file + " is " + size + " bytes, larger than the " + max
            + " this store writes");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // to the size found, or to the end of a file that shrank meanwhile
      }
      return b.hasRemaining() ? Arrays.copyOf(b.array(), b.position()) : b.array();
    }
  }

  private static byte[] record(long sequence, byte[] state) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + state.length + TRAILER);
    b.putInt(MAGIC).putLong(sequence).putInt(state.length).put(state);
    b.putInt(crc(b.array(), 0, HEADER + state.length));
    return b.array();
  }
}
