package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.StateStoreReopenTest.CountingStore;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.storage.InMemoryBlockStore;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.testing.DelegatingStateStore;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The read side of {@link Ledger}: the block cache (what is served from it and what reads the
 * store, counted), reads outside the chain, entries read by their byte range and the fallback to
 * the whole block when the state's entry bounds are missing or damaged (never a damaged range asked
 * of the store), a store that serves another block, sub-block proofs at genesis and at the tip,
 * the query walking only the list it names and stopping at a full page, and every public read
 * releasing the lock.
 */
class LedgerReadPathTest {
  /**
   * A state store in memory that shows the blocks' entry bounds as {@link #bounds} rewrites them
   * (a null result hides them, as for a block applied before the state recorded bounds), and counts
   * reads of record metadata (one per record the query looks at). With {@link #laterBlocks} set, it
   * names the block after the right one as the block holding each ledger index.
   */
  static final class ShapedState extends DelegatingStateStore {
    volatile UnaryOperator<int[]> bounds = UnaryOperator.identity();
    volatile boolean laterBlocks;
    final AtomicInteger metaReads = new AtomicInteger();

    ShapedState() {
      super(new InMemoryStateStore());
    }

    @Override
    public byte[] get(byte[] key) {
      byte[] v = inner.get(key);
      if (key[0] == QueryIndex.RECORD_META) {
        metaReads.incrementAndGet();
      }
      if (key[0] != LedgerState.ENTRY_BOUNDS || v == null) {
        return v;
      }
      IntBuffer in = ByteBuffer.wrap(v).asIntBuffer();
      int[] b = new int[in.remaining()];
      in.get(b);
      int[] shown = bounds.apply(b);
      if (shown == null) {
        return null;
      }
      ByteBuffer out = ByteBuffer.allocate(4 * shown.length);
      for (int x : shown) {
        out.putInt(x);
      }
      return out.array();
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      inner.scan(from, to, (k, v) -> visitor.visit(k, laterBlocks && k[0] == LedgerState.LOCATION
          ? ByteBuffer.allocate(8).putLong(ByteBuffer.wrap(v).getLong() + 1).array() : v));
    }
  }

  /**
   * Block 1 registers alice, bob and two clinicians (dr-a at hospital A, dr-b at hospital B); block
   * 2 holds alice's key publication and four grants; blocks 3 and 4 three records each.
   */
  private record Chain(ChainFixture f, CountingStore blocks, Actor alice, Actor bob, Actor drA, Actor drB,
      KeyPublication keys, AccessGrant grant, List<MedicalRecord> records) {
    /** A ledger over the same blocks with an empty cache and {@code state} (the chain replayed into it). */
    Ledger cold(ShapedState state) {
      return Ledger.builder(f.params).store(blocks).state(state).clock(f.clock).open();
    }

    List<MedicalRecord> recordsWhere(java.util.function.Predicate<MedicalRecord> p) {
      return records.stream().filter(p).toList();
    }
  }

