package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.storage.InMemoryBlockStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link Ledger#validate} refuses the block it exists for with its own reason (a
 * block that breaks one rule breaks only that one, so no other rule can stand in for it), each
 * bound is exact, and the ledger's reads refuse heights outside the chain.
 */
class LedgerRulesTest {
  private static final Digest BAD = ChainFixture.digest("bad");

  private static ChainFixture chain() {
    ChainFixture f = ChainFixture.create();
    f.commit(f.registerPatient(f.actor("alice")));
    return f;
  }

  /** A header like {@code h} with the given fields changed. */
  private record H(BlockHeader h) {
    BlockHeader with(Digest chain, long height, Digest prev, long ts, io.medledger.access.ParticipantId bookkeeper,
        Digest er, Digest sr, Digest pr, long size, Digest lr) {
      return new BlockHeader(chain, height, prev, ts, bookkeeper, h.round(), h.consensusData(), h.entryCount(), er, sr,
          pr, size, lr);
    }

    BlockHeader timestamp(long ts) {
      return with(h.chainId(), h.height(), h.previousHash(), ts, h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(),
          h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot());
    }
  }

  private static String reason(ChainFixture f, BlockHeader h, Block b) {
    ValidationResult<VerifiedBlock> r = f.ledger.validate(new Block(h, b.entries()));
    assertFalse(r.isAccepted(), h.toJson());
    return r.reason();
  }

  /** A ledger over a copy of {@code f}'s blocks, with {@code params}. */
  private static Ledger reopen(ChainFixture f, ChainParameters params) {
    InMemoryBlockStore s = new InMemoryBlockStore();
    for (long h = 0; h <= f.ledger.height(); h++) {
      s.append(f.ledger.block(h).encode());
    }
    return Ledger.builder(params).store(s).clock(f.clock).certificatePolicy(CertificatePolicy.auditQuorum()).open();
  }

  @Test
  void eachHeaderFieldHasItsOwnRule() {
    ChainFixture f = chain();
    Block b = f.rawBlock(List.of(f.registerPatient(f.actor("bob"))));
    assertTrue(f.ledger.validate(b).isAccepted());
    BlockHeader h = b.header();
    H x = new H(h);
    assertEquals("block is for another chain", reason(f, x.with(BAD, h.height(), h.previousHash(), h.timestamp(),
        h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(), h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot()), b));
    assertEquals("height 3 does not follow the tip (expected 2)", reason(f, x.with(h.chainId(), h.height() + 1,
        h.previousHash(), h.timestamp(), h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(), h.patientHeadsRoot(),
        h.ledgerSize(), h.ledgerRoot()), b));
    assertEquals("previous hash does not match the tip", reason(f, x.with(h.chainId(), h.height(), BAD, h.timestamp(),
        h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(), h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot()), b));
    Actor alice = f.actor("alice");
    assertTrue(reason(f, x.with(h.chainId(), h.height(), h.previousHash(), h.timestamp(), alice.id(), h.entriesRoot(),
        h.subBlocksRoot(), h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot()), b)
        .endsWith(" is not an active federation server"));
    assertEquals("entries root does not match the entries", reason(f, x.with(h.chainId(), h.height(), h.previousHash(),
        h.timestamp(), h.bookkeeper(), BAD, h.subBlocksRoot(), h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot()), b));
    assertEquals("sub-blocks root does not match the entries", reason(f, x.with(h.chainId(), h.height(),
        h.previousHash(), h.timestamp(), h.bookkeeper(), h.entriesRoot(), BAD, h.patientHeadsRoot(), h.ledgerSize(),
        h.ledgerRoot()), b));
    assertEquals("patient-heads root does not match", reason(f, x.with(h.chainId(), h.height(), h.previousHash(),
        h.timestamp(), h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(), BAD, h.ledgerSize(), h.ledgerRoot()), b));
    assertEquals("ledger-wide log size or root does not match", reason(f, x.with(h.chainId(), h.height(),
        h.previousHash(), h.timestamp(), h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(), h.patientHeadsRoot(),
        h.ledgerSize() + 1, h.ledgerRoot()), b));
    assertEquals("ledger-wide log size or root does not match", reason(f, x.with(h.chainId(), h.height(),
        h.previousHash(), h.timestamp(), h.bookkeeper(), h.entriesRoot(), h.subBlocksRoot(), h.patientHeadsRoot(),
        h.ledgerSize(), BAD), b));
  }

