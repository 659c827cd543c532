package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.storage.BlockStore;
import io.medledger.storage.InMemoryBlockStore;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StoreException;
import io.medledger.testing.DelegatingStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ledger's write path at the edges the rule tests do not reach: what replay does with a stored
 * block that decodes but is invalid, with a state store one block in and with a ledger-wide log
 * that stops inside a block or disagrees with the state; an invalid certified block handed to
 * catch-up; the federation that must not be empty after genesis; the byte limit exactly; which
 * block-store calls deferred durability makes (counted), when it forces, and how it fails; that
 * each public method releases the ledger's lock; and that closing closes every store whatever fails.
 */
class LedgerWritePathTest {
  /** A block store in memory that counts its calls and fails on request. */
  static class CountingStore implements BlockStore {
    final BlockStore inner;
    int appends;
    int deferredAppends;
    int syncs;
    boolean failSync;
    boolean failClose;
    boolean closed;

    CountingStore() {
      this(new InMemoryBlockStore());
    }

    CountingStore(BlockStore inner) {
      this.inner = inner;
    }

    @Override
    public long append(byte[] encodedBlock) {
      appends++;
      return inner.append(encodedBlock);
    }

    @Override
    public long appendDeferred(byte[] encodedBlock) {
      deferredAppends++;
      return inner.append(encodedBlock);
    }

    @Override
    public void sync() {
      syncs++;
      if (failSync) {
        throw new StoreException("cannot sync");
      }
    }

    @Override
    public byte[] read(long index) {
      return inner.read(index);
    }

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public void close() {
      closed = true;
      inner.close();
      if (failClose) {
        throw new StoreException("cannot close the blocks");
      }
    }
  }

  /** A state store in memory that outlives a ledger's close (so a ledger can reopen over it) and can fail to close. */
  static final class KeptState extends DelegatingStateStore {
    int closes;
    boolean failClose;

    KeptState() {
      super(new InMemoryStateStore());
    }

    @Override
    public void close() {
      closes++;
      if (failClose) {
        throw new StoreException("cannot close the state");
      }
    }
  }

  private static InMemoryBlockStore copy(ChainFixture f, byte[]... extra) {
    return LedgerLifecycleTest.copy(f, extra);
  }

