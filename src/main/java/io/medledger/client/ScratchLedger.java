package io.medledger.client;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Ledger;
import io.medledger.chain.ValidationResult;
import io.medledger.crypto.Digest;
import io.medledger.internal.ScratchStores;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import io.medledger.tlog.TileLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger an auditor's verification replays a chain into, one block at a time as it arrives:
 * blocks in a {@link FileBlockStore}, the state in RocksDB and the ledger-wide log in tiles, all
 * in a fresh owner-only directory that {@link #close} deletes (or, from {@link #resume}, in a
 * directory kept for the next verification). Each block gets every check, entry
 * signatures and certificate included (what {@link Ledger.ReplayMode#FULL} runs). The heap it
 * holds does not grow with the chain: the ledger's bounded caches, the blocks appended since the
 * last flush (at most {@value #FLUSH_BLOCKS} or {@value #FLUSH_BYTES} bytes of them, plus the one
 * that crossed the bound), the state changes not yet written and 8 bytes per block of the block
 * store's index. Without RocksDB on the class path the state stays in memory.
 *
 * <p>Not thread-safe: one verification at a time.
 */
final class ScratchLedger implements AutoCloseable {
  /** Blocks appended between two flushes at most (the ledger keeps them decoded until then). */
  static final int FLUSH_BLOCKS = 64;
  /** Encoded bytes of the blocks appended between two flushes, past which the next flush is made. */
  static final long FLUSH_BYTES = 8L << 20;

  private final Path dir;
  private final Ledger ledger;
  /** Whether {@link #close} leaves the directory for a later {@link #resume}. */
  private final boolean kept;
  private int sinceFlush;
  private long bytesSinceFlush;

  private ScratchLedger(Path dir, Ledger ledger, boolean kept) {
    this.dir = dir;
    this.ledger = ledger;
    this.kept = kept;
  }

  /**
   * Opens an empty ledger for {@code c}'s chain (its parameters, certificate policy and clock) in a
   * new owner-only directory inside {@code parent}.
   *
   * @throws StoreException if the directory or a store cannot be created
   */
  static ScratchLedger open(LedgerConnection c, Path parent) {
    Path dir = ScratchStores.create(parent);
    try {
      return openIn(c, dir, false);
    } catch (RuntimeException e) {
      ScratchStores.delete(dir, e);
      throw e;
    }
  }

  /**
   * Opens the ledger a previous verification left in {@code dir} (creating it, owner-only, if
   * absent), replaying with every check the blocks its state had not yet reached; {@link #close}
   * keeps it for the next.
   *
   * @throws StoreException if {@code dir} is open to other users or another account's, or a store
   *     cannot be opened (another verification holds it, or its files are damaged)
   * @throws io.medledger.chain.LedgerReplayException if a block stored there no longer verifies
   */
  static ScratchLedger resume(LedgerConnection c, Path dir) {
    Objects.requireNonNull(dir, "dir");
    try {
      io.medledger.internal.node.OwnerOnly.createDirectories(dir);
      String problem = io.medledger.internal.node.OwnerOnly.problem(dir);
      if (problem != null) {
        throw new StoreException("the verification directory " + problem);
      }
    } catch (IOException e) {
      throw new StoreException("cannot use the verification directory " + dir + ": " + e.getMessage(), e);
    }
    return openIn(c, dir, true);
  }

  private static ScratchLedger openIn(LedgerConnection c, Path dir, boolean kept) {
    AutoCloseable[] opened = new AutoCloseable[3];
    try {
      FileBlockStore blocks = FileBlockStore.open(dir.resolve("blocks"));
      opened[0] = blocks;
      TileLog log = TileLog.open(dir.resolve("log"));
      opened[1] = log;
      StateStore state = ScratchStores.stateStore(dir.resolve("state"));
      opened[2] = state;
      // from open() on the ledger owns the stores: it closes them if opening fails
      java.util.Arrays.fill(opened, null);
      Ledger l = Ledger.builder(c.parameters()).store(blocks).log(log).state(state).clock(c.clock())
          .certificatePolicy(c.certificatePolicy()).replay(Ledger.ReplayMode.FULL).open();
      try {
        l.deferDurability();
      } catch (RuntimeException e) {
        l.close();
        throw e;
      }
      return new ScratchLedger(dir, l, kept);
    } catch (RuntimeException e) {
      for (AutoCloseable s : opened) {
        closeQuietly(s, e);
      }
      throw e;
    }
  }

  private static void closeQuietly(AutoCloseable s, RuntimeException failure) {
    if (s != null) {
      try {
        s.close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Validates {@code b} (every rule, signatures and certificate included) as the block after the
   * tip and appends it if it holds.
   *
   * @return empty if appended, else why the block was refused
   * @throws StoreException if a store fails
   */
  Optional<String> append(CertifiedBlock b) {
    ValidationResult<CertifiedBlock> r = ledger.append(b);
    if (!r.isAccepted()) {
      return Optional.of(r.reason());
    }
    bytesSinceFlush += b.block().encodedSize();
    if (++sinceFlush >= FLUSH_BLOCKS || bytesSinceFlush >= FLUSH_BYTES) {
      // writing the deferred blocks and state releases the decoded blocks the ledger kept for them
      ledger.makeDurable();
      ledger.deferDurability();
      sinceFlush = 0;
      bytesSinceFlush = 0;
    }
    return Optional.empty();
  }

  /** The number of blocks appended. */
  long blocks() {
    return ledger.height() + 1;
  }

  /** The header appended at {@code height}, which is below {@link #blocks()}. */
  BlockHeader header(long height) {
    return ledger.header(height);
  }

  /** The appended tip's header hash; empty before genesis. */
  Optional<Digest> tipHash() {
    return ledger.tip().map(BlockHeader::hash);
  }

  /**
   * Closes the ledger and its stores (writing what was deferred) and, unless opened by
   * {@link #resume}, deletes the directory (a failure to delete is logged).
   */
  @Override
  public void close() {
    try {
      ledger.close();
    } finally {
      if (!kept) {
        ScratchStores.delete(dir, null);
      }
    }
  }
}
