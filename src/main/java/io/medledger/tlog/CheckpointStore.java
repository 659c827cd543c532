package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.storage.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Signed checkpoints of one log on disk, with the signatures and witness cosignatures gathered
 * for each: {@code <dir>/checkpoint} is the latest (served as it is under {@code tlog-tiles}),
 * {@code <dir>/checkpoints/<size>} keeps recent sizes for receipts, for peers and witnesses that
 * are behind. The store is bounded: it keeps the latest {@link #KEEP_LATEST} sizes whatever they
 * carry and, before them, only cosigned checkpoints, at most {@link #MAX_KEPT} sizes in all (the
 * oldest go first); it prunes when it opens and every {@link #PRUNE_EVERY} new sizes. Signatures
 * for the same text are merged; a different text for a size still stored is refused (the log
 * would be showing a split view); a note that adds no signature writes nothing. Files are
 * owner-only, written atomically and durably, at once by {@link #put} or, for notes only
 * {@linkplain #merge merged}, by the next {@link #flush}. The latest note, the verifier keys and the notes of
 * the last {@value #CACHED} sizes read or written are kept in memory, so one instance should own
 * the directory: files changed behind its back are seen only after reopening.
 *
 * <p>Thread-safe: methods are synchronized. Callers verify notes before storing them; the store
 * only checks their form.
 */
public final class CheckpointStore {
  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());
  /** The file name of the latest checkpoint. */
  public static final String LATEST = "checkpoint";
  /** Sizes kept whatever they carry: the latest this many. */
  public static final int KEEP_LATEST = 256;
  /** Most sizes kept in all: the latest {@link #KEEP_LATEST}, then older cosigned ones. */
  public static final int MAX_KEPT = 1024;
  /** New sizes between two prunings. */
  static final int PRUNE_EVERY = 64;
  /** A cosignature/v1 signature: an 8-byte timestamp and an Ed25519 signature (a log's is 64 bytes). */
  private static final int COSIGNATURE_BYTES = 8 + 64;
  /** Sizes whose notes are kept in memory. */
  static final int CACHED = 64;
  private final Path dir;
  // size -> note of the sizes last read or written, oldest first; an absent size is not cached
  private final java.util.LinkedHashMap<Long, SignedNote> recent = new java.util.LinkedHashMap<>(2 * CACHED, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Long, SignedNote> e) {
      return size() > CACHED;
    }
  };
  // size -> merged note not yet written (see merge and flush), in size order
  private final java.util.TreeMap<Long, SignedNote> unwritten = new java.util.TreeMap<>();
  private int newSizes; // sizes first stored by the unwritten notes
  private Optional<SignedNote> latest; // null until first read (the latest written)
  private java.util.List<NoteKey> verifierKeys; // null until first read
  private final int keepLatest;
  private final int maxKept;
  private final int pruneEvery;
  private int added;

  private CheckpointStore(Path dir, int keepLatest, int maxKept, int pruneEvery) {
    this.dir = dir;
    this.keepLatest = keepLatest;
    this.maxKept = maxKept;
    this.pruneEvery = pruneEvery;
  }

  /**
   * Opens (creating if needed) the store in {@code dir}, deleting the temporary files of writes a
   * crash cut short.
   *
   * @throws StoreException if the directory cannot be created
   */
  public static CheckpointStore open(Path dir) {
    return open(dir, KEEP_LATEST, MAX_KEPT, PRUNE_EVERY);
  }

  /** As {@link #open(Path)} with another bound (tests). */
  static CheckpointStore open(Path dir, int keepLatest, int maxKept, int pruneEvery) {
    Objects.requireNonNull(dir, "dir");
    try {
      OwnerFiles.mkdirs(dir.resolve("checkpoints"));
      // the temporary files of OwnerFiles.writeAtomic that a crash left behind, one per size it cut
      // short (.SIZE.DIGITS.tmp; SIZE.tmp from earlier versions)
      io.medledger.internal.PrivateFiles.deleteLeftovers(dir.resolve("checkpoints"), "*.tmp");
      io.medledger.internal.PrivateFiles.deleteTempsOf(dir.resolve(LATEST));
      io.medledger.internal.PrivateFiles.deleteTempsOf(dir.resolve(VKEYS));
      io.medledger.internal.PrivateFiles.deleteLeftovers(dir, "{" + LATEST + "," + VKEYS + "}.tmp");
    } catch (IOException e) {
      throw new StoreException("cannot create checkpoint store " + dir + ": " + e.getMessage(), e);
    }
    CheckpointStore store = new CheckpointStore(dir, keepLatest, maxKept, pruneEvery);
    store.prune();
    return store;
  }

  /** The stored sizes, newest first. */
  synchronized java.util.List<Long> sizes() {
    java.util.List<Long> out = new java.util.ArrayList<>();
    try (java.nio.file.DirectoryStream<Path> ds = java.nio.file.Files.newDirectoryStream(dir.resolve("checkpoints"))) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.matches("[0-9]{1,19}")) {
          out.add(Long.parseLong(n));
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new StoreException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
    }
    out.sort(java.util.Comparator.reverseOrder());
    return out;
  }

  /**
   * Deletes what the bound does not keep (see the class comment); a file past the latest sizes that
   * cannot be read as a note is deleted, with a warning.
   */
  private synchronized void prune() {
    java.util.List<Long> sizes = sizes();
    if (sizes.size() <= keepLatest) {
      return;
    }
    int kept = keepLatest;
    for (long size : sizes.subList(keepLatest, sizes.size())) {
      boolean cosigned;
      try {
        cosigned = at(size).map(n -> n.signatures().stream()
            .anyMatch(x -> x.signature().length == COSIGNATURE_BYTES)).orElse(false);
      } catch (StoreCorruptedException e) {
        // cut short or zero-filled: no cosignature in it can be used, and it is past the sizes always kept
        LOG.log(System.Logger.Level.WARNING, "pruning the damaged checkpoint " + e.segment() + ": " + e.reason());
        cosigned = false;
      }
      if (cosigned && kept < maxKept) {
        kept++;
        continue;
      }
      try {
        recent.remove(size);
        java.nio.file.Files.deleteIfExists(dir.resolve("checkpoints").resolve(Long.toString(size)));
      } catch (IOException e) {
        throw new StoreException("cannot prune checkpoint " + size + " in " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Stores {@code note} (a checkpoint), merging its signature lines into the note already stored
   * for that size; returns the merged note. The latest checkpoint moves forward, never back.
   *
   * @throws IllegalArgumentException if the note's text is not a checkpoint
   * @throws IllegalStateException if another text is stored for the same size
   * @throws StoreException if the files cannot be written
   */
  public synchronized SignedNote put(SignedNote note) {
    SignedNote merged = merge(note);
    flush();
    return merged;
  }

  /**
   * Merges {@code note} as {@link #put} does, in memory only: {@link #latest} and {@link #at} see
   * it at once, and the next {@link #flush} (or {@link #put}) writes it. Several notes for one size
   * merged between two flushes cost one write of that size's file and one of the latest. What was
   * merged but not flushed is lost if the process stops; checkpoints are derived from the log and
   * its signers, so nothing the ledger acknowledged depends on them.
   *
   * @return the merged note
   * @throws IllegalArgumentException if the note's text is not a checkpoint
   * @throws IllegalStateException if another text is stored (or merged) for the same size
   */
  public synchronized SignedNote merge(SignedNote note) {
    Checkpoint c = Checkpoint.parse(note.text());
    SignedNote merged = note;
    Optional<SignedNote> old = at(c.size());
    if (old.isPresent()) {
      if (!old.get().text().equals(note.text())) {
        throw new IllegalStateException("a different checkpoint is already stored for size " + c.size());
      }
      merged = old.get();
      for (NoteSignature s : note.signatures()) {
        merged = merged.with(s);
      }
      if (merged == old.get()) {
        return merged; // every signature is stored already
      }
    }
    unwritten.put(c.size(), merged);
    if (old.isEmpty()) {
      newSizes++;
    }
    return merged;
  }

  /** Whether notes merged since the last flush are waiting to be written. */
  public synchronized boolean hasUnwritten() {
    return !unwritten.isEmpty();
  }

  /**
   * Writes every note merged since the last flush, each size's file once, and the latest
   * checkpoint once; atomically and durably. A failed write keeps the notes for the next flush.
   *
   * @throws StoreException if the files cannot be written
   */
  public synchronized void flush() {
    if (unwritten.isEmpty()) {
      return;
    }
    try {
      SignedNote newest = null;
      long newestSize = -1;
      for (var it = unwritten.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        OwnerFiles.writeAtomic(dir.resolve("checkpoints").resolve(Long.toString(e.getKey())), e.getValue().toBytes());
        recent.put(e.getKey(), e.getValue());
        if (e.getKey() > newestSize) {
          newestSize = e.getKey();
          newest = e.getValue();
        }
        it.remove();
      }
      Optional<SignedNote> latest = latest();
      if (latest.isEmpty() || Checkpoint.parse(latest.get().text()).size() <= newestSize) {
        this.latest = null; // if the write fails, the next read finds what the file holds
        OwnerFiles.writeAtomic(dir.resolve(LATEST), newest.toBytes());
        this.latest = Optional.of(newest);
      }
      int before = added;
      added += newSizes;
      newSizes = 0;
      if (before / pruneEvery != added / pruneEvery) {
        prune();
      }
    } catch (IOException e) {
      throw new StoreException("cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The latest stored checkpoint, if any. */
  public synchronized Optional<SignedNote> latest() {
    if (latest == null) {
      latest = read(dir.resolve(LATEST));
    }
    if (!unwritten.isEmpty()) {
      var newest = unwritten.lastEntry();
      if (latest.isEmpty() || Checkpoint.parse(latest.get().text()).size() <= newest.getKey()) {
        return Optional.of(newest.getValue());
      }
    }
    return latest;
  }

  /** The checkpoint stored for tree size {@code size}, if any. */
  public synchronized Optional<SignedNote> at(long size) {
    if (size < 0) {
      return Optional.empty();
    }
    SignedNote cached = unwritten.get(size);
    if (cached == null) {
      cached = recent.get(size);
    }
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<SignedNote> n = read(dir.resolve("checkpoints").resolve(Long.toString(size)));
    n.ifPresent(x -> recent.put(size, x));
    return n;
  }

  private Optional<SignedNote> read(Path f) {
    try {
      byte[] b = OwnerFiles.read(f, SignedNote.MAX_BYTES);
      return b == null ? Optional.empty() : Optional.of(SignedNote.parse(b));
    } catch (MalformedEncodingException e) {
      throw new StoreCorruptedException(f, 0, e.getMessage());
    } catch (IOException e) {
      throw new StoreException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /** The file, next to the latest checkpoint, listing the log's note keys one vkey per line. */
  public static final String VKEYS = "checkpoint.vkeys";

  /**
   * Records the note keys of the log's signers (and witnesses), one vkey per line.
   *
   * @throws StoreException if the file cannot be written
   */
  public synchronized void putVerifierKeys(java.util.List<NoteKey> keys) {
    StringBuilder b = new StringBuilder();
    keys.forEach(k -> b.append(k.encode()).append('\n'));
    try {
      verifierKeys = null;
      OwnerFiles.writeAtomic(dir.resolve(VKEYS), b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      verifierKeys = java.util.List.copyOf(keys);
    } catch (IOException e) {
      throw new StoreException("cannot write " + VKEYS + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The recorded note keys (empty if none were recorded).
   *
   * @throws StoreCorruptedException if the file is malformed
   */
  public synchronized java.util.List<NoteKey> verifierKeys() {
    if (verifierKeys != null) {
      return verifierKeys;
    }
    Path f = dir.resolve(VKEYS);
    try {
      byte[] b = OwnerFiles.read(f, SignedNote.MAX_BYTES);
      verifierKeys = b == null ? java.util.List.of() : java.util.List.copyOf(parseVerifierKeys(b));
      return verifierKeys;
    } catch (MalformedEncodingException e) {
      throw new StoreCorruptedException(f, 0, e.getMessage());
    } catch (IOException e) {
      throw new StoreException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses a vkeys file: one vkey per newline-terminated line, at most {@link SignedNote#MAX_SIGNATURES}.
   *
   * @throws MalformedEncodingException if a line is not a vkey
   */
  public static java.util.List<NoteKey> parseVerifierKeys(byte[] b) {
    String s = new String(b, java.nio.charset.StandardCharsets.UTF_8);
    if (!s.isEmpty() && !s.endsWith("\n")) {
      throw new MalformedEncodingException("vkeys file must end in a newline");
    }
    java.util.List<NoteKey> out = new java.util.ArrayList<>();
    for (String line : s.isEmpty() ? new String[0] : s.substring(0, s.length() - 1).split("\n", -1)) {
      if (out.size() == SignedNote.MAX_SIGNATURES) {
        throw new MalformedEncodingException("too many vkeys");
      }
      out.add(NoteKey.parse(line));
    }
    return out;
  }

  /** The directory. */
  public Path directory() {
    return dir;
  }
}
