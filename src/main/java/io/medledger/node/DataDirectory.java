package io.medledger.node;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.Ledger;
import io.medledger.chain.LedgerReplayException;
import io.medledger.consensus.LedgerApp;
import io.medledger.crypto.Digest;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StoreException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads a stopped node's data directory: its status and which entries its ledger holds. The block
 * store is opened read-only (nothing on disk changes: a torn tail left by a crash is skipped and
 * left for the node to cut on its next start) and replayed with every check except signatures.
 * When the node runs, its block store is locked and these return empty: ask the running node
 * instead. Stateless; thread-safe.
 */
public final class DataDirectory {
  private DataDirectory() {}

  /**
   * The status of the stopped node {@code config} describes, or empty if it is running.
   *
   * @throws NodeException with reason DATA_DIRECTORY if there is no chain or it does not verify
   */
  public static Optional<NodeStatus> status(NodeConfig config) {
    return withLedger(config, l -> {
      BlockHeader tip = l.tip().orElseThrow();
      return new NodeStatus(config.role(), config.ledgerKey().toHex(), tip.height(), tip.hash().toHex(), tip.ledgerSize(),
          -1, config.peers().size(), 0, false);
    });
  }

  /**
   * For each of {@code ids}, whether the stopped node's ledger holds it; empty if the node is running.
   *
   * @throws NodeException with reason DATA_DIRECTORY if there is no chain or it does not verify
   */
  public static Optional<boolean[]> contains(NodeConfig config, List<Digest> ids) {
    return withLedger(config, l -> l.contains(ids));
  }

  private static <T> Optional<T> withLedger(NodeConfig config, Function<Ledger, T> read) {
    java.nio.file.Path blocks = config.dataDirectory().resolve(Node.BLOCKS);
    if (!Files.isDirectory(blocks)) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "no block store in " + config.dataDirectory()
          + " (the node has never started)");
    }
    FileBlockStore store;
    try {
      store = FileBlockStore.openReadOnly(blocks);
    } catch (StoreException e) {
      if (String.valueOf(e.getMessage()).contains("locked by another process")) {
        return Optional.empty();
      }
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, e.getMessage(), e);
    }
    try (Ledger l = Ledger.builder(Node.parameters(config)).store(store)
        .certificatePolicy(LedgerApp.certificatePolicy(config.consensus().protocol()))
        .replay(Ledger.ReplayMode.SKIP_SIGNATURES).open()) {
      if (l.height() < 0) {
        throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "the block store in " + blocks + " is empty");
      }
      return Optional.of(read.apply(l));
    } catch (LedgerReplayException | StoreException e) {
      throw new NodeException(NodeException.Reason.DATA_DIRECTORY, "the chain in " + blocks + " does not verify: "
          + e.getMessage(), e);
    }
  }
}
