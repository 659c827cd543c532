package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Verifying signatures ahead of a block saves work, and no rule. */
class VerifyAheadTest {
  @Test
  void badSignaturesAreNamedAndEveryOtherRuleStillHolds() {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    Actor mallory = f.actor("mallory");
    Actor doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    PatientRegistration good = f.registerPatient(f.actor("bob"));
    // a grant signed by the wrong party: its signature verifies, its authorization does not
    AccessGrant forged = f.sign(new AccessGrant(alice.id(), f.hospitalA.id(), AccessScope.all(), Purpose.TREATMENT,
        f.now() - 1000, f.now() + 86_400_000L, List.of(), 0, List.of(), f.now(), List.of()), mallory);
    // a signature over other bytes
    PatientRegistration other = f.registerPatient(f.actor("carol"));
    Endorsement e = other.endorsements().get(0);
    byte[] sig = e.signature().toByteArray();
    sig[5] ^= 1;
    Entry tampered = other.withEndorsements(List.of(new Endorsement(e.signer(), ByteString.of(sig))));

    assertEquals(List.of(tampered), f.ledger.verifySignaturesAhead(List.of(good, forged, tampered)));
    BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(),
        List.of(good, forged, tampered)).value();
    assertEquals(List.of(good), c.block().block().entries());
    // the encoding remembered ahead is the entry's own: the proposal has the roots of fresh encodings
    Block fresh = f.ledger.assembleUnchecked(f.bookkeeper().id(), 0, f.now(), List.of(good));
    assertEquals(fresh.header().entriesRoot(), c.block().header().entriesRoot());
    assertEquals(fresh.header().ledgerRoot(), c.block().header().ledgerRoot());
    assertEquals(fresh.header().patientHeadsRoot(), c.block().header().patientHeadsRoot());
    assertEquals(2, c.rejected().size());
    assertTrue(c.rejected().get(0).reason().contains("signed"), c.rejected().get(0).reason());
    assertEquals("missing or invalid signature", c.rejected().get(1).reason());
    // a block holding the tampered entry is still refused by validation
    assertTrue(!f.ledger.validate(f.rawBlock(List.of(good, tampered))).isAccepted());
  }

  /**
   * A member may gossip old entries again (their ids are on the ledger), with their signatures or
   * with any others: a proposal refuses them as duplicates by a lookup before any signature is
   * checked, so replaying history costs a proposer no verification.
   */
  @Test
  void entriesAlreadyOnTheLedgerAreRefusedBeforeTheirSignaturesAreChecked() {
    ChainFixture f = ChainFixture.create();
    List<Entry> old = new java.util.ArrayList<>();
    for (int i = 0; i < BlockProcessor.BATCH_FROM + 4; i++) {
      old.add(f.registerPatient(f.actor("old-" + i)));
    }
    f.commit(old);
    List<Entry> replay = new java.util.ArrayList<>();
    for (Entry e : old) {
      Endorsement en = e.endorsements().get(0);
      byte[] sig = en.signature().toByteArray();
      sig[7] ^= 1;
      replay.add(((PatientRegistration) e).withEndorsements(List.of(new Endorsement(en.signer(), ByteString.of(sig)))));
    }
    PatientRegistration fresh = f.registerPatient(f.actor("fresh"));
    List<Entry> pending = new java.util.ArrayList<>(replay);
    pending.add(fresh);
    BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), pending).value();
    assertEquals(List.of(fresh), c.block().block().entries());
    assertEquals(replay.size(), c.rejected().size());
    for (BlockCandidate.RejectedEntry r : c.rejected()) {
      assertEquals("duplicate entry", r.reason());
      assertTrue(!r.forged());
    }
  }

  @Test
  void largeListsAreCheckedAsBatchesWithTheSameVerdicts() {
    ChainFixture f = ChainFixture.create();
    List<Entry> entries = new java.util.ArrayList<>();
    for (int i = 0; i < 3 * BlockProcessor.BATCH_FROM; i++) {
      entries.add(f.registerPatient(f.actor("patient-" + i)));
    }
    Entry victim = entries.get(29);
    Endorsement e = victim.endorsements().get(0);
    byte[] sig = e.signature().toByteArray();
    sig[40] ^= 1;
    Entry tampered = ((PatientRegistration) victim).withEndorsements(List.of(new Endorsement(e.signer(), ByteString.of(sig))));
    List<Entry> withBad = new java.util.ArrayList<>(entries);
    withBad.set(29, tampered);
    // proposing: every entry unverified, one bad among them
    BlockCandidate c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), withBad).value();
    assertEquals(withBad.size() - 1, c.block().block().entries().size());
    assertEquals(1, c.rejected().size());
    assertEquals(tampered, c.rejected().get(0).entry());
    assertEquals("missing or invalid signature", c.rejected().get(0).reason());
    // verifying ahead names it too, and passes the list without it
    assertEquals(List.of(tampered), f.ledger.verifySignaturesAhead(withBad));
    assertEquals(List.of(), f.ledger.verifySignaturesAhead(entries));
    BlockCandidate all = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), entries).value();
    assertEquals(entries.size(), all.block().block().entries().size());
  }
}