  private static Chain chain() {
    CountingStore blocks = new CountingStore(new InMemoryBlockStore());
    ChainFixture f = ChainFixture.builder().store(blocks).build();
    Actor alice = f.actor("alice");
    Actor bob = f.actor("bob");
    Actor drA = f.actor("dr-a");
    Actor drB = f.actor("dr-b");
    f.commit(f.registerPatient(alice), f.registerPatient(bob), f.registerClinician(drA, f.hospitalA),
        f.registerClinician(drB, f.hospitalB));
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
    KeyPublication keys = f.sign(new KeyPublication(alice.id(),
        ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()),
        ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()), f.now(), List.of()), alice);
    AccessGrant grant = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(keys, grant, f.grant(alice, f.hospitalB, Purpose.TREATMENT, AccessScope.all()),
        f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all()),
        f.grant(bob, f.hospitalB, Purpose.TREATMENT, AccessScope.all()));
    f.clock.advance(Duration.ofMinutes(1));
    List<MedicalRecord> block3 = List.of(f.record(drA, alice, f.hospitalA, "Observation", "a-1"),
        f.record(drB, bob, f.hospitalB, "Condition", "b-1"), f.record(drB, alice, f.hospitalB, "Observation", "a-2"));
    f.commit(List.copyOf(block3));
    f.clock.advance(Duration.ofMinutes(1));
    List<MedicalRecord> block4 = List.of(f.record(drA, bob, f.hospitalA, "Observation", "b-2"),
        f.record(drA, alice, f.hospitalA, "Immunization", "a-3"), f.record(drB, bob, f.hospitalB, "Condition", "b-3"));
    f.commit(List.copyOf(block4));
    List<MedicalRecord> records = new java.util.ArrayList<>(block3);
    records.addAll(block4);
    assertEquals(4, f.ledger.height());
    return new Chain(f, blocks, alice, bob, drA, drB, keys, grant, List.copyOf(records));
  }

  // ------------------------------------------------------------------ the block cache

  @Test
  void aBlockReadFromTheStoreIsCachedAndTheCachedBlockServesEveryLaterRead() {
    Chain c = chain();
    CertifiedBlock expected = c.f().ledger.block(3);
    CertifiedBlock expected2 = c.f().ledger.block(2);
    Ledger cold = c.cold(new ShapedState());
    CountingStore p = c.blocks();
    int reads = p.reads.get();
    int ranges = p.ranges.get();

    CertifiedBlock b = cold.block(3);
    assertEquals(expected, b);
    assertEquals(reads + 1, p.reads.get(), "a block not in the cache is read from the store once");
    assertSame(b, cold.block(3), "the second read is the cached block");
    assertArrayEquals(expected.block().encode(), cold.encodedBlock(3));
    assertEquals(expected.certificate(), cold.certificate(3));
    for (MedicalRecord r : c.records().subList(0, 3)) {
      LedgerInclusionProof proof = cold.ledgerInclusionProof(r.id(), 4).orElseThrow();
      assertEquals(r, proof.entry());
      assertTrue(proof.verify(cold.header(4)));
    }
    assertEquals(reads + 1, p.reads.get(), "the cached block served every later read");
    assertEquals(ranges, p.ranges.get(), "no range read either");

    // not cached: taken from the stored bytes
    assertArrayEquals(expected2.block().encode(), cold.encodedBlock(2));
    assertEquals(expected2.certificate(), cold.certificate(2));
    assertEquals(reads + 3, p.reads.get());
  }

  @Test
  void aReadOutsideTheChainIsRefusedWithoutAskingTheStore() {
    Chain c = chain();
    Ledger cold = c.cold(new ShapedState());
    int reads = c.blocks().reads.get();
    for (long h : new long[] {-1, 5, Long.MAX_VALUE}) {
      String message = "no block at height " + h;
      assertEquals(message, assertThrows(IndexOutOfBoundsException.class, () -> cold.block(h)).getMessage());
      assertEquals(message, assertThrows(IndexOutOfBoundsException.class, () -> cold.encodedBlock(h)).getMessage());
      assertEquals(message, assertThrows(IndexOutOfBoundsException.class, () -> cold.certificate(h)).getMessage());
    }
    assertEquals(reads, c.blocks().reads.get(), "the store was not asked");
  }

  // ------------------------------------------------------------------ range reads and their fallback

  @Test
  void everyPositionOfABlockIsReadByItsRangeFirstAndLastIncluded() {
    Chain c = chain();
    Ledger cold = c.cold(new ShapedState());
    CountingStore p = c.blocks();
    int reads = p.reads.get();
    int ranges = p.ranges.get();
    List<Integer> lengths = new java.util.ArrayList<>();
    for (MedicalRecord r : c.records()) {
      assertEquals(r, cold.ledgerInclusionProof(r.id(), 4).orElseThrow().entry());
      lengths.add(EncodedEntry.of(r).encoded.length);
    }
    assertEquals(Optional.of(c.keys()), cold.publishedKeys(c.alice().id()));
    assertEquals(Optional.of(c.grant()), cold.grant(c.grant().id()));
    assertEquals(reads, p.reads.get(), "no whole block read");
    assertEquals(ranges + 8, p.ranges.get(), "one range read per entry");
    assertEquals(lengths, p.rangeLengths.subList(p.rangeLengths.size() - 8, p.rangeLengths.size() - 2),
        "each range is exactly its entry");
  }

  @Test
  void withoutRecordedBoundsAnEntryIsReadFromItsWholeBlock() {
    Chain c = chain();
    ShapedState st = new ShapedState();
    Ledger cold = c.cold(st);
    st.bounds = b -> null;
    CountingStore p = c.blocks();
    int reads = p.reads.get();
    int ranges = p.ranges.get();
    for (MedicalRecord r : c.records()) {
      LedgerInclusionProof proof = cold.ledgerInclusionProof(r.id(), 4).orElseThrow();
      assertEquals(r, proof.entry());
      assertTrue(proof.verify(cold.header(4)));
    }
    assertEquals(Optional.of(c.keys()), cold.publishedKeys(c.alice().id()));
    assertEquals(Optional.of(c.grant()), cold.grant(c.grant().id()));
    assertEquals(c.recordsWhere(r -> r.patient().equals(c.alice().id())),
        cold.records(RecordQuery.all().patient(c.alice().id()), PageRequest.first(10)).items().stream()
            .map(QueryHit::entry).toList());
    assertEquals(ranges, p.ranges.get(), "no range read without bounds");
    assertEquals(reads + 6 + 2 + 3, p.reads.get(), "one whole-block read per entry");
  }

  @Test
  void boundsThatEndBeforeTheLastEntryFallBackToTheWholeBlock() {
    Chain c = chain();
    ShapedState st = new ShapedState();
    Ledger cold = c.cold(st);
    st.bounds = b -> java.util.Arrays.copyOf(b, b.length - 1); // no end for the last entry
    CountingStore p = c.blocks();
    int reads = p.reads.get();
    int ranges = p.ranges.get();
    MedicalRecord last = c.records().get(2);
    assertEquals(2, cold.locate(last.id()).orElseThrow().indexInBlock());
    assertEquals(last, cold.ledgerInclusionProof(last.id(), 4).orElseThrow().entry());
    assertEquals(reads + 1, p.reads.get(), "the whole block was read");
    assertEquals(ranges, p.ranges.get(), "no range read");
    MedicalRecord first = c.records().get(0);
    assertEquals(first, cold.ledgerInclusionProof(first.id(), 4).orElseThrow().entry());
    assertEquals(ranges + 1, p.ranges.get(), "the first entry still has both its bounds");
  }

  @Test
  void aDamagedBoundIsNeverAskedOfTheStoreAsANegativeOrOverlongRange() {
    Chain c = chain();
    MedicalRecord middle = c.records().get(1); // position 1 of block 3
    int[][] damaged = {{-2}, {-4 - 1}, {Limits.MAX_ENTRY_BYTES + 1}, {Integer.MAX_VALUE - 8}};
    for (int[] length : damaged) {
      ShapedState st = new ShapedState();
      Ledger cold = c.cold(st);
      st.bounds = b -> {
        int[] out = b.clone();
        out[2] = (int) Math.min(Integer.MAX_VALUE, (long) out[1] + 4 + length[0]);
        return out;
      };
      CountingStore p = c.blocks();
      int reads = p.reads.get();
      int asked = p.rangeLengths.size();
      LedgerInclusionProof proof = cold.ledgerInclusionProof(middle.id(), 4).orElseThrow();
      assertEquals(middle, proof.entry());
      assertTrue(proof.verify(cold.header(4)));
      assertEquals(List.of(), p.rangeLengths.subList(asked, p.rangeLengths.size()),
          "ranges asked of the store for an entry length of " + length[0]);
      assertEquals(reads + 1, p.reads.get(), "the whole block was read");
    }
  }

  @Test
  void aStateThatPlacesAnEntryInTheWrongBlockGivesAMalformedEncodingNotAnArrayIndex() {
    Chain c = chain();
    ShapedState st = new ShapedState();
    Ledger cold = c.cold(st);
    st.laterBlocks = true;
    int ranges = c.blocks().ranges.get();
    // record 1 is block 3's entry 1 of 3: at the position block 4 would give it, -2
    MedicalRecord r = c.records().get(1);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> cold.ledgerInclusionProof(r.id(), 4));
    assertEquals("the block has no entry -2", e.getMessage());
    assertEquals(0, c.blocks().ranges.get() - ranges, "no range read for a negative position");
  }

  @Test
  void aStoreThatServesAnotherBlockIsCaughtNotBelieved() {
    Chain c = chain();
    byte[] block4 = c.f().ledger.block(4).encode();
    Ledger cold = c.cold(new ShapedState());
    CountingStore p = c.blocks();
    p.served.put(3L, block4);
    p.damageRanges = true;
    try {
      String message = "block 3 does not hold the entries the state store records";
      for (MedicalRecord r : c.records().subList(0, 3)) {
        assertEquals(message, assertThrows(IllegalStateException.class,
            () -> cold.ledgerInclusionProof(r.id(), 4)).getMessage());
      }
      assertEquals(message, assertThrows(IllegalStateException.class,
          () -> cold.patientHistory(c.alice().id())).getMessage());
      // block 4 itself is still read right, by the whole block
      MedicalRecord r4 = c.records().get(4);
      assertEquals(r4, cold.ledgerInclusionProof(r4.id(), 4).orElseThrow().entry());
    } finally {
      p.served.clear();
      p.damageRanges = false;
    }
  }

  // ------------------------------------------------------------------ sub-block proofs

  @Test
  void subBlockProofsReachGenesisAndTheTipAndNothingBeyond() {
    Chain c = chain();
    Ledger l = c.f().ledger;
    SubBlockInclusionProof atGenesis = l.subBlockInclusionProof(SubBlockHeader.NO_PATIENT, 0).orElseThrow();
    assertTrue(atGenesis.verify(l.header(0)));
    assertFalse(atGenesis.verify(l.header(1)));
    List<PatientHistoryProof.SubBlock> none = l.nonPatientHistory().subBlocks();
    assertEquals(none.get(none.size() - 1).header(), atGenesis.subBlock());
    assertEquals(0, atGenesis.subBlock().height());

    io.medledger.crypto.Digest alice = c.alice().id().digest();
    SubBlockInclusionProof atTip = l.subBlockInclusionProof(alice, 4).orElseThrow();
    assertTrue(atTip.verify(l.header(4)));
    assertEquals(l.patientHistory(c.alice().id()).subBlocks().get(0).header(), atTip.subBlock());
    assertEquals(4, atTip.subBlock().height());

    assertEquals(Optional.empty(), l.subBlockInclusionProof(alice, 5));
    assertEquals(Optional.empty(), l.subBlockInclusionProof(alice, -1));
    assertEquals(Optional.empty(), l.subBlockInclusionProof(alice, 0), "alice has no entry in genesis");
  }

  // ------------------------------------------------------------------ the query

  @Test
  void aRecordQueryLooksOnlyAtTheRecordsOfTheListItNames() {
    Chain c = chain();
    ShapedState st = new ShapedState();
    Ledger cold = c.cold(st);
    record Case(RecordQuery query, List<MedicalRecord> expected) {}
    List<Case> cases = List.of(
        new Case(RecordQuery.all().patient(c.alice().id()), c.recordsWhere(r -> r.patient().equals(c.alice().id()))),
        new Case(RecordQuery.all().author(c.drB().id()), c.recordsWhere(r -> r.author().equals(c.drB().id()))),
        new Case(RecordQuery.all().institution(c.f().hospitalA.id()),
            c.recordsWhere(r -> r.institution().equals(Optional.of(c.f().hospitalA.id())))),
        new Case(RecordQuery.all().resourceType("Condition"),
            c.recordsWhere(r -> r.resourceType().equals("Condition"))));
    for (Case k : cases) {
      assertTrue(k.expected().size() < c.records().size() && !k.expected().isEmpty(), k.toString());
      int before = st.metaReads.get();
      Page<MedicalRecord> page = cold.records(k.query(), PageRequest.first(10));
      assertEquals(k.expected(), page.items().stream().map(QueryHit::entry).toList(), k.query().toString());
      assertEquals(OptionalLong.empty(), page.nextCursor());
      assertEquals(k.expected().size(), st.metaReads.get() - before,
          "records looked at for " + k.query() + ": only those of its list");
    }
  }

  @Test
  void aFullPageStopsTheScanAtTheFirstRecordBeyondIt() {
    Chain c = chain();
    ShapedState st = new ShapedState();
    Ledger cold = c.cold(st);
    int before = st.metaReads.get();
    Page<MedicalRecord> first = cold.records(RecordQuery.all(), PageRequest.first(2));
    assertEquals(c.records().subList(0, 2), first.items().stream().map(QueryHit::entry).toList());
    long cursor = cold.locate(c.records().get(1).id()).orElseThrow().ledgerIndex();
    assertEquals(OptionalLong.of(cursor), first.nextCursor());
    assertEquals(3, st.metaReads.get() - before, "two records taken and one that shows there are more");
    Page<MedicalRecord> second = cold.records(RecordQuery.all(), PageRequest.first(2).after(cursor));
    assertEquals(c.records().subList(2, 4), second.items().stream().map(QueryHit::entry).toList());
    assertEquals(before + 3 + 3, st.metaReads.get());
  }

  /** {@code contains} answers in order, across its read batches of 1,024 ids, and agrees with {@code locate}. */
  @Test
  void containsAnswersInOrderAcrossItsReadBatches() {
    Chain c = chain();
    Ledger l = c.f().ledger;
    List<io.medledger.crypto.Digest> ids = new java.util.ArrayList<>();
    List<Boolean> expected = new java.util.ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      boolean onChain = i % 7 == 3 || i == 1023 || i == 1024;
      io.medledger.crypto.Digest id = onChain ? c.records().get(i % c.records().size()).id() : ChainFixture.digest("absent " + i);
      ids.add(id);
      expected.add(l.locate(id).isPresent());
      assertEquals(onChain, expected.get(i), "fixture: " + i);
    }
    boolean[] got = l.contains(ids);
    assertEquals(ids.size(), got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected.get(i), got[i], "id " + i);
    }
    assertEquals(0, l.contains(List.of()).length);
  }

  // ------------------------------------------------------------------ the lock

  @Test
  void everyPublicReadReleasesTheLock() throws Exception {
    Chain c = chain();
    Ledger l = c.f().ledger;
    MedicalRecord r = c.records().get(4);
    io.medledger.crypto.Digest alice = c.alice().id().digest();
    assertEquals(Optional.of(c.keys()), l.publishedKeys(c.alice().id()));
    LedgerWritePathTest.assertLockIsFree(l, "publishedKeys");
    assertEquals(Optional.empty(), l.publishedKeys(c.bob().id()));
    LedgerWritePathTest.assertLockIsFree(l, "publishedKeys of nobody");
    long index = l.header(3).ledgerSize() + 1;
    assertEquals(Optional.of(new EntryLocation(4, 1, index)), l.locate(r.id()));
    LedgerWritePathTest.assertLockIsFree(l, "locate");
    assertEquals(Optional.empty(), l.locate(ChainFixture.digest("nothing")));
    LedgerWritePathTest.assertLockIsFree(l, "locate of nothing");
    assertArrayEquals(new boolean[] {true, false}, l.contains(List.of(r.id(), ChainFixture.digest("nothing"))));
    LedgerWritePathTest.assertLockIsFree(l, "contains");
    assertTrue(l.subBlockInclusionProof(alice, 4).orElseThrow().verify(l.header(4)));
    LedgerWritePathTest.assertLockIsFree(l, "subBlockInclusionProof");
    assertEquals(Optional.empty(), l.subBlockInclusionProof(alice, 0));
    LedgerWritePathTest.assertLockIsFree(l, "subBlockInclusionProof of a block without the key");
    assertEquals(Optional.empty(), l.subBlockInclusionProof(alice, 9));
    LedgerWritePathTest.assertLockIsFree(l, "subBlockInclusionProof beyond the tip");

    assertEquals(Optional.of(c.grant()), l.grant(c.grant().id()));
    LedgerWritePathTest.assertLockIsFree(l, "grant");
    assertEquals(r, l.ledgerInclusionProof(r.id(), 4).orElseThrow().entry());
    LedgerWritePathTest.assertLockIsFree(l, "ledgerInclusionProof");
    assertEquals(r, l.entryInclusionProof(r.id()).orElseThrow().entry());
    LedgerWritePathTest.assertLockIsFree(l, "entryInclusionProof");
    assertEquals(4, l.consistencyProof(1, 4).newerHeight());
    LedgerWritePathTest.assertLockIsFree(l, "consistencyProof");
    assertEquals(4, l.patientHistory(c.alice().id()).height());
    LedgerWritePathTest.assertLockIsFree(l, "patientHistory");
    assertEquals(List.of(c.grant()), l.grantsByGrantee(c.f().hospitalA.id(), PageRequest.first(1)).items().stream()
        .map(QueryHit::entry).toList());
    LedgerWritePathTest.assertLockIsFree(l, "grantsByGrantee");
  }
}
