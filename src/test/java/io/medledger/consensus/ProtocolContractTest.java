package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.consensus.sim.Scenario;
import io.medledger.consensus.sim.SimApp;
import io.medledger.consensus.sim.SimEntry;
import io.medledger.consensus.sim.SimLedger;
import io.medledger.consensus.sim.Simulation;
import io.medledger.consensus.sim.SimulationResult;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The protocol test suite, written once and run against every protocol by its subclasses: the
 * seeded fault sweep (medledger.test.seeds seeds, default 200, cycling through every scenario),
 * determinism, rejection, recovery, accountability, and a direct drive of the sans-IO interface.
 */
abstract class ProtocolContractTest {
  /** The protocol under test. */
  abstract String protocol();

  static int seeds() {
    return Integer.getInteger("medledger.test.seeds", 200);
  }

  @Test
  void seededFaultSweepHoldsEveryInvariant() {
    int n = seeds();
    ConcurrentLinkedQueue<SimulationResult> results = new ConcurrentLinkedQueue<>();
    LongStream.rangeClosed(1, n).parallel().forEach(s -> results.add(Simulation.of(protocol(), s).run()));
    List<String> failures = new ArrayList<>();
    Set<Scenario> covered = EnumSet.noneOf(Scenario.class);
    long blocks = 0;
    for (SimulationResult r : results) {
      covered.add(r.scenario());
      blocks += r.finalBlocks();
      if (!r.passed()) {
        failures.add(r.scenario() + " " + r.safetyViolations() + r.livenessFailures() + " replay: " + r.replayCommand());
      }
      if (r.finalBlocks() == 0) {
        failures.add("no final block: " + r.replayCommand());
      }
    }
    assertEquals(n, results.size());
    assertTrue(failures.isEmpty(), failures.size() + " failing seeds, e.g. " + failures.stream().limit(3).toList());
    if (n >= Scenario.forProtocol(protocol()).size()) {
      assertEquals(Set.copyOf(Scenario.forProtocol(protocol())), covered);
    }
    assertTrue(blocks >= n, "final blocks " + blocks);
  }

  @Test
  void sameSeedReproducesTheRunExactly() {
    for (Scenario sc : Scenario.forProtocol(protocol())) {
      SimulationResult a = Simulation.of(protocol(), 4242).scenario(sc).run();
      SimulationResult b = Simulation.of(protocol(), 4242).scenario(sc).run();
      assertEquals(a.trace(), b.trace(), sc.name());
      assertEquals(a.finalBlocks(), b.finalBlocks());
      assertEquals(a.messages(), b.messages());
    }
    SimulationResult c = Simulation.of(protocol(), 4243).scenario(Scenario.HEALTHY).run();
    SimulationResult d = Simulation.of(protocol(), 4242).scenario(Scenario.HEALTHY).run();
    assertNotEquals(c.trace(), d.trace());
  }

  @Test
  void sharedVerificationCacheDoesNotChangeTheRun() {
    SimulationResult a = Simulation.of(protocol(), 99).scenario(Scenario.CRASH_RESTART).run();
    SimulationResult b = Simulation.of(protocol(), 99).scenario(Scenario.CRASH_RESTART).shareVerification(false).run();
    assertEquals(a.trace(), b.trace());
  }

  @Test
  void rejectedBlocksNeverBecomeFinalAndTheChainResumesAfterwards() {
    SimulationResult r = Simulation.of(protocol(), 5).scenario(Scenario.HEALTHY).rejectAllUntil(2_000).run();
    assertTrue(r.passed(), r.safetyViolations() + " " + r.livenessFailures());
    assertTrue(r.rejections() > 0, "validators reported their refusals");
    assertTrue(r.finalBlocks() > 0 && r.latenciesMillis().length > 0);
  }

  @Test
  void chainResumesAfterAllNodesRestartAndAfterQuorumLoss() {
    for (Scenario sc : List.of(Scenario.ALL_RESTART, Scenario.MAJORITY_DOWN, Scenario.CRASH_RESTART)) {
      if (!Scenario.forProtocol(protocol()).contains(sc)) {
        continue;
      }
      for (long seed = 11; seed < 14; seed++) {
        SimulationResult r = Simulation.of(protocol(), seed).scenario(sc).run();
        assertTrue(r.passed(), sc + " seed " + seed + ": " + r.safetyViolations() + r.livenessFailures());
        assertTrue(r.latenciesMillis().length > 0, "entries submitted after recovery became final");
        assertTrue(r.latencyQuantile(1.0) <= Simulation.of(protocol(), seed).livenessBoundMillis());
      }
    }
  }

