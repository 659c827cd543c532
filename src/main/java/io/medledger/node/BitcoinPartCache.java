package io.medledger.node;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.crypto.Digest;
import io.medledger.internal.node.OwnerOnly;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The checked Bitcoin parts of the recorded anchors a node has proven: on disk, one file per
 * anchor ({@code <commitment hex>.json}, the complete receipt it was checked with, at most 8 MiB),
 * and in memory the {@link #MAX_HELD} most recently used. A file is input like any other: what
 * {@link #read} returns must be checked against the Bitcoin node before it is {@link #hold held}.
 * Thread-safe: synchronized.
 */
final class BitcoinPartCache {
  private static final System.Logger LOG = System.getLogger(BitcoinPartCache.class.getName());
  /** Most parts held in memory (about 1 KB each). */
  static final int MAX_HELD = 256;
  /** Most bytes of a file. */
  static final int MAX_FILE_BYTES = 8 << 20;

  private final Path directory;
  private final int capacity;
  /** The parts held, least recently used first. */
  private final Map<Digest, AnchorReceipt.BitcoinPart> held;

  /** A cache of the files in {@code directory} holding at most {@code capacity} parts in memory. */
  BitcoinPartCache(Path directory, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.directory = directory;
    this.capacity = capacity;
    this.held = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, AnchorReceipt.BitcoinPart> e) {
        return size() > BitcoinPartCache.this.capacity;
      }
    };
  }

  /** The part of the anchor of {@code commitment} if it is held in memory (then it counts as just used). */
  synchronized Optional<AnchorReceipt.BitcoinPart> held(Digest commitment) {
    return Optional.ofNullable(held.get(commitment));
  }

  /** Whether the part of {@code commitment} is held in memory, without counting as a use. */
  synchronized boolean holds(Digest commitment) {
    return held.containsKey(commitment);
  }

  /** Holds {@code part}, checked against the Bitcoin node, in memory; the least recently used goes if full. */
  synchronized void hold(Digest commitment, AnchorReceipt.BitcoinPart part) {
    held.put(commitment, part);
  }

  /** How many parts are held in memory. */
  synchronized int heldCount() {
    return held.size();
  }

  /** The file of the anchor of {@code commitment}. */
  Path file(Digest commitment) {
    return directory.resolve(commitment.toHex() + ".json");
  }

  /**
   * Holds the Bitcoin part of {@code done}, checked against the Bitcoin node, and writes the receipt
   * to its file (owner-only, atomically); a file that cannot be written is logged, and the part
   * is fetched again once it leaves memory.
   *
   * @throws java.util.NoSuchElementException if {@code done} is not complete
   */
  void keep(Digest commitment, AnchorReceipt done) {
    hold(commitment, done.bitcoin().orElseThrow());
    try {
      OwnerOnly.createDirectories(directory);
      OwnerOnly.write(file(commitment), done.toJson().getBytes(StandardCharsets.UTF_8), true);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot keep the Bitcoin part of an anchor in " + directory, e);
    }
  }

  /**
   * The part in the file of {@code commitment}, not yet checked against the Bitcoin node: empty if
   * there is no file, or it is larger than {@link #MAX_FILE_BYTES}, unreadable, not a complete
   * receipt of that commitment, or of another transaction than {@code txid} (each logged naming the
   * file: the part is then fetched again).
   */
  Optional<AnchorReceipt.BitcoinPart> read(Digest commitment, Digest txid) {
    Path f = file(commitment);
    try (var in = Files.newInputStream(f)) {
      byte[] b = in.readNBytes(MAX_FILE_BYTES + 1);
      if (b.length > MAX_FILE_BYTES) {
        LOG.log(Level.WARNING, () -> "ignoring the cached anchor " + f + ", larger than " + MAX_FILE_BYTES + " bytes");
        return Optional.empty();
      }
      AnchorReceipt r = AnchorReceipt.fromJson(new String(b, StandardCharsets.UTF_8));
      if (!r.commitment().digest().equals(commitment) || r.bitcoin().isEmpty()
          || !r.bitcoin().get().branch().txid().equals(txid)) {
        LOG.log(Level.WARNING, () -> "ignoring the cached anchor " + f + ", which is not the complete receipt of"
            + " that commitment and transaction " + txid.reversed().toHex());
        return Optional.empty();
      }
      return r.bitcoin();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, () -> "ignoring the unreadable cached anchor " + f + ": " + e);
      return Optional.empty();
    }
  }
}
