package io.medledger.anchor;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Fsync;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The file {@code finished/heights.idx} of a directory journal: one 44-byte entry per finished
 * anchor (anchored height, 8 bytes big-endian; commitment digest, 32 bytes; CRC32C of those 40
 * bytes, 4 bytes), sorted by height then digest, without duplicates. Entries are appended in order
 * and fsynced; one that would land before the last is merged in by rewriting the file (temporary
 * file in the journal's directory, fsync, atomic rename, directory fsync). Opening reads only the size and the last entry: a
 * tail shorter than an entry is the trace of an append cut short and is cut; every entry read is
 * checked, and a damaged one is reported naming the file. Not thread-safe: its journal locks.
 */
final class AnchorHeightIndex {
  /** Bytes of one entry. */
  static final int ENTRY = 8 + 32 + 4;
  /** Most entries an index may hold (about 16.7 million anchors, 738 MB). */
  static final long MAX_ENTRIES = 1L << 24;

  /** One entry: a finished anchor's height and commitment digest. */
  record Key(long height, Digest id) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(height, o.height);
      return c != 0 ? c : id.compareTo(o.id);
    }

    static Key of(AnchorRecord r) {
      return new Key(r.commitment().height(), r.id());
    }
  }

  private final Path file;
  private long count;
  private Key last;

  private AnchorHeightIndex(Path file) {
    this.file = file;
  }

  /**
   * Opens (creating if missing) the index at {@code file}.
   *
   * @throws MalformedEncodingException if the file is larger than {@link #MAX_ENTRIES} entries or its last entry is damaged
   */
  static AnchorHeightIndex open(Path file) throws IOException {
    AnchorHeightIndex x = new AnchorHeightIndex(file);
    if (!Files.exists(file)) {
      try (FileChannel ch = PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Fsync.directory(file.getParent());
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      if (size > MAX_ENTRIES * ENTRY) {
        throw new MalformedEncodingException("anchor height index " + file + " is " + size
            + " bytes, more than " + MAX_ENTRIES + " entries of " + ENTRY + " bytes");
      }
      if (size % ENTRY != 0) { // an append that a crash cut short: never acknowledged
        ch.truncate(size - size % ENTRY);
        ch.force(true);
      }
      x.count = ch.size() / ENTRY;
      x.last = x.count == 0 ? null : x.read(ch, x.count - 1);
    }
    return x;
  }

  /**
   * Writes a new index at {@code file} holding {@code keys} (any order), replacing any file there.
   */
  static AnchorHeightIndex rebuild(Path file, List<Key> keys) throws IOException {
    Files.deleteIfExists(file);
    AnchorHeightIndex x = open(file);
    x.add(keys);
    return x;
  }

  /** Number of entries. */
  long size() {
    return count;
  }

  /** The file. */
  Path file() {
    return file;
  }

  /** Entry {@code i} (0-based), checked. */
  Key get(long i) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(ch, i);
    }
  }

  /** Entries {@code from} to {@code from + n - 1} (those that exist), checked, in order. */
  List<Key> get(long from, int n) throws IOException {
    List<Key> out = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (long i = Math.max(0, from); i < count && out.size() < n; i++) {
        Key k = read(ch, i);
        if (!out.isEmpty() && out.get(out.size() - 1).compareTo(k) >= 0) {
          throw damaged(i, "out of order");
        }
        out.add(k);
      }
    }
    return out;
  }

  /** The position of the first entry whose height is at least {@code height} ({@link #size()} if none). */
  long firstAtLeast(long height) throws IOException {
    long lo = 0;
    long hi = count;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (lo < hi) {
        long mid = (lo + hi) >>> 1;
        if (read(ch, mid).height() < height) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
    }
    return lo;
  }

  /** Whether {@code k} is an entry. */
  boolean contains(Key k) throws IOException {
    long i = firstAtLeast(k.height());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (; i < count; i++) {
        Key e = read(ch, i);
        if (e.height() != k.height()) {
          return false;
        }
        if (e.id().equals(k.id())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Adds {@code keys} (any order; those already present are skipped) durably before returning.
   */
  void add(List<Key> keys) throws IOException {
    TreeSet<Key> fresh = new TreeSet<>();
    boolean inOrder = true;
    for (Key k : keys) {
      if (last == null || k.compareTo(last) > 0) {
        fresh.add(k);
      } else if (!contains(k)) {
        fresh.add(k);
        inOrder = false;
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    if (count + fresh.size() > MAX_ENTRIES) {
      throw new AnchorException("anchor height index " + file + " is full (" + MAX_ENTRIES + " entries)");
    }
    if (inOrder) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.allocate(fresh.size() * ENTRY);
        for (Key k : fresh) {
          encode(k, b);
        }
        b.flip();
        long pos = count * ENTRY;
        while (b.hasRemaining()) {
          pos += ch.write(b, pos);
        }
        ch.force(true);
      }
    } else {
      merge(fresh);
    }
    count += fresh.size();
    last = last == null || fresh.last().compareTo(last) > 0 ? fresh.last() : last;
  }

  /** Rewrites the index with {@code fresh} merged in, streaming the old entries. */
  private void merge(TreeSet<Key> fresh) throws IOException {
    DirectoryAnchorJournal.replace(file.getParent().getParent(), file, out -> {
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer b = ByteBuffer.allocate(ENTRY * 256);
        java.util.Iterator<Key> it = fresh.iterator();
        Key next = it.hasNext() ? it.next() : null;
        for (long i = 0; i <= count; i++) {
          Key old = i < count ? read(in, i) : null;
          while (next != null && (old == null || next.compareTo(old) < 0)) {
            b = put(out, b, next);
            next = it.hasNext() ? it.next() : null;
          }
          if (old != null) {
            b = put(out, b, old);
          }
        }
        DirectoryAnchorJournal.writeFully(out, b.flip());
      }
    });
  }

  private static ByteBuffer put(FileChannel out, ByteBuffer b, Key k) throws IOException {
    if (!b.hasRemaining()) {
      DirectoryAnchorJournal.writeFully(out, b.flip());
      b.clear();
    }
    encode(k, b);
    return b;
  }

  private static void encode(Key k, ByteBuffer b) {
    byte[] e = new byte[ENTRY - 4];
    ByteBuffer.wrap(e).putLong(k.height());
    k.id().copyTo(e, 8);
    CRC32C crc = new CRC32C();
    crc.update(e);
    b.put(e).putInt((int) crc.getValue());
  }

  private Key read(FileChannel ch, long i) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(ENTRY);
    long pos = i * ENTRY;
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        throw damaged(i, "cut short");
      }
    }
    byte[] e = b.array();
    CRC32C crc = new CRC32C();
    crc.update(e, 0, ENTRY - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(e, ENTRY - 4, 4).getInt()) {
      throw damaged(i, "fails its checksum");
    }
    long height = ByteBuffer.wrap(e).getLong();
    if (height < 0) {
      throw damaged(i, "has a negative height");
    }
    return new Key(height, Digest.of(e, 8));
  }

  private MalformedEncodingException damaged(long i, String what) {
    return new MalformedEncodingException("anchor height index " + file + ": entry " + i + " " + what
        + "; delete the file and reopen the journal to rebuild it from the records in " + file.getParent());
  }
}
