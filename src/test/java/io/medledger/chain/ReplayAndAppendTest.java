package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.storage.InMemoryBlockStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reopening a store replays and checks every block; appending checks the block still extends the tip. */
class ReplayAndAppendTest {
  private static ChainFixture chain() {
    ChainFixture f = ChainFixture.builder().federationServers(1).auditServers(4).build();
    f.commit(f.registerPatient(f.actor("alice")));
    f.commit(f.registerPatient(f.actor("bob")));
    return f;
  }

  /** A store holding blocks 0..n-1 of {@code f}, then {@code extra}. */
  private static InMemoryBlockStore copy(ChainFixture f, long n, CertifiedBlock... extra) {
    InMemoryBlockStore s = new InMemoryBlockStore();
    for (long h = 0; h < n; h++) {
      s.append(f.ledger.block(h).encode());
    }
    for (CertifiedBlock b : extra) {
      s.append(b.encode());
    }
    return s;
  }

  private static Ledger open(ChainFixture f, InMemoryBlockStore s, Ledger.ReplayMode mode) {
    return Ledger.builder(f.params).store(s).clock(f.clock).certificatePolicy(CertificatePolicy.auditQuorum())
        .replay(mode).open();
  }

  @Test
  void anIntactStoreReopensInBothModes() {
    ChainFixture f = chain();
    long n = f.ledger.height() + 1;
    for (Ledger.ReplayMode m : Ledger.ReplayMode.values()) {
      Ledger l = open(f, copy(f, n), m);
      assertEquals(f.ledger.tip(), l.tip());
      assertEquals(f.ledger.membership(), l.membership());
    }
  }

  @Test
  void aStoredBlockThatDoesNotValidateStopsTheReplay() {
    ChainFixture f = chain();
    Actor alice = f.actor("alice");
    // a well-formed block with correct roots whose only entry is a duplicate registration
    Block bad = f.rawBlock(List.of(f.sign(new PatientRegistration(alice.publicKey(), f.now(), List.of()), alice)));
    assertFalse(f.ledger.validate(bad).isAccepted());
    CertifiedBlock cb = new CertifiedBlock(bad, f.certify(bad.header()));
    long n = f.ledger.height() + 1;
    for (Ledger.ReplayMode m : Ledger.ReplayMode.values()) {
      LedgerReplayException e = assertThrows(LedgerReplayException.class, () -> open(f, copy(f, n, cb), m));
      assertEquals(n, e.height());
      assertTrue(e.getMessage().contains("key already registered"), e.getMessage());
    }
  }

  @Test
  void aStoredBlockWithAFailingCertificateStopsAFullReplay() {
    ChainFixture f = chain();
    long n = f.ledger.height();
    CertifiedBlock last = f.ledger.block(n);
    // two of four audit signatures: below the quorum of three
    List<Endorsement> two = last.certificate().signatures().subList(0, 2);
    CertifiedBlock weak = new CertifiedBlock(last.block(), new Certificate(two, ByteString.EMPTY));
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> open(f, copy(f, n, weak), Ledger.ReplayMode.FULL));
    assertEquals(n, e.height());
    assertTrue(e.getMessage().contains("audit signatures"), e.getMessage());
    CertifiedBlock none = new CertifiedBlock(last.block(), Certificate.EMPTY);
    assertThrows(LedgerReplayException.class, () -> open(f, copy(f, n, none), Ledger.ReplayMode.FULL));
    // skipping signatures trusts the local store's certificates
    assertEquals(f.ledger.tip(), open(f, copy(f, n, weak), Ledger.ReplayMode.SKIP_SIGNATURES).tip());
  }

  @Test
  void aBlockIsNotAppendedOnceTheTipHasMoved() {
    ChainFixture f = chain();
    VerifiedBlock first = f.propose(List.of(f.registerPatient(f.actor("carol"))));
    VerifiedBlock second = f.propose(List.of(f.registerPatient(f.actor("dave"))));
    long before = f.ledger.height();
    assertTrue(f.ledger.append(first, f.certify(first.header())).isAccepted());
    ValidationResult<CertifiedBlock> r = f.ledger.append(second, f.certify(second.header()));
    assertEquals("the tip moved since the block was validated", r.reason());
    assertEquals(before + 1, f.ledger.height());
    assertEquals(first.header(), f.ledger.tip().orElseThrow());
    assertFalse(f.ledger.participant(io.medledger.access.ParticipantId.of(f.actor("dave").publicKey())).isPresent());
    // the same block cannot be appended twice either
    assertEquals("the tip moved since the block was validated", f.ledger.append(first, f.certify(first.header())).reason());
  }

  @Test
  void aBlockVerifiedByAnotherLedgerIsRefused() {
    ChainFixture f = chain();
    ChainFixture g = chain();
    VerifiedBlock fromG = g.propose(List.of(g.registerPatient(g.actor("carol"))));
    assertEquals("the block was verified by another ledger", f.ledger.append(fromG, f.certify(fromG.header())).reason());
  }
}
