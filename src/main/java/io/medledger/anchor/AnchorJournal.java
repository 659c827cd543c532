package io.medledger.anchor;

import io.medledger.crypto.Digest;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where anchor records persist so that a restart resumes every anchor where it was, and where
 * finished anchors (FINAL or SUPERSEDED) stay to be found by commitment or by height for as long
 * as the ledger lives. Implementations are thread-safe.
 */
public interface AnchorJournal {
  /**
   * Replays the journal: every record of an anchor not finished (neither FINAL nor SUPERSEDED), and
   * of the finished ones those of the {@code newestFinished} highest anchored heights, in no
   * particular order.
   *
   * @throws IllegalArgumentException if {@code newestFinished} is negative
   * @throws io.medledger.codec.MalformedEncodingException naming the file if a file of the journal is damaged
   */
  List<AnchorRecord> load(int newestFinished);

  /**
   * The record of the anchor with this commitment digest, finished or not.
   *
   * @throws io.medledger.codec.MalformedEncodingException naming the file if its file is damaged
   */
  Optional<AnchorRecord> find(Digest commitment);

  /**
   * At most {@code max} records (any status) whose anchored height is at least {@code height},
   * lowest height first (ties by commitment digest).
   *
   * @throws IllegalArgumentException if {@code max} is negative
   * @throws io.medledger.codec.MalformedEncodingException naming the file if a file read is damaged
   */
  List<AnchorRecord> from(long height, int max);

  /** Saves (replaces) a record durably before returning. */
  void save(AnchorRecord record);

  /**
   * A journal in memory (lost on restart, and holding every record it is given), for tests.
   */
  static AnchorJournal inMemory() {
    Map<Digest, AnchorRecord> m = new ConcurrentHashMap<>();
    return new AnchorJournal() {
      @Override
      public List<AnchorRecord> load(int newestFinished) {
        if (newestFinished < 0) {
          throw new IllegalArgumentException("newestFinished must not be negative");
        }
        List<AnchorRecord> out = new ArrayList<>();
        List<AnchorRecord> finished = new ArrayList<>();
        for (AnchorRecord r : m.values()) {
          (DirectoryAnchorJournal.isFinished(r) ? finished : out).add(r);
        }
        finished.sort(DirectoryAnchorJournal.BY_HEIGHT.reversed());
        out.addAll(finished.subList(0, Math.min(newestFinished, finished.size())));
        return out;
      }

      @Override
      public Optional<AnchorRecord> find(Digest commitment) {
        return Optional.ofNullable(m.get(commitment));
      }

      @Override
      public List<AnchorRecord> from(long height, int max) {
        if (max < 0) {
          throw new IllegalArgumentException("max must not be negative");
        }
        return m.values().stream().filter(r -> r.commitment().height() >= height)
            .sorted(DirectoryAnchorJournal.BY_HEIGHT).limit(max).toList();
      }

      @Override
      public void save(AnchorRecord record) {
        m.put(record.id(), record);
      }
    };
  }

  /**
   * A journal in {@code directory}, crash-safe and bounded in memory:
   * <ul>
   *   <li>each anchor not finished is one file {@code <commitment hex>.anchor.json}, kept in memory
   *       too (at most 10,000 such anchors);
   *   <li>each finished anchor is one file {@code finished/<commitment hex>.anchor.json}, read only
   *       when asked for;
   *   <li>{@code finished/heights.idx} lists the finished anchors by height (44 bytes each, with a
   *       checksum), so lookups by height read a few entries, never the whole journal.
   * </ul>
   * Every record file is replaced atomically (temporary file, fsync, rename, directory fsync). An
   * anchor that finishes is written under {@code finished/} and indexed before its file at the top
   * is removed, so a crash at any point leaves it in one place or the other, and replay completes
   * the move. Replay reads the files at the top (the anchors not finished, and any finished record
   * of a journal written before {@code finished/} existed, which it moves) and the index's last
   * entries; a missing index is rebuilt from {@code finished/}. A record file larger than 1 MiB or
   * damaged, or a damaged index entry, is refused with a {@link io.medledger.codec.MalformedEncodingException}
   * naming the file. Opening deletes the temporary files of writes a crash cut short, so one
   * journal at a time should use a directory; the directory is read on the first call.
   *
   * @throws UncheckedIOException if the directories cannot be created or cleared of such files
   */
  static AnchorJournal inDirectory(Path directory) {
    return new DirectoryAnchorJournal(directory);
  }
}
