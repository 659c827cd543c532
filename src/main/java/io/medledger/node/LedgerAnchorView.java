package io.medledger.node;

import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Anchor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.crypto.Digest;
import io.medledger.internal.node.OwnerOnly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * What a node's ledger says about anchoring: the anchor entries it keeps (only those naming this
 * ledger's commitment at the height they cover, at most {@link #PER_SUBMITTER} transactions of each
 * submitter per commitment) with the block that holds each, the anchoring turns they pass, and the
 * last block holding anything else (blocks of anchor entries alone do not make a new anchor due).
 * Built from each block once, as the ledger grows: from the committed blocks the node hands it, or
 * by reading those it missed; a new view reads the whole ledger on its first {@link #refresh}.
 *
 * <p>The kept entries are on disk, one {@link RecordedAnchorFile} per submitter in a directory of
 * this view's own (emptied when the view is made), found by block height with a binary search: in
 * memory the view holds a few numbers per submitter, whatever the number of anchors. A lookup reads
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
  /** The commitment and transaction of the {@link #RECENT} last kept entries. */
  private final Map<List<Digest>, Boolean> recent = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<List<Digest>, Boolean> e) {
      return size() > RECENT;
    }
  };

  /**
   * A view of {@code ledger} keeping its entries in {@code directory} (created owner-only if
   * missing; files left there by an earlier view are replaced as the ledger is read again).
   *
   * @throws NodeException (DATA_DIRECTORY) if the directory cannot be made or emptied
   */
  LedgerAnchorView(Ledger ledger, Path directory) {
    this.ledger = ledger;
    this.directory = directory;
    try {
      OwnerOnly.createDirectories(directory);
      try (var ds = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
        for (Path f : ds) {
          Files.delete(f);
        }
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "cannot prepare " + directory + ": " + e.getMessage(), e);
    }
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
        take(Seen.of(ledger.block(h)));
      }
      take(s);
    }
    long tip = ledger.height();
    for (long h = scanned + 1; h <= tip; h++) {
      take(Seen.of(ledger.block(h)));
    }
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
