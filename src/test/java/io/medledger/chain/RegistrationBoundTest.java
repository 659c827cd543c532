package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One registrar countersigns at most {@link ChainParameters#registrationsPerRegistrar()} patient
 * registrations per block: a hostile registrar (one clinician key) that floods the ledger with
 * registrations of made-up patients has the excess deferred by every proposer, never dropped, while
 * other registrars' registrations go into the same block; a block over the bound is refused by
 * validation (what every audit server runs before it votes) and on replay; below the chain's
 * {@link ChainParameters#registrationBoundFrom()} the bound does not apply, so an older chain replays.
 */
class RegistrationBoundTest {
  private static final int K = 3;

  /** A chain whose registrars countersign at most {@link #K} registrations per block from {@code from} on. */
  private static ChainFixture chain(long from) {
    return ChainFixture.builder().federationServers(4).auditServers(1).registrationBound(K, from).build();
  }

  private static Actor clinician(ChainFixture f, String name) {
    Actor doc = f.actor(name);
    f.commit(f.registerClinician(doc, f.hospitalA));
    return doc;
  }

  private static List<Entry> registrations(ChainFixture f, String prefix, int n, Actor registrar) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(f.registerPatient(f.actor(prefix + i), registrar));
    }
    return out;
  }

  private static ValidationResult<BlockCandidate> propose(ChainFixture f, List<Entry> pending) {
    return f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), pending);
  }

  private static Map<ParticipantId, Integer> perRegistrar(Block b) {
    Map<ParticipantId, Integer> n = new HashMap<>();
    for (Entry e : b.entries()) {
      if (e instanceof PatientRegistration p) {
        n.merge(p.registrar().orElseThrow(), 1, Integer::sum);
      }
    }
    return n;
  }

  @Test
  void theParameterDefaultsTo64FromGenesisAndIsValidated() {
    ChainParameters d = ChainParameters.defaults("c");
    assertEquals(64, d.registrationsPerRegistrar());
    assertEquals(0, d.registrationBoundFrom());
    assertTrue(d.registrationBound(0));
    ChainParameters later = d.withRegistrationBound(5, 10);
    assertFalse(later.registrationBound(9));
    assertTrue(later.registrationBound(10));
    assertEquals(d.chainId(), later.chainId(), "the bound does not change the chain id");
    assertThrows(IllegalArgumentException.class, () -> d.withRegistrationBound(0, 0));
    assertThrows(IllegalArgumentException.class, () -> d.withRegistrationBound(Limits.MAX_BLOCK_ENTRIES + 1, 0));
    assertThrows(IllegalArgumentException.class, () -> d.withRegistrationBound(1, -1));
    assertEquals(Limits.MAX_BLOCK_ENTRIES, d.withRegistrationBound(Limits.MAX_BLOCK_ENTRIES, 0)
        .registrationsPerRegistrar());
  }

  @Test
  void exactlyTheBoundIsAcceptedAndOneMoreRefusedNamingTheRule() {
    ChainFixture f = chain(0);
    Actor doc = clinician(f, "dr-flood");
    List<Entry> atBound = registrations(f, "p", K, doc);
    assertTrue(f.ledger.validate(f.rawBlock(atBound)).isAccepted(), "K registrations of one registrar");
    List<Entry> over = registrations(f, "q", K + 1, doc);
    for (Entry e : over) {
      assertTrue(f.ledger.checkEntry(e).isAccepted(), "each alone is admissible");
    }
    ValidationResult<VerifiedBlock> audit = f.ledger.validate(f.rawBlock(over));
    assertFalse(audit.isAccepted(), "K + 1 registrations of one registrar");
    assertTrue(audit.reason().contains("entry " + K + " "), audit.reason());
    assertTrue(audit.reason().contains("registrar " + doc.id() + " already countersigned " + K
        + " patient registrations in this block"), audit.reason());
    assertTrue(audit.reason().contains("registrations per registrar bound"), audit.reason());
    assertFalse(f.ledger.validateCertified(f.rawBlock(over)).isAccepted(), "refused on catch-up too");
    // the bound is per registrar: K of one and K of another fill one block
    List<Entry> two = new ArrayList<>(registrations(f, "r", K, doc));
    two.addAll(registrations(f, "s", K, f.hospitalB));
    assertTrue(f.ledger.validate(f.rawBlock(two)).isAccepted());
  }

  @Test
  void aFloodingRegistrarIsDeferredBlockByBlockWhileAnHonestOneGetsInAtOnce() {
    ChainFixture f = chain(0);
    Actor hostile = clinician(f, "dr-flood");
    int flood = 5 * K + 1;
    List<Entry> pending = new ArrayList<>(registrations(f, "fake-", flood, hostile));
    List<Entry> honest = registrations(f, "real-", 2, f.hospitalB);
    pending.addAll(honest); // queued behind the flood
    long first = f.ledger.height() + 1;
    int blocks = 0;
    while (!pending.isEmpty()) {
      BlockCandidate c = propose(f, pending).value();
      assertTrue(c.rejected().isEmpty(), () -> "nothing is dropped: " + c.rejected().stream().map(BlockCandidate.RejectedEntry::reason).toList());
      Block b = c.block().block();
      assertEquals(Math.min(K, pending.stream().filter(e -> !honest.contains(e)).count()),
          perRegistrar(b).getOrDefault(hostile.id(), 0).longValue(), "the hostile registrar takes K a block");
      assertEquals(pending.size(), b.entries().size() + c.deferred().size(), "the rest is deferred");
      f.ledger.append(c.block(), f.certify(b.header()));
      f.clock.advance(java.time.Duration.ofSeconds(1));
      pending = new ArrayList<>(c.deferred());
      blocks++;
    }
    assertEquals((flood + K - 1) / K, blocks, "every acknowledged registration is final after ceil(n / K) blocks");
    for (Entry e : honest) {
      assertEquals(first, f.ledger.locate(e.id()).orElseThrow().height(), "the honest registrations are in the first block");
    }
    assertEquals(ParticipantKind.PATIENT, f.ledger.participant(f.actor("fake-" + (flood - 1)).id()).orElseThrow().kind());
  }

  @Test
  void aBlockOverTheBoundIsRefusedOnReplayAndAnOlderChainReplaysWithItsHeight() {
    ChainFixture old = chain(5); // genesis is block 0; the bound binds from block 5
    Actor doc = clinician(old, "dr-old"); // block 1
    List<Entry> over = registrations(old, "o", K + 2, doc);
    assertTrue(old.ledger.validate(old.rawBlock(over)).isAccepted(), "below the height the bound does not apply");
    old.commit(over); // block 2
    assertEquals(2, old.ledger.height());
    Ledger again = Ledger.builder(old.params).store(old.storeCopy()).clock(old.clock)
        .certificatePolicy(CertificatePolicy.auditQuorum()).replay(Ledger.ReplayMode.FULL).open();
    assertEquals(old.ledger.tip(), again.tip());
    LedgerReplayException e = assertThrows(LedgerReplayException.class, () -> Ledger.builder(
        old.params.withRegistrationBound(K, 0)).store(old.storeCopy()).clock(old.clock)
        .certificatePolicy(CertificatePolicy.auditQuorum()).replay(Ledger.ReplayMode.FULL).open());
    assertEquals(2, e.height());
    assertTrue(e.getMessage().contains("registrations per registrar bound"), e.getMessage());
  }
}