  private static List<Digest> leaves(Ledger l) {
    List<Digest> out = new ArrayList<>();
    for (long h = 0; h <= l.height(); h++) {
      for (Entry e : l.block(h).block().entries()) {
        out.add(e.leafHash());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ replay

  @Test
  void aStoredBlockThatDecodesButBreaksARuleStopsTheReplayWithItsReason() {
    ChainFixture f = ChainFixture.create();
    ChainFixture.Actor alice = f.actor("alice");
    f.commit(f.registerPatient(alice));
    Block twice = f.rawBlock(List.of(f.registerPatient(alice)));
    byte[] bad = new CertifiedBlock(twice, f.certify(twice.header())).encode();
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(copy(f, bad)).clock(f.clock).open());
    long h = f.ledger.height() + 1;
    assertEquals(h, e.height());
    // the validator's reason itself, not a failure to apply a rejected block
    String prefix = "stored block at height " + h + " is invalid: entry 0 (";
    assertTrue(e.getMessage().startsWith(prefix) && e.getMessage().contains("already registered"), e.getMessage());
    assertEquals(null, e.getCause());
  }

  @Test
  void aStateStoreAtGenesisIsCheckedAgainstTheStoredGenesisAndRebuildsTheLog() {
    KeptState st = new KeptState();
    ChainFixture f = ChainFixture.builder().state(st).build();
    assertEquals(0, f.ledger.height());
    long size = f.ledger.tip().orElseThrow().ledgerSize();
    Optional<BlockHeader> genesis = f.ledger.tip();
    InMemoryBlockStore blocks = copy(f);
    f.ledger.close();
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    try (Ledger l = Ledger.builder(f.params).store(blocks).state(st).log(log).clock(f.clock).open()) {
      assertEquals(0, l.height());
      assertEquals(size, log.size());
      assertEquals(genesis, l.tip());
    }
    // another genesis in the block store than the one the state reflects
    ChainFixture other = ChainFixture.builder().auditServers(2).build();
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(copy(other)).state(st).clock(f.clock).open());
    assertEquals(0, e.height());
    assertTrue(e.getMessage().contains("another block at this height"), e.getMessage());
  }

  private static ChainFixture chainWithTwoEntriesPerBlock(KeptState st) {
    ChainFixture f = ChainFixture.builder().state(st).build();
    for (int b = 0; b < 3; b++) {
      f.commit(f.registerPatient(f.actor("p" + b + "a")), f.registerPatient(f.actor("p" + b + "b")));
    }
    return f;
  }

  @Test
  void aLogThatStopsInsideABlockIsCaughtUpFromThatLeaf() {
    KeptState st = new KeptState();
    ChainFixture f = chainWithTwoEntriesPerBlock(st);
    List<Digest> all = leaves(f.ledger);
    BlockHeader tip = f.ledger.tip().orElseThrow();
    long genesisLeaves = f.ledger.header(0).ledgerSize();
    InMemoryBlockStore blocks = copy(f);
    f.ledger.close();
    // every leaf of genesis and block 1, and the first leaf of block 2
    int have = (int) genesisLeaves + 2 + 1;
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    all.subList(0, have).forEach(log::appendLeafHash);
    try (Ledger l = Ledger.builder(f.params).store(blocks).state(st).log(log).clock(f.clock).open()) {
      assertEquals(tip, l.tip().orElseThrow());
      assertEquals(all.size(), log.size());
      for (int i = 0; i < all.size(); i++) {
        assertEquals(all.get(i), log.leafHash(i), "leaf " + i);
      }
      assertEquals(tip.ledgerRoot(), log.root(tip.ledgerSize()));
    }
  }

  @Test
  void aLogThatDisagreesWithTheStateIsRefused() {
    KeptState st = new KeptState();
    ChainFixture f = chainWithTwoEntriesPerBlock(st);
    List<Digest> all = leaves(f.ledger);
    long height = f.ledger.height();
    InMemoryBlockStore blocks = copy(f);
    f.ledger.close();
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    for (int i = 0; i < all.size(); i++) {
      log.appendLeafHash(i == 3 ? ChainFixture.digest("not this leaf") : all.get(i));
    }
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(blocks).state(st).log(log).clock(f.clock).open());
    assertEquals(height, e.height());
    assertTrue(e.getMessage().contains("does not match the state store's tip"), e.getMessage());
  }

  // ------------------------------------------------------------------ validation

  @Test
  void anInvalidCertifiedBlockFromCatchUpIsRejectedWithItsReason() {
    ChainFixture f = ChainFixture.create();
    ChainFixture.Actor alice = f.actor("alice");
    f.commit(f.registerPatient(alice));
    long height = f.ledger.height();
    Block twice = f.rawBlock(List.of(f.registerPatient(alice)));
    ValidationResult<CertifiedBlock> r = f.ledger.append(new CertifiedBlock(twice, f.certify(twice.header())));
    assertFalse(r.isAccepted());
    assertTrue(r.reason().startsWith("entry 0 ") && r.reason().contains("already registered"), r.reason());
    assertEquals(height, f.ledger.height());
  }

  @Test
  void aGenesisWithoutAFederationServerIsNeitherProposedNorValidated() {
    ChainFixture f = ChainFixture.builder().genesis(false).build();
    List<Entry> noServers = new ArrayList<>();
    for (Entry e : f.genesisEntries()) {
      if (!(e instanceof MembershipChange m && m.role() == ParticipantKind.FEDERATION_SERVER)) {
        noServers.add(e);
      }
    }
    ValidationResult<BlockCandidate> p = f.ledger.propose(f.federation.get(0).id(), 0, ByteString.EMPTY, f.now(), noServers);
    assertEquals("the federation must not be empty after the block", p.reason());
    Block b = f.ledger.assembleUnchecked(f.federation.get(0).id(), 0, f.now(), noServers);
    assertEquals("the federation must not be empty after the block", f.ledger.validate(b).reason());
    assertEquals(-1, f.ledger.height());
  }

