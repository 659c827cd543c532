package io.medledger.node;

import io.medledger.access.ParticipantId;
import io.medledger.client.KeyCard;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.BoundedInput;
import io.medledger.internal.node.LedgerWire;
import io.medledger.internal.node.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The key cards published to one node, one file per participant in {@code data/keycards}
 * (written with fsync, read back on open): only self-signed cards, the first card of a
 * participant stays until the ledger removes the participant ({@link #forget}) or its key
 * publication in force contradicts the card ({@link #contradicted}, {@link #forgetIf}), and at most
 * {@link #MAX_CARDS} are kept. Thread-safe.
 */
final class KeyCardStore {
  /** Most cards one node keeps. */
  static final int MAX_CARDS = 1_000_000;
  /** Largest card file read (a card takes under 200 bytes). */
  static final int MAX_FILE_BYTES = 1024;
  private static final System.Logger LOG = System.getLogger(KeyCardStore.class.getName());
  private final Path dir;
  private final Map<ParticipantId, KeyCard> cards = new ConcurrentHashMap<>();

  private KeyCardStore(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens (creating) the store in {@code dir}; card files that are unreadable, not regular files,
   * larger than {@link #MAX_FILE_BYTES} or forged are skipped and logged; the temporary files of
   * writes a crash cut short ({@code .*.card.*.tmp}, and {@code *.card.tmp} of earlier versions; of
   * cards never acknowledged) are deleted.
   */
  static KeyCardStore open(Path dir) {
    KeyCardStore s = new KeyCardStore(dir);
    try {
      OwnerOnly.createDirectories(dir);
      io.medledger.internal.PrivateFiles.deleteLeftovers(dir, "{.*.card.*.tmp,*.card.tmp}"); // OwnerOnly.write's
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".card"))::iterator) {
          try {
            if (!Files.isRegularFile(f)) {
              LOG.log(System.Logger.Level.WARNING, "key card file " + f + " is not a regular file; ignored");
              continue;
            }
            byte[] b = BoundedInput.readFile(f, MAX_FILE_BYTES);
            LedgerWire.Reader r = new LedgerWire.Reader(b, 1);
            KeyCard c = r.card();
            r.end();
            if (c.verify() && f.getFileName().toString().equals(c.id().toHex() + ".card")) {
              s.cards.put(c.id(), c);
            } else {
              LOG.log(System.Logger.Level.WARNING, "key card file " + f + " does not verify; ignored");
            }
          } catch (MalformedEncodingException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "key card file " + f + " is unreadable; ignored: " + e.getMessage());
          }
        }
      }
    } catch (IOException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "key cards in " + dir + ": " + e.getMessage(), e);
    }
    return s;
  }

  /** The card of {@code id}. */
  Optional<KeyCard> lookup(ParticipantId id) {
    return Optional.ofNullable(cards.get(id));
  }

  /**
   * Keeps {@code card} durably; returns false if the same card was already kept.
   *
   * @throws IllegalArgumentException if it does not verify, another card of the participant is
   *     kept that it does not upgrade with a research key ({@link KeyCard#addsResearchKeyTo}), or
   *     the store is full
   */
  synchronized boolean publish(KeyCard card) {
    if (!card.verify()) {
      throw new IllegalArgumentException("key card signature does not verify for " + card.id());
    }
    KeyCard prev = cards.get(card.id());
    if (prev != null && !card.addsResearchKeyTo(prev)) {
      if (!prev.equals(card)) {
        throw new IllegalArgumentException("a different key card is already published for " + card.id());
      }
      return false;
    }
    if (prev == null && cards.size() >= MAX_CARDS) {
      throw new IllegalArgumentException("this node keeps at most " + MAX_CARDS + " key cards");
    }
    try {
      OwnerOnly.write(dir.resolve(card.id().toHex() + ".card"), new LedgerWire.Writer((byte) 0).card(card).toBytes(), true);
    } catch (IOException e) {
      throw new UncheckedIOException("writing key card " + card.id(), e);
    }
    cards.put(card.id(), card);
    return true;
  }

  /**
   * Drops the card of {@code id} (a participant the ledger removed), file first, durably; whether
   * one was kept. A participant that rejoins publishes a card again.
   *
   * @throws UncheckedIOException if the file cannot be deleted (the card is then still kept)
   */
  boolean forget(ParticipantId id) {
    return forgetIf(id, c -> true);
  }

  /**
   * Drops the card of {@code id} as {@link #forget} does, but only if the card kept when the store
   * decides (under its lock, so not a card published since the caller looked) is one {@code drop}
   * accepts; whether one was dropped.
   *
   * @throws UncheckedIOException if the file cannot be deleted (the card is then still kept)
   */
  synchronized boolean forgetIf(ParticipantId id, Predicate<KeyCard> drop) {
    KeyCard kept = cards.get(id);
    if (kept == null || !drop.test(kept)) {
      return false;
    }
    try {
      Files.deleteIfExists(dir.resolve(id.toHex() + ".card"));
      OwnerOnly.syncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("deleting the key card of " + id, e);
    }
    cards.remove(id);
    return true;
  }

  /** Drops the cards {@code drop} accepts ({@link #forgetIf}); how many. */
  int forgetAll(Predicate<KeyCard> drop) {
    int n = 0;
    for (ParticipantId id : java.util.List.copyOf(cards.keySet())) {
      if (forgetIf(id, drop)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Whether {@code ledger}'s key publication in force for the card's participant holds other keys
   * than {@code card} ({@link KeyCard#agreesWith}): a card the node must neither serve nor keep.
   */
  static boolean contradicted(io.medledger.chain.Ledger ledger, KeyCard card) {
    return ledger.publishedKeys(card.id()).filter(p -> !card.agreesWith(p)).isPresent();
  }

  /** Cards kept. */
  int size() {
    return cards.size();
  }
}
