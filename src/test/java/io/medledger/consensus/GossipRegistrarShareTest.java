package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.ValidationResult;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.storage.InMemoryBlockStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One peer's gossip holds at most the registrar share of one registrar's patient registrations in
 * a proposer's pool, counted per peer: a hostile member's gossip naming a registrar takes none of
 * the room of another member's gossip or of the proposer's own submissions.
 */
class GossipRegistrarShareTest {
  private final ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(0).build();

  /** The bft engine of the proposer of height 1, its gossip share {@code perShare}. */
  private ConsensusProtocol proposer(int perShare) {
    Ledger l = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
        .certificatePolicy(LedgerApp.certificatePolicy(BftProtocol.NAME)).open();
    assertInstanceOf(ValidationResult.Accepted.class, l.append(f.ledger.block(0)));
    LedgerApp app = new LedgerApp(l);
    Ed25519PublicKey first = QuorumEngine.proposerOf(app.membership(1), 1, 0);
    Actor me = f.federation.stream().filter(a -> a.publicKey().equals(first)).findFirst().orElseThrow();
    ConsensusConfig cfg = ConsensusConfig.defaults().withBatching(1000, 4 << 20, Duration.ofMillis(50))
        .withGossipedPerShare(perShare);
    ConsensusProtocol p = Protocols.create(BftProtocol.NAME, app,
        new ConsensusContext(me.key(), f.clock, new SplittableRandom(5), new InMemorySafetyStore()), cfg);
    p.handle(new Event.Start());
    return p;
  }

  /** A federation server other than the proposer of height 1 (index {@code n} among them). */
  private Ed25519PublicKey member(int n) {
    Ed25519PublicKey first = QuorumEngine.proposerOf(new VoterSet(
        f.federation.stream().map(Actor::publicKey).toList(), List.of()), 1, 0);
    return f.federation.stream().map(Actor::publicKey).filter(k -> !k.equals(first)).toList().get(n);
  }

  private List<byte[]> registrations(String prefix, int n, Actor registrar) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(f.registerPatient(f.actor(prefix + i), registrar).encode());
    }
    return out;
  }

  /** The entry ids of the first block {@code p} proposes, firing its timers as the clock moves on. */
  private Set<Digest> proposed(ConsensusProtocol p, List<Action> actions) {
    for (int step = 0; step < 10; step++) {
      for (Action a : actions) {
        if (a instanceof Action.Broadcast b && b.message() instanceof ConsensusMessage.Proposal prop) {
          Set<Digest> ids = new HashSet<>();
          for (Entry e : io.medledger.chain.Block.decode(prop.block()).entries()) {
            ids.add(e.id());
          }
          return ids;
        }
      }
      f.clock.advance(Duration.ofMillis(100));
      List<Action> next = new ArrayList<>();
      for (Action a : actions) {
        if (a instanceof Action.SetTimer t) {
          next.addAll(p.handle(new Event.TimerFired(t.timer())));
        }
      }
      actions = next;
    }
    throw new AssertionError("no proposal");
  }

  private static List<Action> gossip(ConsensusProtocol p, Ed25519PublicKey from, List<byte[]> entries) {
    return p.handle(new Event.MessageReceived(from, new ConsensusMessage.EntryBatch(entries).encode()));
  }

  private static Set<Digest> ids(List<byte[]> entries) {
    Set<Digest> ids = new HashSet<>();
    for (byte[] e : entries) {
      ids.add(Entry.decode(e).id());
    }
    return ids;
  }

  @Test
  void theShareIsTheRegistrarAPatientRegistrationNamesAndNothingElseHasOne() {
    LedgerApp app = new LedgerApp(f.ledger);
    byte[] reg = f.registerPatient(f.actor("p"), f.hospitalA).encode();
    assertEquals(Optional.of(f.hospitalA.id().digest()), app.shareOf(reg));
    assertEquals(Optional.empty(), app.shareOf(f.registerClinician(f.actor("c"), f.hospitalA).encode()));
    assertEquals(Optional.empty(), app.shareOf(java.util.Arrays.copyOf(reg, reg.length - 1)), "cut short");
    assertEquals(Optional.empty(), app.shareOf(new byte[0]));
    assertEquals(Optional.empty(), app.shareOf(new byte[] {1, reg[1]}));
  }

  /**
   * A member gossiping six registrations of one registrar gets three of them (the share) into the
   * pool, and those of another registrar besides; with a larger share (the control) all six go in.
   */
  @Test
  void onePeersGossipHoldsAtMostTheShareOfOneRegistrar() {
    List<byte[]> flood = registrations("flood-", 6, f.hospitalA);
    List<byte[]> other = registrations("other-", 2, f.hospitalB);
    List<byte[]> batch = new ArrayList<>(flood);
    batch.addAll(other);

    ConsensusProtocol control = proposer(100);
    Set<Digest> all = proposed(control, gossip(control, member(0), batch));
    assertEquals(ids(batch), all, "control: a share above the flood admits all of it");

    ConsensusProtocol p = proposer(3);
    Set<Digest> some = proposed(p, gossip(p, member(0), batch));
    assertEquals(ids(flood.subList(0, 3)).size() + other.size(), some.size(), some.toString());
    assertTrue(some.containsAll(ids(flood.subList(0, 3))), "the first three of the registrar's are held");
    assertTrue(some.containsAll(ids(other)), "another registrar's are held besides");
  }

  /**
   * A hostile member fills its share of a registrar with registrations that name it but carry no
   * valid countersignature; another member's gossip of that registrar's genuine registrations, and
   * the proposer's own submissions of them, still all go into the block, the forgeries none.
   */
  @Test
  void aHostilePeersGossipDoesNotUseUpAnHonestRegistrarsShare() {
    int share = 3;
    List<byte[]> forged = new ArrayList<>();
    for (byte[] e : registrations("forged-", share, f.hospitalA)) {
      byte[] x = e.clone();
      x[x.length - 1] ^= 1; // the last signature's last byte
      forged.add(x);
    }
    assertEquals(Optional.of(f.hospitalA.id().digest()), new LedgerApp(f.ledger).shareOf(forged.get(0)),
        "the forgeries name the honest registrar");
    List<byte[]> honest = registrations("honest-", share, f.hospitalA);
    List<byte[]> local = registrations("local-", 2, f.hospitalA);

    ConsensusProtocol p = proposer(share);
    List<Action> actions = new ArrayList<>(gossip(p, member(0), forged));
    actions.addAll(gossip(p, member(1), honest));
    for (byte[] e : local) {
      actions.addAll(p.handle(new Event.EntrySubmitted(e)));
    }
    Set<Digest> block = proposed(p, actions);
    Set<Digest> expected = ids(honest);
    expected.addAll(ids(local));
    assertEquals(expected, block);
  }
}
