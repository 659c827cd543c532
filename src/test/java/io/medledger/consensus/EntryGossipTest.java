package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MutableClock;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.sim.SimApp;
import io.medledger.consensus.sim.SimBlock;
import io.medledger.consensus.sim.SimEntry;
import io.medledger.consensus.sim.SimLedger;
import io.medledger.consensus.sim.Simulation;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Entry batches are unsigned: the engine takes one from a member that the transport names, and
 * ignores one from any other key; the encoding carries the entries and nothing else.
 */
class EntryGossipTest {
  private static final long T0 = 1_700_000_000_000L;
  private final Digest chainId = Sha256.hash("entry-gossip".getBytes(StandardCharsets.US_ASCII));
  private final List<Ed25519PrivateKey> keys = new ArrayList<>();
  private final VoterSet membership;
  private final Ed25519PrivateKey client = Ed25519PrivateKey.fromSeed(new byte[32]);

  EntryGossipTest() {
    for (int i = 0; i < 4; i++) {
      keys.add(Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {'g', (byte) i}).toByteArray()));
    }
    membership = new VoterSet(keys.stream().map(Ed25519PrivateKey::publicKey).toList(), List.of());
  }

  private byte[] entry(long nonce) {
    return SimEntry.sign(client, nonce, new byte[] {(byte) nonce, 7}).encode();
  }

  /** The entries of the first block the proposer of height 1 proposes after two batches arrive. */
  private List<byte[]> proposedAfter(Ed25519PublicKey firstSender, Ed25519PublicKey secondSender) {
    MutableClock clock = new MutableClock(T0);
    ConsensusProtocol p = proposerOfHeightOne(clock, SignatureVerifier.DIRECT);
    List<Action> actions = new ArrayList<>(p.handle(new Event.Start()));
    actions.addAll(p.handle(new Event.MessageReceived(firstSender,
        new ConsensusMessage.EntryBatch(List.of(entry(1))).encode())));
    actions.addAll(p.handle(new Event.MessageReceived(secondSender,
        new ConsensusMessage.EntryBatch(List.of(entry(2))).encode())));
    return untilProposal(p, clock, actions, Duration.ofMinutes(1))
        .map(prop -> SimBlock.decode(prop.block()).entries()).orElse(List.of());
  }

  /** The bft engine of the proposer of height 1 on {@code clock}, checking signatures with {@code verifier}. */
  private ConsensusProtocol proposerOfHeightOne(MutableClock clock, SignatureVerifier verifier) {
    Ed25519PublicKey proposerKey = QuorumEngine.proposerOf(membership, 1, 0);
    Ed25519PrivateKey me = keys.get(membership.federation().indexOf(proposerKey));
    return Protocols.create(BftProtocol.NAME, new SimApp(chainId, membership, new SimLedger(), 1_000),
        new ConsensusContext(me, clock, new SplittableRandom(1), new InMemorySafetyStore(), verifier),
        Simulation.defaultConfig());
  }

  /**
   * The first proposal among {@code actions}, or among what firing their timers gives after the
   * clock moves on by {@code step}, and so on for a few steps; empty if none goes out.
   */
  private static java.util.Optional<ConsensusMessage.Proposal> untilProposal(ConsensusProtocol p, MutableClock clock,
      List<Action> actions, Duration step) {
    for (int round = 0; round < 5; round++) {
      for (Action a : actions) {
        if (a instanceof Action.Broadcast b && b.message() instanceof ConsensusMessage.Proposal prop) {
          return java.util.Optional.of(prop);
        }
      }
      List<Action> next = new ArrayList<>();
      clock.advance(step);
      for (Action a : actions) {
        if (a instanceof Action.SetTimer t) {
          next.addAll(p.handle(new Event.TimerFired(t.timer())));
        }
      }
      actions = next;
    }
    return java.util.Optional.empty();
  }

  @Test
  void aBatchFromAMemberIsTakenAndOneFromAnyOtherKeyIsIgnored() {
    Ed25519PublicKey member = keys.get(1).publicKey();
    Ed25519PublicKey stranger = Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {'s'}).toByteArray()).publicKey();
    List<byte[]> both = proposedAfter(member, keys.get(2).publicKey());
    assertEquals(2, both.size(), "control: batches from two members are both proposed");
    List<byte[]> one = proposedAfter(stranger, member);
    assertEquals(1, one.size(), "only the member's batch is proposed");
    assertArrayEquals(entry(2), one.get(0));
  }

  /** {@link #entry} with its signature's last byte flipped: decodable, never valid. */
  private byte[] forgedEntry(long nonce) {
    byte[] e = entry(nonce);
    e[e.length - 1] ^= 1;
    return e;
  }

  /**
   * How many signature checks the proposer of height 1 makes on a signed status from {@code member}
   * (then from {@code other}), after {@code member} gossiped {@code batch} and the proposer proposed.
   */
  private int[] statusChecksAfterGossip(Ed25519PrivateKey member, Ed25519PrivateKey other, List<byte[]> batch) {
    MutableClock clock = new MutableClock(T0);
    java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
    ConsensusProtocol p = proposerOfHeightOne(clock, (k, m, sig) -> {
      checks.incrementAndGet();
      return k.verify(m, sig);
    });
    List<Action> actions = new ArrayList<>(p.handle(new Event.Start()));
    actions.addAll(p.handle(new Event.MessageReceived(member.publicKey(), new ConsensusMessage.EntryBatch(batch).encode())));
    actions.addAll(p.handle(new Event.EntrySubmitted(entry(1_000))));
    // short steps: the member's budget must not refill before its statuses are sent
    assertTrue(untilProposal(p, clock, actions, Duration.ofMillis(100)).isPresent(), "the proposer proposed");
    int[] seen = new int[2];
    Ed25519PrivateKey[] from = {member, other};
    for (int i = 0; i < 2; i++) {
      int before = checks.get();
      int index = membership.federation().indexOf(from[i].publicKey());
      p.handle(new Event.MessageReceived(from[i].publicKey(),
          ConsensusMessage.Status.sign(1, 0, index, from[i], chainId).encode()));
      seen[i] = checks.get() - before;
    }
    return seen;
  }

  /**
   * An honest member gossips only entries it checked, so a member that gossips entries whose
   * signatures fail is charged for them when the proposer leaves them out, as for bad signatures
   * on its own messages: beyond the burst it is not heard for a while, so its flood costs each
   * proposer at most one block's worth of checks, not one check per entry it sends for ever.
   */
  @Test
  void aMemberGossipingForgedEntriesIsChargedForThem() {
    Ed25519PrivateKey member = keys.stream()
        .filter(k -> !k.publicKey().equals(QuorumEngine.proposerOf(membership, 1, 0))).findFirst().orElseThrow();
    Ed25519PrivateKey other = keys.stream()
        .filter(k -> !k.publicKey().equals(QuorumEngine.proposerOf(membership, 1, 0)) && k != member)
        .findFirst().orElseThrow();
    int count = QuorumEngine.FORGED_BURST + 36;
    List<byte[]> valid = new ArrayList<>();
    List<byte[]> forged = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      valid.add(entry(i));
      forged.add(i % 10 == 0 ? new byte[] {1, 2, 3} : forgedEntry(i));
    }
    int[] control = statusChecksAfterGossip(member, other, valid);
    assertEquals(1, control[0], "control: a member that gossiped valid entries is heard");
    assertEquals(1, control[1]);
    int[] after = statusChecksAfterGossip(member, other, forged);
    assertEquals(0, after[0], "a member that gossiped forged entries is not heard once charged for them");
    assertEquals(1, after[1], "another member is still heard");
  }

  /** A {@code rotating-audit} member of {@code members} with key {@code me}, on {@code clock}. */
  private ConsensusProtocol rotatingAudit(VoterSet members, Ed25519PrivateKey me, MutableClock clock, long seed) {
    return Protocols.create(RotatingAuditProtocol.NAME, new SimApp(chainId, members, new SimLedger(), 1_000),
        new ConsensusContext(me, clock, new SplittableRandom(seed), new InMemorySafetyStore(), SignatureVerifier.DIRECT),
        Simulation.defaultConfig());
  }

  /**
   * Entries reach every member, the audit servers included, although only federation servers
   * propose: a voter sends a timeout against a silent proposer only while it holds an entry that
   * has waited a round timeout. Gossiping to the federation alone left a testnet whose proposer was
   * down stuck at its height ({@code TestnetDemoProcessTest}, 2026-12-05).
   */
  @Test
  void entriesReachTheVotersTooSoThatTheyTimeOutASilentProposer() {
    List<Ed25519PrivateKey> auditors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      auditors.add(Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {'a', (byte) i}).toByteArray()));
    }
    VoterSet withAuditors = new VoterSet(membership.federation(), auditors.stream().map(Ed25519PrivateKey::publicKey).toList());
    // a federation server that is not the proposer of height 1 gossips a submitted entry
    Ed25519PrivateKey sender = keys.stream()
        .filter(k -> !k.publicKey().equals(QuorumEngine.proposerOf(withAuditors, 1, 0))).findFirst().orElseThrow();
    MutableClock clock = new MutableClock(T0);
    ConsensusProtocol fed = rotatingAudit(withAuditors, sender, clock, 1);
    fed.handle(new Event.Start());
    List<Action> actions = new ArrayList<>(fed.handle(new Event.EntrySubmitted(entry(9))));
    clock.advance(Duration.ofSeconds(1));
    for (Action a : List.copyOf(actions)) {
      if (a instanceof Action.SetTimer t && t.timer().name().equals("gossip")) {
        actions.addAll(fed.handle(new Event.TimerFired(t.timer())));
      }
    }
    byte[] batch = null;
    for (Action a : actions) {
      if (a instanceof Action.Broadcast b && b.message() instanceof ConsensusMessage.EntryBatch e) {
        batch = e.encode();
      }
    }
    assertTrue(batch != null, "the entry is gossiped to every member");

    // the auditor that received it, with the proposer of height 1 silent, times the round out
    MutableClock auditorClock = new MutableClock(T0);
    ConsensusProtocol auditor = rotatingAudit(withAuditors, auditors.get(0), auditorClock, 2);
    List<Action> pending = new ArrayList<>(auditor.handle(new Event.Start()));
    pending.addAll(auditor.handle(new Event.MessageReceived(sender.publicKey(), batch)));
    boolean timedOut = false;
    for (int step = 0; step < 10 && !timedOut; step++) {
      auditorClock.advance(Duration.ofSeconds(5));
      List<Action> next = new ArrayList<>();
      for (Action a : pending) {
        if (a instanceof Action.SetTimer t && t.timer().name().equals("round")) {
          next.addAll(auditor.handle(new Event.TimerFired(t.timer())));
        }
      }
      for (Action a : next) {
        timedOut |= a instanceof Action.Broadcast b && b.message() instanceof ConsensusMessage.Timeout;
      }
      pending = next;
    }
    assertTrue(timedOut, "an auditor holding a gossiped entry sends a timeout against a silent proposer");
  }

  @Test
  void theEncodingIsTheTagTheCountAndTheEntries() {
    byte[] a = entry(1);
    byte[] enc = new ConsensusMessage.EntryBatch(List.of(a, new byte[0])).encode();
    assertEquals(1 + 4 + 4 + a.length + 4, enc.length);
    assertEquals(ConsensusMessage.TAG_ENTRIES, enc[0]);
    ConsensusMessage back = ConsensusMessage.decode(enc, 1 << 20);
    assertTrue(back instanceof ConsensusMessage.EntryBatch);
    assertArrayEquals(enc, back.encode());
    byte[] trailing = java.util.Arrays.copyOf(enc, enc.length + 64); // version 1 carried a signature here
    assertThrows(MalformedEncodingException.class, () -> ConsensusMessage.decode(trailing, 1 << 20));
    assertThrows(IllegalStateException.class, () -> back.signingBytes(chainId));
  }
}
