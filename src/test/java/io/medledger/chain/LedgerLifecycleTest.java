package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.InclusionProof;
import io.medledger.merkle.LeafHashLog;
import io.medledger.merkle.MerkleLog;
import io.medledger.storage.InMemoryBlockStore;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StoreException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a ledger owns it closes, also when opening fails; replay commits the ledger-wide log it
 * rebuilt; a stored block that does not decode stops the replay at its height.
 */
class LedgerLifecycleTest {
  /** A log in memory that records its commits (the size at each) and whether it was closed. */
  static final class RecordingLog implements LeafHashLog, AutoCloseable {
    final MerkleLog inner = new MerkleLog();
    final List<Long> commits = new ArrayList<>();
    boolean closed;

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public long appendLeafHash(Digest leafHash) {
      return inner.appendLeafHash(leafHash);
    }

    @Override
    public Digest leafHash(long index) {
      return inner.leafHash(index);
    }

    @Override
    public Digest root(long size) {
      return inner.root(size);
    }

    @Override
    public InclusionProof inclusionProof(long index, long size) {
      return inner.inclusionProof(index, size);
    }

    @Override
    public ConsistencyProof consistencyProof(long size1, long size2) {
      return inner.consistencyProof(size1, size2);
    }

    @Override
    public void commit() {
      commits.add(inner.size());
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static ChainFixture chain() {
    ChainFixture f = ChainFixture.create();
    f.commit(f.registerPatient(f.actor("alice")));
    f.commit(f.registerPatient(f.actor("bob")));
    return f;
  }

  static InMemoryBlockStore copy(ChainFixture f, byte[]... extra) {
    InMemoryBlockStore s = new InMemoryBlockStore();
    for (long h = 0; h <= f.ledger.height(); h++) {
      s.append(f.ledger.block(h).encode());
    }
    for (byte[] b : extra) {
      s.append(b);
    }
    return s;
  }

  @Test
  void closingTheLedgerClosesTheBlockStoreTheStateStoreAndTheLog() {
    ChainFixture f = chain();
    InMemoryBlockStore s = copy(f);
    InMemoryStateStore st = new InMemoryStateStore();
    RecordingLog log = new RecordingLog();
    Ledger l = Ledger.builder(f.params).store(s).state(st).log(log).clock(f.clock).open();
    assertEquals(f.ledger.tip(), l.tip());
    l.close();
    assertThrows(StoreException.class, () -> s.read(0));
    assertThrows(StoreException.class, st::height);
    assertTrue(log.closed);
  }

  @Test
  void replayCommitsTheRebuiltLogAtTheChainsSize() {
    ChainFixture f = chain();
    RecordingLog log = new RecordingLog();
    Ledger l = Ledger.builder(f.params).store(copy(f)).log(log).clock(f.clock).open();
    long size = f.ledger.tip().orElseThrow().ledgerSize();
    assertEquals(size, l.tip().orElseThrow().ledgerSize());
    assertFalse(log.commits.isEmpty());
    assertEquals(size, log.commits.get(log.commits.size() - 1));
  }

  @Test
  void aStoredBlockThatDoesNotDecodeStopsTheReplayAndTheStoresAreClosed() {
    ChainFixture f = chain();
    byte[] tip = f.ledger.block(f.ledger.height()).encode();
    byte[] bad = tip.clone();
    bad[0] = 9; // an unknown block version
    InMemoryBlockStore s = copy(f, bad);
    InMemoryStateStore st = new InMemoryStateStore();
    RecordingLog log = new RecordingLog();
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(s).state(st).log(log).clock(f.clock).open());
    assertEquals(f.ledger.height() + 1, e.height());
    assertThrows(StoreException.class, () -> s.read(0));
    assertThrows(StoreException.class, st::height);
    assertTrue(log.closed);
  }

  @Test
  void aFailureToCloseAfterAFailedOpenIsKeptBesideTheReplayFailure() {
    ChainFixture f = chain();
    byte[] bad = f.ledger.block(f.ledger.height()).encode();
    bad[0] = 9;
    InMemoryBlockStore inner = copy(f, bad);
    LedgerWritePathTest.CountingStore failingClose = new LedgerWritePathTest.CountingStore(inner);
    failingClose.failClose = true;
    InMemoryStateStore st = new InMemoryStateStore();
    RecordingLog log = new RecordingLog();
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(failingClose).state(st).log(log).clock(f.clock).open());
    assertEquals(1, e.getSuppressed().length);
    assertEquals("cannot close the blocks", e.getSuppressed()[0].getMessage());
    // the block store's failure to close does not leave the state store or the log open
    assertThrows(StoreException.class, st::height);
    assertTrue(log.closed);
  }

  @Test
  void aLogLongerThanTheChainIsRefused() {
    ChainFixture f = chain();
    RecordingLog log = new RecordingLog();
    for (long h = 0; h <= f.ledger.height(); h++) {
      for (Entry en : f.ledger.block(h).block().entries()) {
        log.appendLeafHash(en.leafHash());
      }
    }
    long size = log.size();
    log.appendLeafHash(ChainFixture.digest("stray"));
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(copy(f)).log(log).clock(f.clock).open());
    assertEquals(f.ledger.height(), e.height());
    assertTrue(e.getMessage().contains("the ledger-wide log holds " + (size + 1) + " leaves but the chain " + size),
        e.getMessage());
  }
}
