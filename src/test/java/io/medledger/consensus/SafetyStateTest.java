package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.consensus.ConsensusMessage.Proposal;
import io.medledger.consensus.ConsensusMessage.Vote;
import io.medledger.consensus.sim.SimBlock;
import io.medledger.crypto.Ed25519PrivateKey;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durability of the safety state: what a restarted node does with what it saved. */
class SafetyStateTest {
  /** An auditor that prevoted at height 1, round 0; returns its saved state. */
  private static byte[] stateAfterPrevote(ConsensusAttackTest.Fixture f, SafetyStore store) {
    ConsensusProtocol p = Protocols.create(f.protocol, f.app = new io.medledger.consensus.sim.SimApp(f.chain,
        f.membership, new io.medledger.consensus.sim.SimLedger(), 1_000),
        new ConsensusContext(f.keys.get(4), f.clock, new SplittableRandom(1), store), ConsensusConfig.defaults());
    p.handle(new Event.Start());
    Ed25519PrivateKey bookkeeper = f.keys.get(1);
    SimBlock b = f.block(bookkeeper, 1, f.clock.millis());
    Statement st = new Statement(StatementKind.PROPOSAL, 1, 0, b.hash(), -1);
    List<Action> out = p.handle(f.received(bookkeeper, new Proposal(st, bookkeeper.sign(st.signingBytes(f.chain)), b.encode(), null)));
    assertTrue(out.stream().anyMatch(a -> a instanceof Action.Broadcast bc && bc.message() instanceof Vote));
    return store.load().orElseThrow();
  }

  private static ConsensusProtocol restart(ConsensusAttackTest.Fixture f, SafetyStore store) {
    ConsensusProtocol p = Protocols.create(f.protocol, new io.medledger.consensus.sim.SimApp(f.chain, f.membership,
        new io.medledger.consensus.sim.SimLedger(), 1_000),
        new ConsensusContext(f.keys.get(4), f.clock, new SplittableRandom(2), store), ConsensusConfig.defaults());
    p.handle(new Event.Start());
    return p;
  }

  @Test
  void restartResendsTheSavedVoteAndResumesTheRound() {
    ConsensusAttackTest.Fixture f = new ConsensusAttackTest.Fixture(RotatingAuditProtocol.NAME, 4, 4);
    InMemorySafetyStore store = new InMemorySafetyStore();
    stateAfterPrevote(f, store);
    ConsensusProtocol p = Protocols.create(f.protocol, new io.medledger.consensus.sim.SimApp(f.chain, f.membership,
        new io.medledger.consensus.sim.SimLedger(), 1_000),
        new ConsensusContext(f.keys.get(4), f.clock, new SplittableRandom(2), store), ConsensusConfig.defaults());
    List<Action> out = p.handle(new Event.Start());
    assertTrue(out.stream().anyMatch(a -> a instanceof Action.Broadcast bc && bc.message() instanceof Vote v
        && v.statement().kind() == StatementKind.PREVOTE), "the saved prevote is sent again, not a new one");
  }

  @Test
  void refusesToStartWhenTheSavedStateIsAheadOfTheBlockStore() {
    ConsensusAttackTest.Fixture f = new ConsensusAttackTest.Fixture(RotatingAuditProtocol.NAME, 4, 4);
    InMemorySafetyStore store = new InMemorySafetyStore();
    byte[] state = stateAfterPrevote(f, store);
    // Control: the state for height 1 over an empty store (committed 0) is accepted.
    assertEquals(1, restart(f, store).height());
    byte[] ahead = state.clone();
    ByteBuffer.wrap(ahead, 1, 8).putLong(3);
    store.save(ahead);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> restart(f, store));
    assertTrue(e.getMessage().contains("refusing to start") && e.getMessage().contains("height 3"), e.getMessage());
    // A stale state (for a height already committed) is simply superseded: height 0 < 1.
    byte[] stale = state.clone();
    ByteBuffer.wrap(stale, 1, 8).putLong(0);
    store.save(stale);
    assertEquals(1, restart(f, store).height());
  }

  @Test
  void refusesToStartWhenTheSavedStateIsUnreadable() {
    ConsensusAttackTest.Fixture f = new ConsensusAttackTest.Fixture(RotatingAuditProtocol.NAME, 4, 4);
    InMemorySafetyStore store = new InMemorySafetyStore();
    byte[] state = stateAfterPrevote(f, store);
    for (int cut : new int[] {0, 5, state.length / 2, state.length - 1}) {
      store.save(java.util.Arrays.copyOf(state, cut));
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> restart(f, store), "torn at " + cut);
      assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
    }
  }

  @Test
  void fileStoreReplacesAtomicallyAndSurvivesReopen(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("safety");
    FileSafetyStore s = new FileSafetyStore(file);
    assertTrue(s.load().isEmpty());
    s.save(new byte[] {1, 2, 3});
    s.save(new byte[] {4});
    assertArrayEquals(new byte[] {4}, new FileSafetyStore(file).load().orElseThrow());
    assertTrue(Files.notExists(dir.resolve("safety.journal.tmp")), "the temporary file was renamed over the journal");
  }
}