  @Test
  void aBlockOfExactlyTheByteLimitIsValidAndOneByteLessIsNot() {
    ChainFixture f = ChainFixture.create();
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      entries.add(f.registerPatient(f.actor("patient-" + i)));
    }
    Block b = f.rawBlock(entries);
    int size = Math.toIntExact(b.encodedSize());
    assertTrue(size >= 4096, "the block must be at least the smallest limit: " + size);
    try (Ledger exact = Ledger.builder(f.params.withMaxBlockBytes(size)).store(copy(f)).clock(f.clock).open()) {
      assertTrue(exact.validate(b).isAccepted(), exact.validate(b).reason());
    }
    try (Ledger under = Ledger.builder(f.params.withMaxBlockBytes(size - 1)).store(copy(f)).clock(f.clock).open()) {
      assertEquals("block is " + size + " bytes, above the limit", under.validate(b).reason());
    }
  }

  // ------------------------------------------------------------------ durability

  @Test
  void deferredBlocksAreWrittenUnforcedAndForcedOnceWhenMadeDurable() {
    CountingStore s = new CountingStore();
    ChainFixture f = ChainFixture.builder().store(s).build();
    assertEquals(1, s.appends);
    f.ledger.deferDurability();
    for (int i = 0; i < 3; i++) {
      f.commit(f.registerPatient(f.actor("p" + i)));
    }
    assertEquals(1, s.appends);
    assertEquals(3, s.deferredAppends);
    assertEquals(0, s.syncs);
    f.ledger.makeDurable();
    assertEquals(1, s.syncs);
    // nothing deferred: no force
    f.ledger.makeDurable();
    assertEquals(1, s.syncs);
    // back to forced appends
    f.commit(f.registerPatient(f.actor("after")));
    assertEquals(2, s.appends);
    assertEquals(3, s.deferredAppends);
    f.ledger.close();
    assertEquals(1, s.syncs);
  }

  @Test
  void closingMakesDeferredBlocksDurable() {
    CountingStore s = new CountingStore();
    ChainFixture f = ChainFixture.builder().store(s).build();
    f.ledger.deferDurability();
    f.commit(f.registerPatient(f.actor("p")));
    f.ledger.close();
    assertEquals(1, s.syncs);
    assertTrue(s.closed);
  }

  @Test
  void everyMaxDeferredBlocksTheLedgerMakesThemDurableOnItsOwn() {
    CountingStore s = new CountingStore();
    ChainFixture f = ChainFixture.builder().store(s).build();
    f.ledger.deferDurability();
    for (int i = 1; i < Ledger.MAX_DEFERRED_BLOCKS; i++) {
      f.commit(List.of());
    }
    assertEquals(0, s.syncs);
    f.commit(List.of());
    assertEquals(1, s.syncs);
    assertEquals(Ledger.MAX_DEFERRED_BLOCKS, s.deferredAppends);
    // still deferring after the early flush
    f.commit(List.of());
    assertEquals(Ledger.MAX_DEFERRED_BLOCKS + 1, s.deferredAppends);
    assertEquals(1, s.syncs);
  }

  @Test
  void afterAFailedForceMakeDurableRefusesUntilReopened() {
    CountingStore s = new CountingStore();
    ChainFixture f = ChainFixture.builder().store(s).build();
    f.ledger.deferDurability();
    f.commit(f.registerPatient(f.actor("p")));
    s.failSync = true;
    assertThrows(StoreException.class, f.ledger::makeDurable);
    s.failSync = false;
    IllegalStateException e = assertThrows(IllegalStateException.class, f.ledger::makeDurable);
    assertTrue(e.getMessage().contains("reopen it"), e.getMessage());
    assertEquals(1, s.syncs, "a broken ledger does not try to force again");
    // nor does closing it, which still closes the store
    f.ledger.close();
    assertEquals(1, s.syncs);
    assertTrue(s.closed);
  }

  @Test
  void aStateCommitThatFailsLeavesTheMembershipAndTheParticipantsAsTheyWere() {
    StateStoreReopenTest.CrashingState st = new StateStoreReopenTest.CrashingState(new InMemoryStateStore());
    ChainFixture f = ChainFixture.builder().state(st).build();
    ChainFixture.Actor auditor = f.actor("audit-new");
    Membership before = f.ledger.membership();
    long height = f.ledger.height();
    MembershipChange add = f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, auditor, f.hospitalB);
    st.armed = true;
    assertThrows(StoreException.class, () -> f.commit(add));
    assertEquals(height, f.ledger.height());
    assertEquals(before, f.ledger.membership());
    assertFalse(f.ledger.membership().isAuditServer(auditor.id()));
    assertFalse(f.ledger.participant(auditor.id()).isPresent());
  }

  // ------------------------------------------------------------------ closing

  @Test
  void aFailureToMakeBlocksDurableWhileClosingStillClosesEveryStore() {
    CountingStore s = new CountingStore();
    KeptState st = new KeptState();
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    ChainFixture f = ChainFixture.builder().store(s).state(st).log(log).build();
    f.ledger.deferDurability();
    f.commit(f.registerPatient(f.actor("p")));
    s.failSync = true;
    assertEquals("cannot sync", assertThrows(StoreException.class, f.ledger::close).getMessage());
    assertTrue(s.closed);
    assertEquals(1, st.closes);
    assertTrue(log.closed);
  }

  @Test
  void closingCommitsTheLogAtTheChainsSize() {
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    ChainFixture f = ChainFixture.builder().log(log).build();
    // fewer blocks than the log's commit interval: applying them commits the log only with genesis
    f.commit(f.registerPatient(f.actor("p1")));
    f.commit(f.registerPatient(f.actor("p2")));
    long size = f.ledger.tip().orElseThrow().ledgerSize();
    f.ledger.close();
    assertEquals(size, log.commits.get(log.commits.size() - 1), "commits " + log.commits);
    assertTrue(log.closed);
  }

  @Test
  void aBlockStoreThatFailsToCloseStillLetsTheStateAndTheLogClose() {
    CountingStore s = new CountingStore();
    KeptState st = new KeptState();
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    ChainFixture f = ChainFixture.builder().store(s).state(st).log(log).build();
    s.failClose = true;
    assertEquals("cannot close the blocks", assertThrows(StoreException.class, f.ledger::close).getMessage());
    assertEquals(1, st.closes);
    assertTrue(log.closed);
  }

  @Test
  void aStateStoreThatFailsToCloseStillLetsTheLogClose() {
    CountingStore s = new CountingStore();
    KeptState st = new KeptState();
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    ChainFixture f = ChainFixture.builder().store(s).state(st).log(log).build();
    st.failClose = true;
    assertEquals("cannot close the state", assertThrows(StoreException.class, f.ledger::close).getMessage());
    assertTrue(s.closed);
    assertTrue(log.closed);
  }

  // ------------------------------------------------------------------ the lock

  /** Another thread takes the ledger's write lock (and then its read lock) within 10 s. */
  static void assertLockIsFree(Ledger l, String after) throws Exception {
    CompletableFuture<Long> other = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        l.makeDurable();
        other.complete(l.height());
      } catch (RuntimeException e) {
        other.completeExceptionally(e);
      }
    });
    t.setDaemon(true);
    t.start();
    assertEquals(l.height(), other.get(10, TimeUnit.SECONDS), "the lock is still held after " + after);
  }

  @Test
  void everyPublicWriteCallReleasesTheLock() throws Exception {
    ChainFixture f = ChainFixture.create();
    Block next = f.rawBlock(List.of(f.registerPatient(f.actor("alice"))));
    assertTrue(f.ledger.validateIgnoringClock(next).isAccepted());
    assertLockIsFree(f.ledger, "validateIgnoringClock");
    assertTrue(f.ledger.validateCertified(next).isAccepted());
    assertLockIsFree(f.ledger, "validateCertified");
    assertTrue(f.ledger.validateWithoutSignatures(next).isAccepted());
    assertLockIsFree(f.ledger, "validateWithoutSignatures");
    assertTrue(f.ledger.append(new CertifiedBlock(next, f.certify(next.header()))).isAccepted());
    assertLockIsFree(f.ledger, "append of a certified block");
    f.ledger.deferDurability();
    assertLockIsFree(f.ledger, "deferDurability");
    f.clock.advance(Duration.ofSeconds(1));
    f.commit(f.registerPatient(f.actor("bob")));
    f.ledger.makeDurable();
    assertLockIsFree(f.ledger, "makeDurable");
    assertInstanceOf(ValidationResult.Accepted.class, f.ledger.checkEntry(f.registerPatient(f.actor("carol"))));
    assertLockIsFree(f.ledger, "checkEntry");
    // close commits the log under the write lock: a thread still using the ledger must not hang,
    // but hear that the ledger is closed
    f.ledger.close();
    CompletableFuture<Long> other = CompletableFuture.supplyAsync(() -> {
      f.ledger.makeDurable();
      return f.ledger.height();
    });
    ExecutionException e = assertThrows(ExecutionException.class, () -> other.get(10, TimeUnit.SECONDS));
    assertInstanceOf(LedgerClosedException.class, e.getCause());
  }
}