  @Test
  void votersTimeOutABookkeeperThatFellSilentWhileClientsSubmitOnlyToBookkeepers() {
    assumeTrue(!protocol().equals(SoloProtocol.NAME), "a single node has no one to take over its turn");
    long pastSilent = 0;
    for (long seed = 31; seed < 34; seed++) {
      SimulationResult r = Simulation.of(protocol(), seed).scenario(Scenario.SILENT_BOOKKEEPER).run();
      assertTrue(r.passed(), "seed " + seed + ": " + r.safetyViolations() + r.livenessFailures() + " " + r.replayCommand());
      assertTrue(r.latenciesMillis().length > 0, "entries submitted after stabilization became final");
      pastSilent += r.metrics().getOrDefault("heights_past_silent_bookkeeper", 0L);
    }
    // the control: heights whose first bookkeeper was the silent one became final in a later round
    assertTrue(pastSilent >= 3, "heights past the silent bookkeeper: " + pastSilent);
  }

  @Test
  void equivocationsBecomeEvidence() {
    assumeTrue(!protocol().equals(SoloProtocol.NAME), "a single node has no peers to equivocate to");
    for (Scenario sc : List.of(Scenario.EQUIVOCATING_BOOKKEEPER, Scenario.DOUBLE_SIGNING_AUDITOR)) {
      SimulationResult r = Simulation.of(protocol(), 21).scenario(sc).run();
      assertTrue(r.passed(), r.safetyViolations() + " " + r.livenessFailures());
      assertTrue(r.evidence() > 0, sc + " produced evidence");
    }
  }

  @Test
  void largerFederationsStaySafeAndLive() {
    assumeTrue(!protocol().equals(SoloProtocol.NAME));
    for (Scenario sc : List.of(Scenario.MIXED_BYZANTINE, Scenario.LOSSY, Scenario.VOTE_WITHHOLDER)) {
      SimulationResult r = Simulation.of(protocol(), 77).scenario(sc).members(7, 7).run();
      assertTrue(r.passed(), sc + ": " + r.safetyViolations() + r.livenessFailures() + " " + r.replayCommand());
      assertTrue(r.finalBlocks() > 0);
    }
  }

  // ---------------------------------------------------------------- direct drive, no simulator

  @Test
  void directDriveOverTheSansIoInterfaceCommitsCertifiedBlocks() {
    int fed = protocol().equals(SoloProtocol.NAME) ? 1 : 4;
    int aud = protocol().equals(RotatingAuditProtocol.NAME) ? 4 : 0;
    List<Ed25519PrivateKey> keys = new ArrayList<>();
    for (int i = 0; i < fed + aud; i++) {
      keys.add(Ed25519PrivateKey.fromSeed(Sha256.hash(("direct/" + i).getBytes(StandardCharsets.UTF_8)).toByteArray()));
    }
    List<Ed25519PublicKey> f = new ArrayList<>();
    List<Ed25519PublicKey> a = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      (i < fed ? f : a).add(keys.get(i).publicKey());
    }
    VoterSet m = new VoterSet(f, a);
    Digest chain = Sha256.hash("direct".getBytes(StandardCharsets.UTF_8));
    long[] now = {0};
    Clock clock = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId z) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(1_600_000_000_000L + now[0]);
      }
    };
    DirectDriver driver = new DirectDriver(t -> now[0] = t, 2);
    List<SimApp> apps = new ArrayList<>();
    for (Ed25519PrivateKey k : keys) {
      SimApp app = new SimApp(chain, m, new SimLedger(), 1_000);
      apps.add(app);
      ConsensusContext ctx = new ConsensusContext(k, clock, new SplittableRandom(1), new InMemorySafetyStore());
      driver.add(k.publicKey(), Protocols.create(protocol(), app, ctx, ConsensusConfig.defaults()
          .withBatching(10, 1 << 20, java.time.Duration.ofMillis(20))));
    }
    Ed25519PrivateKey client = Ed25519PrivateKey.fromSeed(new byte[32]);
    for (int e = 0; e < 25; e++) {
      driver.at(5 + e * 7L, e % keys.size(), new Event.EntrySubmitted(SimEntry.sign(client, e, new byte[] {(byte) e}).encode()));
    }
    driver.runUntil(5_000);
    long entries = driver.commits(0).stream().mapToLong(Action.Committed::entries).sum();
    assertEquals(25, entries, "every submitted entry is final");
    List<Ed25519PublicKey> voters = Protocols.voters(protocol(), m);
    SimApp first = apps.get(0);
    for (SimApp d : apps) {
      assertEquals(first.committedHeight(), d.committedHeight());
      for (long h = 1; h <= d.committedHeight(); h++) {
        assertEquals(first.committedBlock(h).hash(), d.committedBlock(h).hash());
        QuorumCertificate c = d.certificate(h);
        assertTrue(c.verify(chain, voters), "certificate of height " + h + " verifies");
        assertEquals(StatementKind.PRECOMMIT, c.statement().kind());
        assertTrue(m.federation().contains(d.committedBlock(h).proposer()), "block names its bookkeeper");
        assertTrue(c.signers().size() >= VoterSet.quorum(voters.size()), "certificate names its auditors");
      }
    }
  }
}