  @Test
  void theTimestampIsBetweenTheParentsAndTheClockPlusTheSkew() {
    ChainFixture f = chain();
    Block b = f.rawBlock(List.of(f.registerPatient(f.actor("bob"))));
    H x = new H(b.header());
    long parent = f.ledger.tip().orElseThrow().timestamp();
    long latest = f.clock.millis() + f.params.maxClockSkew().toMillis();
    assertEquals("timestamp " + (parent - 1) + " is before the parent's " + parent, reason(f, x.timestamp(parent - 1), b));
    assertTrue(f.ledger.validate(new Block(x.timestamp(parent), b.entries())).isAccepted());
    assertTrue(f.ledger.validate(new Block(x.timestamp(latest), b.entries())).isAccepted());
    assertEquals("timestamp " + (latest + 1) + " is too far ahead of the clock", reason(f, x.timestamp(latest + 1), b));
    // a certified block is not refused for this node's clock, nor is a block replayed from the store
    assertTrue(f.ledger.validateIgnoringClock(new Block(x.timestamp(latest + 1), b.entries())).isAccepted());
    assertTrue(f.ledger.validateCertified(new Block(x.timestamp(latest + 1), b.entries())).isAccepted());
    assertFalse(f.ledger.validateIgnoringClock(new Block(x.timestamp(parent - 1), b.entries())).isAccepted());
    // and proposing refuses the same timestamps, before looking at any entry
    Actor bk = f.bookkeeper();
    assertEquals("timestamp " + (latest + 1) + " is too far ahead of the clock",
        f.ledger.propose(bk.id(), 0, ByteString.EMPTY, latest + 1, List.of()).reason());
    assertEquals("timestamp " + (parent - 1) + " is before the parent's " + parent,
        f.ledger.propose(bk.id(), 0, ByteString.EMPTY, parent - 1, List.of()).reason());
    assertTrue(f.ledger.propose(f.actor("alice").id(), 0, ByteString.EMPTY, parent, List.of()).reason()
        .endsWith(" is not an active federation server"));
  }

