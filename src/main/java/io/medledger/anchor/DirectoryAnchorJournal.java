package io.medledger.anchor;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Fsync;
import io.medledger.internal.Json;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link AnchorJournal#inDirectory}: the records of anchors not finished as {@code
 * <commitment>.anchor.json} in the directory, held in memory too; finished ones (FINAL or
 * SUPERSEDED) in {@code finished/<commitment>.anchor.json}, read when asked for, found by height
 * through {@link AnchorHeightIndex} {@code finished/heights.idx}. Thread-safe: synchronized.
 */
final class DirectoryAnchorJournal implements AnchorJournal {
  /** Most bytes of one record file. */
  static final int MAX_RECORD_BYTES = 1 << 20;
  /** Most anchors not finished that the journal holds (in memory). */
  static final int MAX_PENDING = 10_000;
  static final String FINISHED = "finished";
  static final String INDEX = "heights.idx";
  private static final String SUFFIX = ".anchor.json";

  private final Path directory;
  private final Path finished;
  private AnchorHeightIndex index;
  /** The records not finished, by commitment; null until the directory is read. */
  private Map<Digest, AnchorRecord> pending;

  DirectoryAnchorJournal(Path directory) {
    this.directory = directory;
    this.finished = directory.resolve(FINISHED);
    try {
      Fsync.createDirectories(directory);
      PrivateFiles.deleteLeftovers(directory, ".tmp-*"); // the temporary files of replace below, for finished/ too
      Fsync.createDirectories(finished);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean isFinished(AnchorRecord r) {
    return r.status() == AnchorStatus.FINAL || r.status() == AnchorStatus.SUPERSEDED;
  }

  @Override
  public synchronized List<AnchorRecord> load(int newestFinished) {
    if (newestFinished < 0) {
      throw new IllegalArgumentException("newestFinished must not be negative");
    }
    try {
      replay();
      List<AnchorRecord> out = new ArrayList<>(pending.values());
      for (AnchorHeightIndex.Key k : index.get(index.size() - newestFinished, newestFinished)) {
        if (!pending.containsKey(k.id())) {
          out.add(readFinished(k));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized Optional<AnchorRecord> find(Digest commitment) {
    try {
      ready();
      AnchorRecord p = pending.get(commitment);
      if (p != null) {
        return Optional.of(p);
      }
      Path f = finishedFile(commitment);
      return Files.exists(f) ? Optional.of(read(f, commitment)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized List<AnchorRecord> from(long height, int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative");
    }
    try {
      ready();
      List<AnchorRecord> out = new ArrayList<>();
      for (AnchorRecord r : pending.values()) {
        if (r.commitment().height() >= height) {
          out.add(r);
        }
      }
      long i = index.firstAtLeast(height);
      int taken = 0;
      while (taken < max && i < index.size()) {
        List<AnchorHeightIndex.Key> page = index.get(i, Math.min(max, 256));
        for (AnchorHeightIndex.Key k : page) {
          if (taken < max && !pending.containsKey(k.id())) {
            out.add(readFinished(k));
            taken++;
          }
        }
        i += page.size();
      }
      out.sort(BY_HEIGHT);
      return List.copyOf(out.subList(0, Math.min(max, out.size())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final Comparator<AnchorRecord> BY_HEIGHT =
      Comparator.comparingLong((AnchorRecord r) -> r.commitment().height()).thenComparing(AnchorRecord::id);

  @Override
  public synchronized void save(AnchorRecord record) {
    try {
      ready();
      Path top = directory.resolve(record.id().toHex() + SUFFIX);
      if (isFinished(record)) {
        // the finished copy and its index entry first: a crash before the pending file goes leaves both, and replay finishes the move
        write(directory, finishedFile(record.id()), record);
        index.add(List.of(AnchorHeightIndex.Key.of(record)));
        if (Files.deleteIfExists(top)) {
          Fsync.directory(directory);
        }
        pending.remove(record.id());
      } else {
        if (!pending.containsKey(record.id()) && pending.size() >= MAX_PENDING) {
          throw new AnchorException("the anchor journal " + directory + " already holds " + MAX_PENDING
              + " anchors that are not final nor superseded");
        }
        write(directory, top, record);
        pending.put(record.id(), record);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void ready() throws IOException {
    if (pending == null) {
      replay();
    }
  }

  /**
   * Reads the directory: the records not finished into memory; a finished record still at the top
   * (a move a crash cut short, or a journal of the layout before {@code finished/}) moved into
   * {@code finished/} and indexed; the index rebuilt from {@code finished/} if it is missing.
   */
  private void replay() throws IOException {
    Path indexFile = finished.resolve(INDEX);
    if (!Files.exists(indexFile)) {
      index = AnchorHeightIndex.rebuild(indexFile, finishedKeys());
    } else if (index == null) {
      index = AnchorHeightIndex.open(indexFile);
    }
    Map<Digest, AnchorRecord> kept = new LinkedHashMap<>();
    List<AnchorHeightIndex.Key> moved = new ArrayList<>();
    List<Path> done = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path p : ds) {
        AnchorRecord r = read(p, null);
        Path f = finishedFile(r.id());
        if (isFinished(r)) {
          write(directory, f, r);
          moved.add(AnchorHeightIndex.Key.of(r));
          done.add(p);
        } else if (Files.exists(f) && read(f, r.id()).attempts().size() >= r.attempts().size()) {
          // finished, but the pending file was not yet removed (an adopted anchor coming back has one more transaction)
          moved.add(AnchorHeightIndex.Key.of(r));
          done.add(p);
        } else {
          kept.put(r.id(), r);
          if (kept.size() > MAX_PENDING) {
            throw new MalformedEncodingException("anchor journal " + directory + " holds more than " + MAX_PENDING
                + " anchors that are not final nor superseded");
          }
        }
      }
    }
    index.add(moved);
    for (Path p : done) {
      Files.deleteIfExists(p);
    }
    if (!done.isEmpty()) {
      Fsync.directory(directory);
    }
    pending = kept;
  }

  /** The keys of every record in {@code finished/}, each file checked. */
  private List<AnchorHeightIndex.Key> finishedKeys() throws IOException {
    List<AnchorHeightIndex.Key> keys = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(finished, "*" + SUFFIX)) {
      for (Path p : ds) {
        AnchorRecord r = read(p, null);
        keys.add(AnchorHeightIndex.Key.of(r));
      }
    }
    return keys;
  }

  private Path finishedFile(Digest id) {
    return finished.resolve(id.toHex() + SUFFIX);
  }

  private AnchorRecord readFinished(AnchorHeightIndex.Key k) throws IOException {
    AnchorRecord r;
    try {
      r = read(finishedFile(k.id()), k.id());
    } catch (NoSuchFileException e) {
      throw new MalformedEncodingException("anchor journal file " + finishedFile(k.id()) + " is missing, though "
          + index.file() + " lists it; delete the index to rebuild it from the records present");
    }
    if (r.commitment().height() != k.height() || !isFinished(r)) {
      throw new MalformedEncodingException("anchor journal file " + finishedFile(k.id())
          + " does not hold the finished anchor of height " + k.height() + " that " + index.file() + " lists");
    }
    return r;
  }

  /**
   * Reads the record in {@code p}, which must be named after its commitment ({@code id} if not null).
   *
   * @throws MalformedEncodingException naming the file if it is larger than {@link #MAX_RECORD_BYTES}, not a record, or misnamed
   */
  private static AnchorRecord read(Path p, Digest id) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = in.readNBytes(MAX_RECORD_BYTES + 1);
      if (b.length > MAX_RECORD_BYTES) {
        throw new MalformedEncodingException("is larger than " + MAX_RECORD_BYTES + " bytes");
      }
      AnchorRecord r = AnchorRecordJson.read(Json.asObject(Json.parse(new String(b, StandardCharsets.UTF_8)),
          "anchor record"));
      if (!p.getFileName().toString().equals(r.id().toHex() + SUFFIX) || (id != null && !id.equals(r.id()))) {
        throw new MalformedEncodingException("holds the anchor of commitment " + r.id().toHex());
      }
      return r;
    } catch (MalformedEncodingException e) {
      throw new MalformedEncodingException("anchor journal file " + p + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code record} to {@code target} atomically, its temporary file in {@code temporaries}. */
  private static void write(Path temporaries, Path target, AnchorRecord record) throws IOException {
    byte[] json = Json.write(true, g -> AnchorRecordJson.write(g, record)).getBytes(StandardCharsets.UTF_8);
    replace(temporaries, target, ch -> writeFully(ch, ByteBuffer.wrap(json)));
  }

  /** Fills a new file. */
  interface Filler {
    void fill(FileChannel ch) throws IOException;
  }

  /**
   * Replaces {@code target} atomically: a temporary file ({@code .tmp-*}) in {@code temporaries}
   * (the journal's top directory, on the same file system, so that opening clears leftovers
   * without listing {@code finished/}) filled by {@code filler}, fsynced, renamed over it, then
   * the target's directory fsynced.
   */
  static void replace(Path temporaries, Path target, Filler filler) throws IOException {
    Path tmp = Files.createTempFile(temporaries, ".tmp-", ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        filler.fill(ch);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    Fsync.directory(target.getParent());
  }

  /** Writes all of {@code b} at the channel's position. */
  static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
