package io.medledger.storage;

import io.medledger.internal.Fsync;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A durable {@link BlockStore} in a directory of append-only segment files.
 *
 * <p><b>Format.</b> Segment files are named by the index of their first block, as 20 decimal
 * digits plus {@code .seg} ({@code 00000000000000000000.seg}, ...). Each holds consecutive frames:
 * a magic/format byte {@code 0xB1}, the payload length (4 bytes, big-endian), a CRC32C of those 5
 * header bytes, the payload, and a CRC32C of the length field and the payload (13 bytes of
 * overhead per block). A new segment is started when the next frame would take the current one
 * past {@link Options#segmentSize()}; a block larger than that gets a segment of its own.
 * A {@code LOCK} file holds an exclusive OS file lock while the store is open, so a second
 * process (or a second {@code open} in this JVM) is refused.
 *
 * <p><b>Durability.</b> {@link #append} writes the frame and forces the segment to disk
 * ({@code FileChannel.force}) before it returns; creating a segment also forces the directory.
 * If a write or force fails the store stops accepting appends (reads continue): reopen it, and
 * recovery decides what reached the disk.
 *
 * <p><b>Recovery on open.</b> Every frame header of every segment is read and checked (magic,
 * header CRC, length bound), the frames of the last segment are verified completely, and the
 * payload CRCs of earlier segments are verified too if {@link Options#verifyAllOnOpen()} is set
 * (otherwise when a block is read). A <i>torn tail</i> (what a crash during the last, not yet
 * acknowledged append leaves) is cut off the last segment: an incomplete frame header, a frame
 * whose intact header announces more bytes than the file holds, or a run of zero bytes to the end
 * of the file. Anything else is corruption and the store refuses to open with a
 * {@link StoreCorruptedException} naming the segment and the byte offset: a bad magic byte or
 * header CRC anywhere (also in the last frame), a complete final frame whose payload CRC fails
 * (an acknowledged block is never silently dropped), any defect in a segment that is not the last,
 * a gap in the segment numbering, a length beyond {@link Options#maxBlockSize()} (checked
 * before anything is allocated), or a segment or {@code LOCK} that is not a regular file (a named
 * pipe, which opening would wait on, a directory, a device, or a symbolic link, which is not
 * followed out of the store's directory).
 *
 * <p><b>Read-only mode.</b> {@link #openReadOnly} opens an existing store without changing
 * anything on disk: no directory, segment or lock file is created, files are opened for reading
 * only, a torn tail is left in place and only reported ({@link #droppedTailBytes()}), and
 * {@link #append} is refused. It takes a shared lock on the {@code LOCK} file when there is one,
 * so it is refused while a writer holds the store open (a writer's appends would look like a torn
 * tail). Verifiers use it; a read-write open later cuts the tail.
 *
 * <p><b>Permissions.</b> The directory (when created here), the lock file and the segment files
 * are created owner-only (0700 and 0600) on POSIX file systems.
 *
 * <p><b>Memory.</b> The index keeps one {@code long} (segment ordinal and offset) per block in
 * chunks of 65,536: 8 bytes per block plus at most one partly used 512 KiB chunk; nothing per
 * entry inside a block. 10 million blocks take 80 MB; a chain of 10,000 blocks of 1,000 entries
 * (10 million entries) takes 80 KB of index plus the 512 KiB chunk. Each segment keeps an open
 * file channel (256 MiB segments: four per GiB stored).
 *
 * <p>Thread-safe: one writer at a time (appends are serialized) and any number of concurrent
 * readers. Reads are lock-free positional reads of frames made durable and published before
 * {@link #size()} covers them, so a reader never sees a partly written block. Every {@link #read}
 * verifies the frame's checksums and throws {@link StoreCorruptedException} rather than return
 * wrong bytes; a {@link #readRange} checks the frame header and the range's bounds only, and its
 * caller checks the bytes by hash.
 * As with any {@code FileChannel}, interrupting a thread blocked in a read or append closes the
 * channel; the store then fails with {@link StoreException} until it is reopened.
 */
public final class FileBlockStore implements BlockStore {
  private static final Pattern SEGMENT_NAME = Pattern.compile("[0-9]{20}\\.seg");
  private static final String LOCK_FILE = "LOCK";
  private static final int OFFSET_BITS = 40;
  private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;
  private static final int MAX_SEGMENTS = 1 << 23;
  private static final int SCAN_BUFFER = 1 << 20;
  private static final int HEADER_READ = 4096;

  /**
   * Real paths of the stores this JVM holds open. POSIX record locks belong to the process, and
   * closing any channel on the lock file would drop the lock, so a second open in this process is
   * refused here, before it touches the lock file. (The one piece of static mutable state: it
   * mirrors locks the operating system holds for the whole process.)
   */
  private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Tuning of a {@link FileBlockStore}.
   *
   * @param segmentSize the size at which a new segment file is started, in bytes
   *     (from 1 KiB to 1 TiB; default 256 MiB)
   * @param maxBlockSize the largest block accepted by {@link #append} and by recovery, in bytes
   *     (up to 2 GiB - 64; default 64 MiB); a larger length field on disk is corruption
   * @param verifyAllOnOpen also verify the payload checksum of every block of every segment on
   *     open (by default only the last segment's, the others' when read)
   */
  public record Options(long segmentSize, int maxBlockSize, boolean verifyAllOnOpen) {
    /** Default segment size: 256 MiB. */
    public static final long DEFAULT_SEGMENT_SIZE = 256L << 20;
    /** Default maximum block size: 64 MiB. */
    public static final int DEFAULT_MAX_BLOCK_SIZE = 64 << 20;

    /** Validates the values. */
    public Options {
      if (segmentSize < 1024 || segmentSize > (1L << OFFSET_BITS)) {
        throw new IllegalArgumentException("segmentSize must be between 1 KiB and 1 TiB: " + segmentSize);
      }
      if (maxBlockSize < 0 || maxBlockSize > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException("maxBlockSize must be between 0 and 2 GiB - 64: " + maxBlockSize);
      }
    }

    /** The defaults: 256 MiB segments, 64 MiB blocks, last segment verified on open. */
    public static Options defaults() {
      return new Options(DEFAULT_SEGMENT_SIZE, DEFAULT_MAX_BLOCK_SIZE, false);
    }

    /** A copy with another segment size. */
    public Options withSegmentSize(long bytes) {
      return new Options(bytes, maxBlockSize, verifyAllOnOpen);
    }

    /** A copy with another maximum block size. */
    public Options withMaxBlockSize(int bytes) {
      return new Options(segmentSize, bytes, verifyAllOnOpen);
    }

    /** A copy with full verification on open switched on or off. */
    public Options withVerifyAllOnOpen(boolean verify) {
      return new Options(segmentSize, maxBlockSize, verify);
    }
  }

  /** One segment file; {@code end} is the durable length (changes only for the last segment). */
  private static final class Segment {
    final Path path;
    final long baseIndex;
    final FileChannel channel;
    long end;

    Segment(Path path, long baseIndex, FileChannel channel, long end) {
      this.path = path;
      this.baseIndex = baseIndex;
      this.channel = channel;
      this.end = end;
    }
  }

  private final Path directory;
  private final Options options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final boolean readOnly;
  private final long droppedTailBytes;
  private final Object writeLock = new Object();
  private final LongChunks index;
  private volatile Segment[] segments;
  private volatile long size;
  private volatile boolean closed;
  private IOException failure;
  /** Frames of the last segment written by {@link #appendDeferred} and not forced yet; writer lock. */
  private boolean unforced;

  private FileBlockStore(Path directory, Options options, FileChannel lockChannel, FileLock lock, boolean readOnly,
      List<Segment> segs, LongChunks index, long droppedTailBytes) {
    this.directory = directory;
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.readOnly = readOnly;
    this.droppedTailBytes = droppedTailBytes;
    this.segments = segs.toArray(new Segment[0]);
    this.index = index;
    this.size = index.count();
  }

  /**
   * Opens (creating if needed) the store in {@code directory} with {@link Options#defaults()}.
   *
   * @throws StoreCorruptedException if the files are damaged other than by a torn tail
   * @throws StoreException if the store is locked by another process or on I/O failure
   */
  public static FileBlockStore open(Path directory) {
    return open(directory, Options.defaults());
  }

  /**
   * Opens (creating if needed) the store in {@code directory}, recovering a torn tail.
   *
   * @throws StoreCorruptedException if the files are damaged other than by a torn tail
   * @throws StoreException if the store is locked by another process or on I/O failure
   */
  public static FileBlockStore open(Path directory, Options options) {
    return open(directory, options, false);
  }

  /**
   * Opens the existing store in {@code directory} read-only with {@link Options#defaults()}; see
   * {@link #openReadOnly(Path, Options)}.
   *
   * @throws StoreCorruptedException if the files are damaged other than by a torn tail
   * @throws StoreException if there is no such directory, a writer holds the store, or on I/O failure
   */
  public static FileBlockStore openReadOnly(Path directory) {
    return openReadOnly(directory, Options.defaults());
  }

  /**
   * Opens the existing store in {@code directory} without changing anything on disk: a torn tail
   * is reported by {@link #droppedTailBytes()} and left in place, and {@link #append} throws
   * {@link StoreException}. An empty directory is an empty store.
   *
   * @throws StoreCorruptedException if the files are damaged other than by a torn tail
   * @throws StoreException if there is no such directory, a writer holds the store, or on I/O failure
   */
  public static FileBlockStore openReadOnly(Path directory, Options options) {
    return open(directory, options, true);
  }

  private static FileBlockStore open(Path directory, Options options, boolean readOnly) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    Path dir;
    try {
      if (readOnly) {
        if (!Files.isDirectory(directory)) {
          throw new StoreException("no block store directory " + directory);
        }
      } else {
        Fsync.createDirectories(directory);
      }
      dir = directory.toRealPath();
    } catch (IOException e) {
      throw new StoreException("cannot open block store " + directory + ": " + e.getMessage(), e);
    }
    if (!HELD.add(dir)) {
      throw new StoreException("block store " + dir + " is already open in this process");
    }
    FileChannel lockChannel = null;
    FileLock lock = null;
    List<Segment> segs = new ArrayList<>();
    boolean ok = false;
    try {
      Path lockFile = dir.resolve(LOCK_FILE);
      requireRegularIfPresent(lockFile);
      if (!readOnly || Files.exists(lockFile)) {
        lockChannel = readOnly
            ? FileChannel.open(lockFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
            : PrivateFiles.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
          lock = lockChannel.tryLock(0, Long.MAX_VALUE, readOnly);
        } catch (OverlappingFileLockException e) {
          throw new StoreException("block store " + dir + " is already open in this process");
        }
        if (lock == null) {
          throw new StoreException("block store " + dir + " is locked by another process");
        }
      }
      Recovery r = recover(dir, options, segs, readOnly);
      FileBlockStore store = new FileBlockStore(dir, options, lockChannel, lock, readOnly, segs, r.offsets, r.dropped);
      ok = true;
      return store;
    } catch (IOException e) {
      throw new StoreException("cannot open block store " + dir + ": " + e.getMessage(), e);
    } finally {
      if (!ok) {
        for (Segment s : segs) {
          closeQuietly(s.channel);
        }
        if (lock != null) {
          try {
            lock.release();
          } catch (IOException ignored) {
            // the channel close below releases it too
          }
        }
        closeQuietly(lockChannel);
        HELD.remove(dir);
      }
    }
  }

  private record Recovery(LongChunks offsets, long dropped) {}

  /**
   * Refuses anything but a regular file at {@code p}: opening a named pipe would wait for a writer
   * for ever, a directory or device holds no blocks, and a symbolic link would have the store read,
   * cut (a torn tail) and append to a file out of its directory.
   */
  private static void requireRegularIfPresent(Path p) throws IOException {
    java.nio.file.attribute.BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    if (a.isSymbolicLink()) {
      throw new StoreCorruptedException(p, -1, "a symbolic link, which the store does not follow");
    }
    if (!a.isRegularFile()) {
      throw new StoreCorruptedException(p, -1, "not a regular file");
    }
  }

  private static Recovery recover(Path dir, Options options, List<Segment> segs, boolean readOnly) throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.seg")) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (!SEGMENT_NAME.matcher(name).matches()) {
          throw new StoreCorruptedException(p, -1, "unexpected segment file name");
        }
        requireRegularIfPresent(p);
        files.put(Long.parseLong(name.substring(0, 20)), p);
      }
    }
    if (files.size() > MAX_SEGMENTS) {
      throw new StoreCorruptedException(dir, -1, "more than " + MAX_SEGMENTS + " segments");
    }
    LongChunks offsets = new LongChunks();
    long dropped = 0;
    if (files.isEmpty()) {
      if (readOnly) {
        return new Recovery(offsets, 0);
      }
      Path p = dir.resolve(segmentName(0));
      FileChannel ch = PrivateFiles.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
      segs.add(new Segment(p, 0, ch, 0));
      forceDirectory(dir);
      return new Recovery(offsets, 0);
    }
    long expectedBase = 0;
    int ordinal = 0;
    for (var e : files.entrySet()) {
      Path p = e.getValue();
      if (e.getKey() != expectedBase) {
        throw new StoreCorruptedException(p, -1, "segment starts at block " + e.getKey() + " but block "
            + expectedBase + " was expected (a segment is missing or misnamed)");
      }
      boolean last = ordinal == files.size() - 1;
      FileChannel ch = last && !readOnly
          ? FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
          : FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      Segment seg = new Segment(p, expectedBase, ch, 0);
      segs.add(seg);
      long before = offsets.count();
      long end = scan(seg, ordinal, last, options, offsets);
      long fileSize = ch.size();
      if (end < fileSize) {
        // only the last segment's scan stops early, at a torn tail
        if (!readOnly) {
          ch.truncate(end);
          ch.force(true);
        }
        dropped = fileSize - end;
      }
      if (!last && end == 0) {
        throw new StoreCorruptedException(p, 0, "empty segment before the last one");
      }
      seg.end = end;
      expectedBase += offsets.count() - before;
      ordinal++;
    }
    return new Recovery(offsets, dropped);
  }

  /**
   * Reads the frames of one segment, adding their index entries; returns where the valid frames
   * end (the file size unless a torn tail follows, which is possible only in the last segment).
   */
  private static long scan(Segment seg, int ordinal, boolean last, Options options, LongChunks out) throws IOException {
    FileChannel ch = seg.channel;
    long fileSize = ch.size();
    boolean verify = last || options.verifyAllOnOpen();
    // Verifying reads everything, so read ahead a whole buffer; checking headers only skips the
    // payloads, so fetch small pieces (big blocks would otherwise be read for nothing).
    Window w = new Window(ch, fileSize, SCAN_BUFFER, verify ? SCAN_BUFFER : HEADER_READ);
    long p = 0;
    while (p < fileSize) {
      if (p > OFFSET_MASK) {
        throw new StoreCorruptedException(seg.path, p, "segment larger than 1 TiB");
      }
      long remaining = fileSize - p;
      int first = w.byteAt(p);
      if (first == 0 && w.zeroTo(p, fileSize)) {
        if (last) {
          return p;
        }
        throw new StoreCorruptedException(seg.path, p, "zero bytes instead of a frame in a segment that is not the last");
      }
      if ((byte) first != Frames.MAGIC) {
        throw new StoreCorruptedException(seg.path, p, String.format("bad frame magic 0x%02x", first));
      }
      if (remaining < Frames.HEADER) {
        if (last) {
          return p;
        }
        throw new StoreCorruptedException(seg.path, p, "incomplete frame header in a segment that is not the last");
      }
      int at = w.ensure(p, Frames.HEADER);
      byte[] b = w.array;
      if (!Frames.headerCheckOk(b, at)) {
        throw new StoreCorruptedException(seg.path, p, "frame header checksum mismatch");
      }
      int len = Frames.getInt(b, at + 1);
      if (len < 0 || len > options.maxBlockSize()) {
        throw new StoreCorruptedException(seg.path, p, "frame length " + Integer.toUnsignedString(len)
            + " exceeds the maximum block size " + options.maxBlockSize());
      }
      long frameEnd = p + Frames.OVERHEAD + len;
      if (frameEnd > fileSize) {
        if (last) {
          return p;
        }
        throw new StoreCorruptedException(seg.path, p, "frame extends past the end of a segment that is not the last");
      }
      if (verify) {
        CRC32C crc = new CRC32C();
        crc.update(b, at + 1, 4);
        long q = p + Frames.HEADER;
        long payloadEnd = q + len;
        while (q < payloadEnd) {
          int n = (int) Math.min(w.array.length, payloadEnd - q);
          int k = w.ensure(q, n);
          crc.update(w.array, k, n);
          q += n;
        }
        int t = w.ensure(payloadEnd, Frames.TRAILER);
        if ((int) crc.getValue() != Frames.getInt(w.array, t)) {
          throw new StoreCorruptedException(seg.path, p, "block checksum mismatch");
        }
      }
      out.add(((long) ordinal << OFFSET_BITS) | p);
      p = frameEnd;
    }
    return p;
  }

  /** A read-through window over a file for the recovery scan. */
  private static final class Window {
    final FileChannel channel;
    final long fileSize;
    final byte[] array;
    final ByteBuffer buffer;
    final int readAhead;
    long start;
    int length;

    Window(FileChannel channel, long fileSize, int capacity, int readAhead) {
      this.channel = channel;
      this.fileSize = fileSize;
      this.array = new byte[(int) Math.min(capacity, Math.max(fileSize, 16))];
      this.buffer = ByteBuffer.wrap(array);
      this.readAhead = Math.min(readAhead, array.length);
    }

    /** Makes {@code [pos, pos + n)} (inside the file, {@code n <= array.length}) available; returns its offset in {@link #array}. */
    int ensure(long pos, int n) throws IOException {
      if (pos >= start && pos + n <= start + length) {
        return (int) (pos - start);
      }
      buffer.clear();
      start = pos;
      length = 0;
      int want = (int) Math.min(Math.max(n, readAhead), fileSize - pos);
      while (length < want) {
        buffer.limit(want);
        int r = channel.read(buffer, pos + length);
        if (r < 0) {
          throw new IOException("file shrank while being read");
        }
        length += r;
      }
      return 0;
    }

    int byteAt(long pos) throws IOException {
      return array[ensure(pos, 1)] & 0xff;
    }

    boolean zeroTo(long from, long to) throws IOException {
      long q = from;
      while (q < to) {
        int n = (int) Math.min(array.length, to - q);
        int k = ensure(q, n);
        for (int i = 0; i < n; i++) {
          if (array[k + i] != 0) {
            return false;
          }
        }
        q += n;
      }
      return true;
    }
  }

  @Override
  public long append(byte[] encodedBlock) {
    return append(encodedBlock, true);
  }

  /**
   * Writes the frame without forcing it: the block is readable at once and durable after
   * {@link #sync()}. A process crash loses nothing written; a power loss may cut the deferred
   * tail, which recovery treats as a torn tail where the filesystem keeps appends in order.
   */
  @Override
  public long appendDeferred(byte[] encodedBlock) {
    return append(encodedBlock, false);
  }

  @Override
  public void sync() {
    synchronized (writeLock) {
      ensureOpen();
      if (!unforced) {
        return;
      }
      if (failure != null) {
        throw new StoreException("block store " + directory + " failed an earlier write; reopen it", failure);
      }
      try {
        segments[segments.length - 1].channel.force(false);
        unforced = false;
      } catch (IOException e) {
        failure = e;
        throw new StoreException("sync of block store " + directory + " failed: " + e.getMessage(), e);
      }
    }
  }

  private long append(byte[] encodedBlock, boolean force) {
    Objects.requireNonNull(encodedBlock, "encodedBlock");
    int len = encodedBlock.length;
    if (len > options.maxBlockSize()) {
      throw new IllegalArgumentException("block of " + len + " bytes exceeds the maximum block size " + options.maxBlockSize());
    }
    byte[] header = new byte[Frames.HEADER];
    Frames.header(len, header);
    byte[] trailer = new byte[Frames.TRAILER];
    Frames.putInt(trailer, 0, Frames.trailer(encodedBlock, 0, len));
    synchronized (writeLock) {
      ensureOpen();
      if (readOnly) {
        throw new StoreException("block store " + directory + " is open read-only");
      }
      if (failure != null) {
        throw new StoreException("block store " + directory + " failed an earlier write and accepts no appends; reopen it", failure);
      }
      Segment[] segs = segments;
      Segment seg = segs[segs.length - 1];
      long frameLen = Frames.OVERHEAD + (long) len;
      try {
        if (seg.end > 0 && seg.end + frameLen > options.segmentSize()) {
          if (unforced) {
            // deferred frames of the full segment become durable before the next one starts
            seg.channel.force(false);
            unforced = false;
          }
          seg = roll(segs);
        }
        long pos = seg.end;
        ByteBuffer[] bufs = {ByteBuffer.wrap(header), ByteBuffer.wrap(encodedBlock), ByteBuffer.wrap(trailer)};
        FileChannel ch = seg.channel;
        ch.position(pos);
        long written = 0;
        while (written < frameLen) {
          written += ch.write(bufs);
        }
        if (force) {
          ch.force(false);
          unforced = false;
        } else {
          unforced = true;
        }
        seg.end = pos + frameLen;
        long n = size;
        index.add(((long) (segments.length - 1) << OFFSET_BITS) | pos);
        size = n + 1;
        return n;
      } catch (IOException e) {
        // also ClosedByInterruptException: an interrupted write closes the channel
        failure = e;
        throw new StoreException("append to block store " + directory + " failed: " + e.getMessage(), e);
      }
    }
  }

  /** Starts a new segment (writer lock held); forces the directory so the file survives a crash. */
  private Segment roll(Segment[] segs) throws IOException {
    if (segs.length >= MAX_SEGMENTS) {
      throw new StoreException("block store " + directory + " has reached " + MAX_SEGMENTS + " segments");
    }
    long base = size;
    Path p = directory.resolve(segmentName(base));
    FileChannel ch = PrivateFiles.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    forceDirectory(directory);
    Segment s = new Segment(p, base, ch, 0);
    Segment[] next = Arrays.copyOf(segs, segs.length + 1);
    next[segs.length] = s;
    segments = next;
    return s;
  }

  @Override
  public byte[] read(long blockIndex) {
    Segment seg = null;
    long pos = -1;
    try {
      long entry = locate(blockIndex);
      seg = segments[(int) (entry >>> OFFSET_BITS)];
      pos = entry & OFFSET_MASK;
      int len = frameLength(seg, pos, blockIndex);
      byte[] out = new byte[len];
      readFully(seg.channel, ByteBuffer.wrap(out), pos + Frames.HEADER);
      byte[] trailer = new byte[Frames.TRAILER];
      readFully(seg.channel, ByteBuffer.wrap(trailer), pos + Frames.HEADER + len);
      if (Frames.trailer(out, 0, len) != Frames.getInt(trailer, 0)) {
        throw new StoreCorruptedException(seg.path, pos, "block checksum mismatch on read of block " + blockIndex);
      }
      return out;
    } catch (ClosedChannelException e) {
      throw new StoreException("block store " + directory + " is closed", e);
    } catch (IOException e) {
      throw new StoreException("read of block " + blockIndex + " from " + seg.path + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a range of a block: checks the frame header (magic, checksum, length bound) and that
   * the range lies inside the payload, then reads only the range. The block's payload checksum is
   * not checked (that needs the whole block); see {@link BlockStore#readRange}.
   */
  @Override
  public byte[] readRange(long blockIndex, int offset, int length) {
    Segment seg = null;
    try {
      long entry = locate(blockIndex);
      seg = segments[(int) (entry >>> OFFSET_BITS)];
      long pos = entry & OFFSET_MASK;
      int len = frameLength(seg, pos, blockIndex);
      java.util.Objects.checkFromIndexSize(offset, length, len);
      byte[] out = new byte[length];
      readFully(seg.channel, ByteBuffer.wrap(out), pos + Frames.HEADER + offset);
      return out;
    } catch (ClosedChannelException e) {
      throw new StoreException("block store " + directory + " is closed", e);
    } catch (IOException e) {
      throw new StoreException("read of block " + blockIndex + " from " + seg.path + " failed: " + e.getMessage(), e);
    }
  }

  /** The index entry (segment ordinal and offset) of a published block. */
  private long locate(long blockIndex) {
    ensureOpen();
    long n = size;
    if (blockIndex < 0 || blockIndex >= n) {
      throw new IndexOutOfBoundsException("block index " + blockIndex + " outside 0.." + (n - 1));
    }
    return index.get(blockIndex);
  }

  /** Reads and checks the frame header at {@code pos}; returns the payload length. */
  private int frameLength(Segment seg, long pos, long blockIndex) throws IOException {
    byte[] header = new byte[Frames.HEADER];
    readFully(seg.channel, ByteBuffer.wrap(header), pos);
    if (!Frames.headerCheckOk(header, 0)) {
      throw new StoreCorruptedException(seg.path, pos, "frame header checksum mismatch on read of block " + blockIndex);
    }
    int len = Frames.getInt(header, 1);
    if (len < 0 || len > options.maxBlockSize()) {
      throw new StoreCorruptedException(seg.path, pos, "frame length " + Integer.toUnsignedString(len)
          + " exceeds the maximum block size on read of block " + blockIndex);
    }
    return len;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    long p = pos;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, p);
      if (r < 0) {
        throw new IOException("unexpected end of file at offset " + p);
      }
      p += r;
    }
  }

  @Override
  public long size() {
    return size;
  }

  /** The store's directory (its real path). */
  public Path directory() {
    return directory;
  }

  /** The options the store was opened with. */
  public Options options() {
    return options;
  }

  /** The number of segment files. */
  public int segmentCount() {
    return segments.length;
  }

  /**
   * The number of bytes of torn tail found after the last whole frame when opening (0 if none):
   * cut off the last segment by a read-write open, left in place by a read-only one.
   */
  public long droppedTailBytes() {
    return droppedTailBytes;
  }

  /** Whether the store was opened with {@link #openReadOnly}. */
  public boolean isReadOnly() {
    return readOnly;
  }

  /** Closes the segment files and releases the lock. Idempotent. */
  @Override
  public void close() {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
      for (Segment s : segments) {
        closeQuietly(s.channel);
      }
      if (lock != null) {
        try {
          lock.release();
        } catch (IOException ignored) {
          // closing the channel releases the lock as well
        }
      }
      closeQuietly(lockChannel);
      HELD.remove(directory);
    }
  }

  @Override
  public String toString() {
    return "FileBlockStore[" + directory + ", " + size + " blocks, " + segments.length + " segments]";
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("block store " + directory + " is closed");
    }
  }

  static String segmentName(long baseIndex) {
    return String.format("%020d.seg", baseIndex);
  }

  private static void forceDirectory(Path dir) throws IOException {
    Fsync.directory(dir);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing useful to do while closing
      }
    }
  }
}
