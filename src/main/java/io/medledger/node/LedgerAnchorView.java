package io.medledger.node;

import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Anchor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Fsync;
import io.medledger.internal.PrivateFiles;
import io.medledger.internal.node.OwnerOnly;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32C;

/**
 * What a node's ledger says about anchoring: the anchor entries it keeps (only those naming this
 * ledger's commitment at the height they cover, at most {@link #PER_SUBMITTER} transactions of each
 * submitter per commitment) with the block that holds each, the anchoring turns they pass, and the
 * last block holding anything else (blocks of anchor entries alone do not make a new anchor due).
 * Built from each block once, as the ledger grows: from the committed blocks the node hands it, or
 * by reading those it missed.
 *
 * <p>The kept entries are on disk, one {@link RecordedAnchorFile} per submitter in a directory of
 * this view's own, found by block height with a binary search: in memory the view holds a few
 * numbers per submitter, whatever the number of anchors. How far it got is saved there too ({@link
 * #save}, a {@value #PROGRESS} file written aside, forced and renamed into place, after the entry
 * files are forced), every {@link #SAVE_EVERY} blocks and when the node closes: a new view goes on
 * from there, reading only the blocks after it. A progress file that is cut short, fails its
 * checksum, is out of range, names a block the ledger does not hold at its height, or names entry
 * files whose records differ from those saved (their SHA-256) is not used, nor one that is not a
 * regular file (a symbolic link is not followed, a named pipe not opened): the new view empties the
 * directory and reads the whole ledger on its first {@link #refresh}. A lookup reads
 * at most {@link #COVERING_SCAN} records of each submitter, the proof window at most {@link
 * #PROOF_WINDOW}. Thread-safe: synchronized, except {@link #observe}, which only enqueues.
 */
final class LedgerAnchorView {
  /**
   * An anchor entry kept, and the block that recorded it.
   *
   * @param id the entry's id
   * @param submitter the digest of the submitter's participant id
   * @param commitment the commitment it names (the ledger's at {@code toHeight})
   * @param txid the Bitcoin transaction it names
   * @param toHeight the last height it covers
   * @param blockHeight the height of the block holding it
   * @param blockMillis that block's time
   * @param position its index among that block's entries
   */
  record Recorded(Digest id, Digest submitter, Digest commitment, Digest txid, long toHeight, long blockHeight,
      long blockMillis, int position) {
    /** Ledger order. */
    static final java.util.Comparator<Recorded> LEDGER_ORDER =
        java.util.Comparator.comparingLong(Recorded::blockHeight).thenComparingInt(Recorded::position);
  }

  /** Blocks observed but not yet taken, at most (about 80 bytes each without anchors). */
  private static final int OBSERVED = 4096;
  /**
   * Most transactions kept per commitment and submitter: a server whose first entry for a
   * commitment named a transaction that does not exist can still record the genuine one, and no
   * server can make a node keep more than this many entries per anchored height.
   */
  static final int PER_SUBMITTER = 3;
  /**
   * Most records of one submitter read for a {@link #covering} lookup, from the first in a block
   * above the height asked: entries of that submitter covering only lower heights fill it, so a
   * server recording many such entries hides only its own later ones.
   */
  static final int COVERING_SCAN = 1024;
  /** Most of each submitter's newest entries {@link #newestAbove} reads. */
  static final int PROOF_WINDOW = 64;
  /** Most of the last kept entries {@link #recentlyRecords} remembers. */
  static final int RECENT = 1024;
  /** Blocks taken between two saves of the progress by {@link #refresh}. */
  static final int SAVE_EVERY = 256;
  /** The name of the progress file. */
  static final String PROGRESS = "progress";
  private static final System.Logger LOG = System.getLogger(LedgerAnchorView.class.getName());
  /** The first bytes of a progress file: "MLAV" and version 1. */
  private static final int MAGIC = 0x4D4C4156;
  private static final byte VERSION = 1;
  /** Most entry files a progress file may name (a federation of that many servers that recorded anchors). */
  private static final int MAX_FILES = 4096;
  /** Bytes of a progress file before its files, and of each file named. */
  private static final int HEAD = 4 + 1 + 8 + 32 + 8 + 8 + 8 + 1 + 32 + 4;
  private static final int PER_FILE = 32 + 8 + 32;