  @Test
  void theEntryCountAndByteLimitsAreExact() {
    ChainFixture f = chain();
    int most = 0;
    long largest = 0;
    for (long h = 0; h <= f.ledger.height(); h++) {
      most = Math.max(most, f.ledger.header(h).entryCount());
      largest = Math.max(largest, f.ledger.block(h).block().encodedSize());
    }
    List<Entry> more = new ArrayList<>();
    for (int i = 0; i <= most; i++) {
      more.add(f.registerPatient(f.actor("p" + i)));
    }
    Ledger l = reopen(f, f.params.withMaxBlockEntries(most));
    Block atLimit = l.assembleUnchecked(f.bookkeeper().id(), 0, f.now(), more.subList(0, most));
    assertTrue(l.validate(atLimit).isAccepted());
    Block above = l.assembleUnchecked(f.bookkeeper().id(), 0, f.now(), more);
    assertEquals("block has " + (most + 1) + " entries, above the limit", l.validate(above).reason());
    // proposing defers what does not fit
    BlockCandidate c = l.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), more).value();
    assertEquals(more.subList(0, most), c.block().block().entries());
    assertEquals(List.of(more.get(most)), c.deferred());

    int limit = (int) Math.max(4096, largest);
    Ledger small = reopen(f, f.params.withMaxBlockBytes(limit));
    List<Entry> many = new ArrayList<>();
    Block fits = null;
    Block big;
    int i = 0;
    while (true) {
      many.add(f.registerPatient(f.actor("q" + i++)));
      big = small.assembleUnchecked(f.bookkeeper().id(), 0, f.now(), many);
      if (big.encodedSize() > limit) {
        break;
      }
      fits = big;
    }
    assertTrue(small.validate(fits).isAccepted());
    assertEquals("block is " + big.encodedSize() + " bytes, above the limit", small.validate(big).reason());
    BlockCandidate cs = small.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), many).value();
    // proposing leaves room for the largest header, so it defers at least the entry that broke the limit
    List<Entry> kept = cs.block().block().entries();
    assertFalse(cs.deferred().isEmpty());
    assertEquals(many.subList(kept.size(), many.size()), cs.deferred());
    assertEquals(many.subList(0, kept.size()), kept);
    assertTrue(cs.block().block().encodedSize() <= limit);
  }

  @Test
  void proposingCountsEveryEntryAgainstTheByteLimitExactly() {
    ChainFixture f = chain();
    long largest = 0;
    for (long h = 0; h <= f.ledger.height(); h++) {
      largest = Math.max(largest, f.ledger.block(h).block().encodedSize());
    }
    // what proposing reserves for the header and the certificate's data, then 4 + length per entry
    long budget = 1 + 400 + Limits.MAX_CONSENSUS_DATA + 4;
    List<Entry> es = new ArrayList<>();
    int k = 0;
    while (budget < Math.max(4096, largest) || k < 2) {
      PatientRegistration p = f.registerPatient(f.actor("r" + k++));
      es.add(p);
      budget += 4 + EncodedEntry.of(p).encoded.length;
    }
    es.add(f.registerPatient(f.actor("r" + k)));
    Ledger l = reopen(f, f.params.withMaxBlockBytes((int) budget));
    BlockCandidate c = l.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), es).value();
    assertEquals(es.subList(0, k), c.block().block().entries());
    assertEquals(List.of(es.get(k)), c.deferred());
    assertTrue(c.rejected().isEmpty());
    // one byte less and the last of those k waits too
    Ledger tighter = reopen(f, f.params.withMaxBlockBytes((int) budget - 1));
    BlockCandidate d = tighter.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(), es).value();
    assertEquals(es.subList(0, k - 1), d.block().block().entries());
    assertEquals(es.subList(k - 1, k + 1), d.deferred());
  }

  @Test
  void checkingAnEntryUsesTheClockAsTheBlockTime() {
    ChainFixture f = chain();
    long latest = f.clock.millis() + f.params.maxClockSkew().toMillis();
    Actor bob = f.actor("bob");
    PatientRegistration onTime = f.sign(new PatientRegistration(bob.publicKey(), latest, List.of()), bob, f.hospitalA);
    assertTrue(f.ledger.checkEntry(onTime).isAccepted());
    PatientRegistration early = f.sign(new PatientRegistration(bob.publicKey(), latest + 1, List.of()), bob);
    assertEquals("entry time " + (latest + 1) + " is after the block time " + f.clock.millis(),
        f.ledger.checkEntry(early).reason());
    PatientRegistration unsigned = new PatientRegistration(bob.publicKey(), f.now(), List.of());
    assertEquals("missing or invalid signature", f.ledger.checkEntry(unsigned).reason());
    assertEquals(List.of(unsigned), f.ledger.verifySignaturesAhead(List.of(onTime, unsigned)));
  }

  @Test
  void aBlockAppendedToTheStoreBehindTheLedgersBackStopsAppends() {
    ChainFixture f = chain();
    VerifiedBlock vb = f.propose(List.of(f.registerPatient(f.actor("bob"))));
    f.store.append(f.ledger.block(f.ledger.height()).encode());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.ledger.append(vb, f.certify(vb.header())));
    assertEquals("the block store was modified outside the ledger", e.getMessage());
  }

  @Test
  void readsRefuseHeightsOutsideTheChain() {
    ChainFixture f = chain();
    long top = f.ledger.height();
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.block(-1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.block(top + 1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.encodedBlock(top + 1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.certificate(-1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.headers(-1, top));
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.headers(0, top + 1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.ledger.headers(2, 0));
    assertEquals(List.of(), f.ledger.headers(1, 0));
    assertEquals(List.of(f.ledger.header(top)), f.ledger.headers(top, top));
    assertEquals(top + 1, f.ledger.headers(0, top).size());
    assertThrows(IllegalArgumentException.class, () -> f.ledger.witnessesAt(-1));
    assertThrows(IllegalArgumentException.class, () -> f.ledger.witnessesAt(top + 1));
    assertEquals(List.of(), f.ledger.witnessesAt(top));
    assertThrows(IllegalArgumentException.class, () -> f.ledger.consistencyProof(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> f.ledger.consistencyProof(1, 0));
    assertThrows(IllegalArgumentException.class, () -> f.ledger.consistencyProof(0, top + 1));
    assertEquals(top, f.ledger.consistencyProof(top, top).newerHeight());
    assertTrue(f.ledger.subBlockInclusionProof(SubBlockHeader.NO_PATIENT, -1).isEmpty());
    assertTrue(f.ledger.subBlockInclusionProof(SubBlockHeader.NO_PATIENT, top + 1).isEmpty());
    assertTrue(f.ledger.subBlockInclusionProof(BAD, top).isEmpty());
    assertTrue(f.ledger.subBlockInclusionProof(f.actor("alice").id().digest(), top).isPresent());
  }

  @Test
  void anInclusionProofNeedsAHeaderThatHoldsTheEntry() {
    ChainFixture f = chain();
    PatientRegistration bob = f.registerPatient(f.actor("bob"));
    f.commit(bob);
    long at = f.ledger.height();
    Digest id = bob.id();
    assertTrue(f.ledger.ledgerInclusionProof(id, at).isPresent());
    assertTrue(f.ledger.ledgerInclusionProof(id, at - 1).isEmpty());
    assertTrue(f.ledger.ledgerInclusionProof(id, at + 1).isEmpty());
    assertTrue(f.ledger.ledgerInclusionProof(id, -1).isEmpty());
    assertTrue(f.ledger.ledgerInclusionProof(BAD, at).isEmpty());
    assertTrue(f.ledger.entryInclusionProof(BAD).isEmpty());
  }

  @Test
  void storedBytesAndCertificatesReadWithoutTheCacheEqualTheBlocks() {
    ChainFixture f = chain();
    f.commit(f.registerPatient(f.actor("bob")));
    Ledger cold = reopen(f, f.params);
    for (long h = 0; h <= f.ledger.height(); h++) {
      CertifiedBlock cb = f.ledger.block(h);
      assertArrayEquals(cb.block().encode(), cold.encodedBlock(h), "height " + h);
      assertEquals(cb.certificate(), cold.certificate(h));
      assertArrayEquals(cb.block().encode(), f.ledger.encodedBlock(h));
      assertEquals(cb.certificate(), f.ledger.certificate(h));
    }
  }

  @Test
  void publishedKeysAndGrantsAreReadBackFromTheStore() {
    ChainFixture f = chain();
    Actor alice = f.actor("alice");
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
    KeyPublication keys = f.sign(new KeyPublication(alice.id(),
        ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()),
        ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()), f.now(), List.of()), alice);
    AccessGrant g = f.grant(alice, f.hospitalA, io.medledger.access.Purpose.TREATMENT, AccessScope.all());
    f.commit(keys, g);
    // a ledger whose cache is empty reads both from the store
    Ledger cold = reopen(f, f.params);
    for (Ledger l : List.of(f.ledger, cold)) {
      assertEquals(java.util.Optional.of(keys), l.publishedKeys(alice.id()));
      assertTrue(l.publishedKeys(f.actor("nobody").id()).isEmpty());
      assertEquals(java.util.Optional.of(g), l.grant(g.id()));
      assertTrue(l.grant(keys.id()).isEmpty());
      assertTrue(l.grant(BAD).isEmpty());
      assertTrue(l.isGrantActive(g.id(), f.now()));
      assertFalse(l.isGrantActive(BAD, f.now()));
      assertFalse(l.isErased(BAD));
      EntryLocation at = l.locate(g.id()).orElseThrow();
      assertEquals(l.height(), at.height());
      assertEquals(1, at.indexInBlock());
      assertEquals(l.tip().orElseThrow().ledgerSize() - 1, at.ledgerIndex());
      assertTrue(l.locate(BAD).isEmpty());
    }
  }

  @Test
  void anEmptyChainHasNoHistory() {
    ChainFixture f = ChainFixture.builder().genesis(false).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.ledger.nonPatientHistory());
    assertEquals("the chain is empty", e.getMessage());
  }
}
