package io.medledger.chain;

import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.tlog.TileLog;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a separate JVM by {@link DeferredDurabilityTest}: opens (or creates) a file-backed ledger
 * in the given directory, as a node does (block files, RocksDB state, tile log), and appends blocks
 * in deferred runs of {@value #RUN} ({@link Ledger#deferDurability} ... {@link Ledger#makeDurable})
 * until it is killed. Prints {@code appended H} after each block and {@code durable H} after each
 * run.
 */
public final class DeferredAppendChild {
  static final int RUN = 16;

  private DeferredAppendChild() {}

  static ChainFixture open(Path dir) {
    ChainFixture f = ChainFixture.builder().store(FileBlockStore.open(dir.resolve("blocks")))
        .state(StateStore.rocksDb(dir.resolve("state"))).log(TileLog.open(dir.resolve("log"))).build();
    long behind = f.ledger.tip().orElseThrow().timestamp() - f.now();
    if (behind >= 0) {
      f.clock.advance(Duration.ofMillis(behind + 1000));
    }
    return f;
  }

  public static void main(String[] args) {
    ChainFixture f = open(Path.of(args[0]));
    String tag = args[1];
    int n = 0;
    while (true) {
      f.ledger.deferDurability();
      for (int i = 0; i < RUN; i++) {
        f.commit(f.registerPatient(f.actor(tag + "-" + n++)), f.registerPatient(f.actor(tag + "-" + n++)));
        System.out.println("appended " + f.ledger.height());
        System.out.flush();
      }
      f.ledger.makeDurable();
      System.out.println("durable " + f.ledger.height());
      System.out.flush();
    }
  }
}