  private final Ledger ledger;
  private final Path directory;
  /** The file of each submitter with a kept entry (one per federation server that recorded one). */
  private final Map<Digest, RecordedAnchorFile> files = new LinkedHashMap<>();
  /** Anchoring turns passed so far, the submitter of the entry that passed the last one, and its block's time. */
  private long turns;
  private Digest turnSubmitter;
  private long turnMillis = -1;
  private long scanned = -1;
  private long lastSubstantive = -1;
  /** The height the progress file on disk names (-1 if none). */
  private long saved = -1;
  /** Blocks read from the ledger (not handed over by {@link #observe}) since the view was made. */
  private long blocksRead;
  /** The commitment and transaction of the {@link #RECENT} last kept entries. */
  private final Map<List<Digest>, Boolean> recent = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<List<Digest>, Boolean> e) {
      return size() > RECENT;
    }
  };

  /**
   * A view of {@code ledger} keeping its entries in {@code directory} (created owner-only if
   * missing): it goes on from the progress saved there if that is sound, and otherwise replaces
   * the files there as the ledger is read again.
   *
   * @throws NodeException (DATA_DIRECTORY) if the directory cannot be made or emptied
   */
  LedgerAnchorView(Ledger ledger, Path directory) {
    this.ledger = ledger;
    this.directory = directory;
    try {
      OwnerOnly.createDirectories(directory);
      PrivateFiles.deleteTempsOf(directory.resolve(PROGRESS)); // a save a crash cut short
      if (!resume()) {
        Files.deleteIfExists(directory.resolve(PROGRESS));
        deleteEntryFiles(Set.of());
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot prepare " + directory + ": " + e.getMessage(), e);
    }
  }

  private void deleteEntryFiles(Set<Path> keep) throws IOException {
    try (var ds = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path f : ds) {
        if (!keep.contains(f)) {
          Files.delete(f);
        }
      }
    }
  }

  /** Takes the saved progress if it is sound; false (nothing taken) if there is none or it is not. */
  private boolean resume() throws IOException {
    Path p = directory.resolve(PROGRESS);
    byte[] bytes;
    int max = HEAD + MAX_FILES * PER_FILE + 4;
    try {
      java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p,
          java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile()) { // a link is not followed, a named pipe not waited on
        LOG.log(Level.WARNING, () -> p + " is " + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
            + "; the anchor entries are rebuilt from the whole ledger");
        return false;
      }
      try (java.io.InputStream in = Files.newInputStream(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        bytes = in.readNBytes(max + 1);
      }
      if (bytes.length > max) {
        LOG.log(Level.WARNING, () -> p + " is oversized; the anchor entries are rebuilt from the whole ledger");
        return false;
      }
    } catch (NoSuchFileException e) {
      return false;
    }
    try {
      restore(ByteBuffer.wrap(bytes));
      return true;
    } catch (MalformedEncodingException | NodeException | java.nio.BufferUnderflowException
        | IndexOutOfBoundsException | IllegalArgumentException e) {
      LOG.log(Level.WARNING, () -> p + " is not sound (" + e.getMessage()
          + "); the anchor entries are rebuilt from the whole ledger");
      files.clear();
      recent.clear();
      scanned = -1;
      lastSubstantive = -1;
      turns = 0;
      turnSubmitter = null;
      turnMillis = -1;
      return false;
    }
  }

  private void restore(ByteBuffer b) throws IOException {
    int n = b.capacity();
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, Math.max(0, n - 4));
    if (n < HEAD + 4 || (int) crc.getValue() != b.getInt(n - 4)) {
      throw new MalformedEncodingException("cut short or fails its checksum");
    }
    if (b.getInt() != MAGIC || b.get() != VERSION) {
      throw new MalformedEncodingException("not a progress file of this version");
    }
    long height = b.getLong();
    Digest hash = Digest.of(b.array(), b.position());
    b.position(b.position() + 32);
    long t = b.getLong();
    long tMillis = b.getLong();
    long substantive = b.getLong();
    byte hasTurn = b.get();
    Digest tSubmitter = Digest.of(b.array(), b.position());
    b.position(b.position() + 32);
    int count = b.getInt();
    if (count < 0 || count > MAX_FILES || n != HEAD + count * PER_FILE + 4) {
      throw new MalformedEncodingException("names " + count + " files in " + n + " bytes");
    }
    if (height < 0 || height > ledger.height() || !ledger.header(height).hash().equals(hash)) {
      throw new MalformedEncodingException("names block " + height + ", which this ledger does not hold there");
    }
    if (substantive < -1 || substantive > height || t < 0 || hasTurn != (t > 0 ? 1 : 0)
        || (t > 0 ? tMillis < 0 : tMillis != -1) || tMillis > ledger.header(height).timestamp()) {
      throw new MalformedEncodingException("its turns or heights are out of range");
    }
    Set<Path> keep = new HashSet<>();
    long entries = 0;
    for (int i = 0; i < count; i++) {
      Digest submitter = Digest.of(b.array(), b.position());
      b.position(b.position() + 32);
      long records = b.getLong();
      Digest digest = Digest.of(b.array(), b.position());
      b.position(b.position() + 32);
      Path f = directory.resolve(submitter.toHex() + SUFFIX);
      if (records < 1 || records > Long.MAX_VALUE / RecordedAnchorFile.RECORD || !keep.add(f)) {
        throw new MalformedEncodingException("names file " + f + " twice or with " + records + " records");
      }
      if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new MalformedEncodingException("names " + f + ", which is missing");
      }
      RecordedAnchorFile file = RecordedAnchorFile.reopen(f, submitter, records, digest);
      if (file.read(records - 1, 1).get(0).blockHeight() > height) {
        throw new MalformedEncodingException(f + " holds entries past block " + height);
      }
      files.put(submitter, file);
      entries += records;
    }
    if (t > entries || (t > 0 && !files.containsKey(tSubmitter))) {
      throw new MalformedEncodingException("its turns do not match its files");
    }
    List<Recorded> last = new ArrayList<>();
    for (RecordedAnchorFile f : files.values()) {
      last.addAll(f.read(f.size() - Math.min(f.size(), RECENT), RECENT));
    }
    last.sort(Recorded.LEDGER_ORDER);
    for (Recorded r : last.subList(Math.max(0, last.size() - RECENT), last.size())) {
      recent.put(List.of(r.commitment(), r.txid()), Boolean.TRUE);
    }
    deleteEntryFiles(keep);
    scanned = height;
    saved = height;
    lastSubstantive = substantive;
    turns = t;
    turnSubmitter = t > 0 ? tSubmitter : null;
    turnMillis = tMillis;
  }

  /**
   * Saves how far the view got, if it got further since the last save: forces the entry files,
   * then writes the progress file aside, forces it and renames it into place (a crash leaves the
   * old progress or the new one). A failure is logged: the view goes on, and a restart reads more
   * blocks again.
   */
  synchronized void save() {
    if (scanned < 0 || scanned == saved) {
      return;
    }
    try {
      ByteBuffer b = ByteBuffer.allocate(HEAD + files.size() * PER_FILE + 4);
      b.putInt(MAGIC).put(VERSION).putLong(scanned);
      byte[] d = new byte[32];
      ledger.header(scanned).hash().copyTo(d, 0);
      b.put(d).putLong(turns).putLong(turnMillis).putLong(lastSubstantive).put((byte) (turnSubmitter == null ? 0 : 1));
      b.put(turnSubmitter == null ? new byte[32] : turnSubmitter.toByteArray()).putInt(files.size());
      for (RecordedAnchorFile f : files.values()) {
        f.force();
        b.put(f.submitter().toByteArray()).putLong(f.size()).put(f.digest().toByteArray());
      }
      CRC32C crc = new CRC32C();
      crc.update(b.array(), 0, b.position());
      b.putInt((int) crc.getValue());
      Fsync.directory(directory); // the entry files created since the last save
      PrivateFiles.replace(directory.resolve(PROGRESS), b.array());
      saved = scanned;
    } catch (IOException | NodeException e) {
      LOG.log(Level.WARNING, () -> "cannot save the progress of " + directory + " (a restart reads more blocks): "
          + e.getMessage());
    }
  }

  /** Blocks read from the ledger since the view was made (those not handed over by {@link #observe}). */
  synchronized long blocksRead() {
    return blocksRead;
  }

  /** The suffix of the files. */
  static final String SUFFIX = ".idx";

  /** What a committed block holds for this view. */
  private record Seen(long height, long millis, List<Anchor> anchors, List<Integer> positions, boolean substantive) {
    static Seen of(io.medledger.chain.CertifiedBlock b) {
      List<Anchor> as = new ArrayList<>(0);
      List<Integer> at = new ArrayList<>(0);
      boolean substantive = false;
      List<Entry> es = b.block().entries();
      for (int i = 0; i < es.size(); i++) {
        if (es.get(i) instanceof Anchor a) {
          as.add(a);
          at.add(i);
        } else {
          substantive = true;
        }
      }
      return new Seen(b.header().height(), b.header().timestamp(), as, at, substantive);
    }
  }

  /** Committed blocks handed over by {@link #observe}, oldest first; bounded, extra ones dropped. */
  private final ArrayBlockingQueue<Seen> observed = new ArrayBlockingQueue<>(OBSERVED);

  /**
   * Takes the blocks appended since the last call: those {@link #observe}d meanwhile as they were
   * handed over, the others read from the ledger.
   */
  synchronized void refresh() {
    for (Seen s; (s = observed.poll()) != null; ) {
      if (s.height() <= scanned) {
        continue;
      }
      for (long h = scanned + 1; h < s.height(); h++) {
        read(h);
      }
      take(s);
    }
    long tip = ledger.height();
    for (long h = scanned + 1; h <= tip; h++) {
      read(h);
    }
    if (scanned - saved >= SAVE_EVERY) {
      save();
    }
  }

  private void read(long height) {
    blocksRead++;
    take(Seen.of(ledger.block(height)));
  }

  /**
   * Hands over {@code block}, just committed and already decoded, so that {@link #refresh} need not
   * read and decode it again. Never waits: the committing thread must not stall behind a refresh.
   */
  void observe(io.medledger.chain.CertifiedBlock block) {
    observed.offer(Seen.of(block));
  }

  /**
   * Keeps an anchor entry only if it names this ledger's commitment at the height it covers with a
   * transaction its submitter did not name for it before, and the submitter named fewer than {@link
   * #PER_SUBMITTER} transactions for that commitment: any active federation server may fill blocks
   * with anchor entries. Entries of other submitters for the same commitment are kept too: the
   * ledger cannot check a transaction against Bitcoin, so a server may name one that does not
   * exist, and the genuine anchor recorded after it (by another server or the same one) must still
   * count.
   *
   * <p>A kept entry passes the anchoring turn unless the entry that passed the last turn has the
   * same submitter: a server can pass the turn on once per turn another server passed, so it cannot
   * steer the turn to itself and hold it by recording entries.
   */
  private void take(Seen s) {
    for (int i = 0; i < s.anchors().size(); i++) {
      Anchor a = s.anchors().get(i);
      Digest submitter = a.submitter().digest();
      if (!LedgerAnchors.commitment(ledger.header(a.toHeight())).digest().equals(a.commitment())) {
        continue;
      }
      RecordedAnchorFile file = files.get(submitter);
      List<Recorded> same = file == null ? List.of() : naming(file, a.toHeight());
      if (same.size() >= PER_SUBMITTER || same.stream().anyMatch(r -> r.txid().equals(a.txid()))) {
        continue;
      }
      if (file == null) {
        file = RecordedAnchorFile.create(directory.resolve(submitter.toHex() + SUFFIX), submitter);
        files.put(submitter, file);
      }
      file.append(new Recorded(a.id(), submitter, a.commitment(), a.txid(), a.toHeight(), s.height(), s.millis(),
          s.positions().get(i)));
      recent.put(List.of(a.commitment(), a.txid()), Boolean.TRUE);
      if (!submitter.equals(turnSubmitter)) {
        turns++;
        turnSubmitter = submitter;
        turnMillis = s.millis();
      }
    }
    if (s.substantive()) {
      lastSubstantive = s.height();
    }
    scanned = s.height();
  }

  /** The entries of {@code file} covering up to exactly {@code toHeight} (all in blocks above it), in ledger order. */
  private static List<Recorded> naming(RecordedAnchorFile file, long toHeight) {
    List<Recorded> out = new ArrayList<>();
    for (long i = file.firstAbove(toHeight); i < file.size(); i += PROOF_WINDOW) {
      for (Recorded r : file.read(i, PROOF_WINDOW)) {
        if (r.toHeight() == toHeight) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** Every kept entry, in ledger order (tests: reads every file). */
  synchronized List<Recorded> anchors() {
    List<Recorded> out = new ArrayList<>();
    for (RecordedAnchorFile f : files.values()) {
      out.addAll(f.read(0, (int) Math.min(Integer.MAX_VALUE, f.size())));
    }
    out.sort(Recorded.LEDGER_ORDER);
    return out;
  }

  /** How many submitters this view holds a file for. */
  synchronized int submitters() {
    return files.size();
  }

  /**
   * Whether the ledger records an anchor entry (one this view keeps) naming {@code commitment}, the
   * ledger's commitment at {@code height}, and transaction {@code txid}.
   */
  synchronized boolean records(long height, Digest commitment, Digest txid) {
    if (height < 0 || height > ledger.height()) {
      return false;
    }
    for (RecordedAnchorFile f : files.values()) {
      for (Recorded r : naming(f, height)) {
        if (r.txid().equals(txid) && r.commitment().equals(commitment)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether one of the {@link #RECENT} last kept entries names {@code commitment} and {@code txid}
   * (an older one is found by {@link #records(long, Digest, Digest)}, which needs the height).
   */
  synchronized boolean recentlyRecords(Digest commitment, Digest txid) {
    return recent.containsKey(List.of(commitment, txid));
  }

  /**
   * Of the {@link #PROOF_WINDOW} newest kept entries of each submitter, those that cover heights
   * above {@code height}, newest first.
   */
  synchronized List<Recorded> newestAbove(long height) {
    List<Recorded> out = new ArrayList<>();
    for (RecordedAnchorFile f : files.values()) {
      for (Recorded r : f.read(f.size() - Math.min(f.size(), PROOF_WINDOW), PROOF_WINDOW)) {
        if (r.toHeight() > height) {
          out.add(r);
        }
      }
    }
    out.sort(Recorded.LEDGER_ORDER.reversed());
    return out;
  }

  /**
   * The anchoring turns the recorded anchor entries passed ({@link io.medledger.anchor.AnchorTurn}):
   * one per kept entry, except an entry whose submitter also recorded the entry that passed the
   * turn before it.
   */
  synchronized long turns() {
    return turns;
  }

  /** When the block holding the entry that passed the last turn was made, or the genesis block if none. */
  synchronized long sinceMillis() {
    return turnMillis < 0 ? ledger.header(0).timestamp() : turnMillis;
  }

  /** The last height whose block holds an entry other than an anchor. */
  synchronized long lastSubstantiveHeight() {
    return lastSubstantive;
  }

  /**
   * At most {@code max} kept anchor entries covering {@code height} whose commitment is this
   * ledger's commitment at the anchored height (checked again against the ledger: the files are on
   * disk), in {@link #inTurns turns} of their submitters: the entries of a server that recorded
   * many made-up anchors before the genuine ones cannot fill the list. Each submitter's first {@code
   * max} in ledger order are taken from the first {@link #COVERING_SCAN} of its entries in blocks
   * above {@code height}.
   */
  synchronized List<Recorded> covering(long height, int max) {
    List<Recorded> found = new ArrayList<>();
    long tip = ledger.height();
    for (RecordedAnchorFile f : files.values()) {
      int taken = 0;
      for (Recorded r : f.read(f.firstAbove(height), COVERING_SCAN)) {
        long to = r.toHeight();
        if (taken < max && to >= height && to <= tip
            && LedgerAnchors.commitment(ledger.header(to)).digest().equals(r.commitment())) {
          found.add(r);
          taken++;
        }
      }
    }
    found.sort(Recorded.LEDGER_ORDER);
    List<Recorded> out = inTurns(found);
    return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
  }

  /**
   * {@code recorded} in turns of their submitters: the first entry of each submitter (in the order
   * of their first entries), then the second of each, and so on; each submitter's in the given order.
   */
  static List<Recorded> inTurns(List<Recorded> recorded) {
    Map<Digest, java.util.ArrayDeque<Recorded>> bySubmitter = new LinkedHashMap<>();
    for (Recorded r : recorded) {
      bySubmitter.computeIfAbsent(r.submitter(), k -> new java.util.ArrayDeque<>()).add(r);
    }
    List<Recorded> out = new ArrayList<>(recorded.size());
    while (!bySubmitter.isEmpty()) {
      for (var it = bySubmitter.values().iterator(); it.hasNext(); ) {
        java.util.ArrayDeque<Recorded> q = it.next();
        out.add(q.poll());
        if (q.isEmpty()) {
          it.remove();
        }
      }
    }
    return out;
  }

  /** The height in {@code (after, tip]} whose header's commitment is {@code commitment}, searching at most {@code limit} heights. */
  synchronized Optional<Long> heightOf(Digest commitment, long after, int limit) {
    long tip = ledger.height();
    for (long h = tip; h > after && h > tip - limit; h--) {
      if (LedgerAnchors.commitment(ledger.header(h)).digest().equals(commitment)) {
        return Optional.of(h);
      }
    }
    return Optional.empty();
  }
}
