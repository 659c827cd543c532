package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture.Actor;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import io.medledger.tlog.TileLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deferred durability ({@link Ledger#deferDurability}, used by catch-up): deferred blocks are
 * visible at once, their state reaches the store as one commit, a failure while making them
 * durable leaves a chain that reopens consistent, and so does a {@code kill -9} at any moment of
 * a run of deferred appends.
 */
class DeferredDurabilityTest {
  @TempDir
  Path dir;

  private ChainFixture fixture(StateStore state) {
    return ChainFixture.builder().store(FileBlockStore.open(dir.resolve("blocks"))).state(state)
        .log(TileLog.open(dir.resolve("log"))).build();
  }

  @Test
  void deferredBlocksAreVisibleAtOnceAndReachTheStateStoreAsOneCommit() {
    StateStore state = StateStore.rocksDb(dir.resolve("state"));
    ChainFixture f = fixture(state);
    long before = f.ledger.height();
    f.ledger.deferDurability();
    List<Actor> patients = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Actor p = f.actor("p" + i);
      patients.add(p);
      f.commit(f.registerPatient(p));
      // queries and validation of the next block see the deferred block
      assertTrue(f.ledger.participant(p.id()).isPresent());
    }
    assertEquals(before + 5, f.ledger.height());
    assertEquals(before, state.height(), "a deferred block reached the state store");
    // the patient-heads tree and a scan-backed query read the deferred state
    assertTrue(f.ledger.patientHistory(patients.get(2).id()).verify(f.ledger.tip().orElseThrow()).isAccepted());
    f.ledger.makeDurable();
    // one commit of blocks before+1 .. before+5 (the store refuses a batch that does not start at its height + 1)
    assertEquals(before + 5, state.height());
    // back to one durable commit per block
    f.commit(f.registerPatient(f.actor("after")));
    assertEquals(before + 6, state.height());
    BlockHeader tip = f.ledger.tip().orElseThrow();
    f.ledger.close();
    try (Ledger l = Ledger.builder(f.params).store(FileBlockStore.open(dir.resolve("blocks")))
        .state(StateStore.rocksDb(dir.resolve("state"))).log(TileLog.open(dir.resolve("log"))).clock(f.clock).open()) {
      assertEquals(tip, l.tip().orElseThrow());
      for (Actor p : patients) {
        assertTrue(l.participant(p.id()).isPresent());
      }
    }
  }

  /**
   * The blocks of a deferral stay decoded for {@link Ledger#block} after {@link Ledger#makeDurable}
   * (a node's listener hears of a catch-up response's blocks only then), within their bound,
   * until the next deferral or the next append outside one.
   */
  @Test
  void theBlocksOfADeferralStayDecodedUntilTheNextOrAnAppendOutsideOne() {
    ChainFixture f = fixture(StateStore.rocksDb(dir.resolve("state")));
    f.ledger.deferDurability();
    List<CertifiedBlock> appended = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // more than the ledger's small cache of recent blocks
      appended.add(f.commit(f.registerPatient(f.actor("p" + i))));
    }
    f.ledger.makeDurable();
    for (CertifiedBlock b : appended) {
      assertSame(b, f.ledger.block(b.header().height()), "block " + b.header().height() + " was decoded again");
    }
    f.ledger.deferDurability();
    CertifiedBlock first = appended.get(0);
    CertifiedBlock reread = f.ledger.block(first.header().height());
    assertNotSame(first, reread, "a new deferral keeps the last one's blocks");
    assertEquals(first, reread);

    // the bound: blocks past it are not kept, and read back equal
    f.ledger.retainAtMost(3);
    List<CertifiedBlock> more = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      more.add(f.commit(f.registerPatient(f.actor("q" + i))));
    }
    f.ledger.makeDurable();
    for (int i = 0; i < 3; i++) {
      assertSame(more.get(i), f.ledger.block(more.get(i).header().height()));
    }
    for (int i = 3; i < 4; i++) { // past the bound and out of the recent-block cache
      CertifiedBlock b = more.get(i);
      assertNotSame(b, f.ledger.block(b.header().height()));
      assertEquals(b, f.ledger.block(b.header().height()));
    }

    // an append outside a deferral lets them go
    f.commit(f.registerPatient(f.actor("after")));
    for (int i = 0; i < 3; i++) {
      assertNotSame(more.get(i), f.ledger.block(more.get(i).header().height()));
    }
  }

  @Test
  void aFailureWhileMakingBlocksDurableLeavesAChainThatReopensWithThem() {
    StateStoreReopenTest.CrashingState state = new StateStoreReopenTest.CrashingState(
        StateStore.rocksDb(dir.resolve("state")));
    ChainFixture f = fixture(state);
    long before = f.ledger.height();
    f.ledger.deferDurability();
    for (int i = 0; i < 3; i++) {
      f.commit(f.registerPatient(f.actor("p" + i)));
    }
    BlockHeader tip = f.ledger.tip().orElseThrow();
    state.armed = true;
    assertThrows(StoreException.class, f.ledger::makeDurable);
    // the ledger refuses appends until reopened
    assertThrows(IllegalStateException.class, () -> f.commit(f.registerPatient(f.actor("refused"))));
    f.ledger.close();
    try (Ledger l = Ledger.builder(f.params).store(FileBlockStore.open(dir.resolve("blocks")))
        .state(StateStore.rocksDb(dir.resolve("state"))).log(TileLog.open(dir.resolve("log"))).clock(f.clock).open()) {
      // the blocks were forced before the state commit failed: reopening replays them
      assertEquals(tip, l.tip().orElseThrow());
      assertTrue(l.participant(f.actor("p2").id()).isPresent());
      assertEquals(before + 3, l.height());
    }
  }

  /**
   * A process appending deferred runs of blocks to a file-backed ledger is killed with
   * {@code kill -9} at a random block (inside a run or while it is made durable), three times
   * over the same directory: each time the ledger reopens, holds at least every block reported
   * durable, its state agrees with its block store, and it accepts new blocks.
   */
  @Test
  void aKillDuringDeferredAppendsLeavesAConsistentChain() throws Exception {
    Path data = dir.resolve("node");
    SplittableRandom random = new SplittableRandom(20261202L);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int round = 0; round < 3; round++) {
      int killAt = 3 * DeferredAppendChild.RUN / 2 + random.nextInt(2 * DeferredAppendChild.RUN);
      Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx128m", "-cp", System.getProperty("java.class.path"),
          DeferredAppendChild.class.getName(), data.toString(), "r" + round).redirectErrorStream(true).start();
      long durable = -1;
      int appended = 0;
      StringBuilder seen = new StringBuilder();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String line;
        while (appended < killAt && (line = out.readLine()) != null) {
          seen.append(line).append('\n');
          if (line.startsWith("durable ")) {
            durable = Long.parseLong(line.substring(8));
          } else if (line.startsWith("appended ")) {
            appended++;
          }
          assertTrue(System.nanoTime() < deadline, "the child appended too slowly:\n" + seen);
        }
        // kill -9 while the child goes on appending (it does not wait for us)
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      } finally {
        child.destroyForcibly();
      }
      assertEquals(killAt, appended, "the child stopped early:\n" + seen);
      assertTrue(durable >= 0, "no run was made durable before the kill:\n" + seen);
      ChainFixture f = DeferredAppendChild.open(data);
      try {
        Ledger l = f.ledger;
        assertTrue(l.height() >= durable, "lost a block reported durable: " + l.height() + " < " + durable);
        assertEquals(f.store.size() - 1, l.height(), "the state does not reflect the block store");
        BlockHeader tip = l.tip().orElseThrow();
        assertTrue(l.consistencyProof(1, tip.height()).verify(l.header(1), tip));
        f.commit(f.registerPatient(f.actor("after-kill-" + round)));
        assertEquals(tip.height() + 1, l.height());
      } finally {
        f.ledger.close();
      }
    }
  }
}
