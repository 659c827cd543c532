package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.pre.SecretKey;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.testing.DelegatingStateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A proxy's grants that wait for their parties' keys are tried again when one of those parties
 * publishes keys, and only then: a key card published to a node (any participant may publish its
 * own once) costs the proxy the grants naming that participant, not every grant that waits.
 */
class ProxyWaitingTest {
  /** Counts the state store reads (keys got, entries scanned) the ledger makes. */
  private static final class CountingState extends DelegatingStateStore {
    final AtomicInteger reads = new AtomicInteger();

    CountingState() {
      super(new InMemoryStateStore());
    }

    @Override
    public byte[] get(byte[] key) {
      reads.incrementAndGet();
      return inner.get(key);
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      inner.scan(from, to, (k, v) -> {
        reads.incrementAndGet();
        return visitor.visit(k, v);
      });
    }
  }

  @Test
  void aPublishedKeyRetriesOnlyTheGrantsWaitingForThatParty() {
    CountingState state = new CountingState();
    ChainFixture f = ChainFixture.builder().state(state).build();
    // the proxy checks grants against its real clock: grants made ten minutes ago (the fixture's
    // clock moves on with each block) are in force for a year
    f.clock.set(Math.max(f.now(), System.currentTimeMillis() - 600_000));
    Actor server = f.federation.get(0);
    Actor doc = f.actor("dr");
    List<Actor> patients = new ArrayList<>();
    List<Entry> registrations = new ArrayList<>(List.of(f.registerClinician(doc, f.hospitalA)));
    for (int i = 0; i < 40; i++) {
      patients.add(f.actor("patient-" + i));
      registrations.add(f.registerPatient(patients.get(i)));
    }
    f.commit(registrations);
    // forty grants naming the server as proxy, none of whose parties has published keys
    List<AccessGrant> grants = new ArrayList<>();
    for (Actor p : patients) {
      grants.add(f.grantWithProxies(p, doc, Purpose.TREATMENT, AccessScope.all(), List.of(server), 1));
    }
    f.commit(new ArrayList<>(grants));
    Map<ParticipantId, KeyCard> cards = new ConcurrentHashMap<>();
    ProxyService s = new ProxyService(f.ledger, server.id(), SecretKey.random(), new NodeMetrics() {},
        id -> Optional.ofNullable(cards.get(id)));
    s.replay();
    grants.forEach(g -> assertTrue(s.isWaiting(g.id()), "waits for keys"));

    // a participant no waiting grant names publishes its card: nothing is read
    Actor stranger = f.actor("stranger");
    cards.put(stranger.id(), card(stranger, ParticipantKind.PATIENT));
    int before = state.reads.get();
    s.retryWaiting(stranger.id());
    assertEquals(before, state.reads.get(), "state reads for a card no waiting grant needs");

    // the grantee's card: every grant names it, each is tried and still waits for its patient
    cards.put(doc.id(), card(doc, ParticipantKind.CLINICIAN));
    s.retryWaiting(doc.id());
    grants.forEach(g -> assertTrue(s.isWaiting(g.id()), "still waits for its patient's keys"));

    // one patient's card: its grant alone is tried (and taken, or refused for its fixture fragment)
    cards.put(patients.get(0).id(), card(patients.get(0), ParticipantKind.PATIENT));
    before = state.reads.get();
    s.retryWaiting(patients.get(0).id());
    int one = state.reads.get() - before;
    assertTrue(one > 0 && one < grants.size(), "state reads for one patient's card: " + one);
    assertFalse(s.isWaiting(grants.get(0).id()));
    assertTrue(s.holds(grants.get(0).id()) || s.problem(grants.get(0).id()).isPresent());
    grants.subList(1, grants.size()).forEach(g -> assertTrue(s.isWaiting(g.id()), "the others still wait"));
  }

  private static KeyCard card(Actor a, ParticipantKind kind) {
    return Identity.of(kind, a.name(), a.key(), SecretKey.random(), SecretKey.random()).card();
  }
}
