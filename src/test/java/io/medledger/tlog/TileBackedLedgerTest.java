package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.LedgerReplayException;
import io.medledger.chain.MedicalRecord;
import io.medledger.storage.FileBlockStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ledger whose ledger-wide log lives in tiles on disk. */
class TileBackedLedgerTest {
  @TempDir Path dir;

  static ChainFixture build(Path dir, int blocks) {
    ChainFixture f = ChainFixture.builder().federationServers(2).auditServers(2)
        .store(FileBlockStore.open(dir.resolve("blocks"))).log(TileLog.open(dir.resolve("log"))).build();
    Actor doc = f.actor("dr-a");
    f.commit(f.registerClinician(doc, f.hospitalA));
    for (int b = 0; b < blocks; b++) {
      List<Entry> es = new ArrayList<>();
      for (int i = 0; i < 97; i++) {
        Actor p = f.actor("p" + b + "-" + i);
        es.add(f.registerPatient(p));
      }
      f.commit(es);
    }
    return f;
  }

  @Test
  void proofsFromTilesVerifyAndSurviveReopen() {
    ChainFixture f = build(dir, 6);
    BlockHeader tip = f.ledger.tip().orElseThrow();
    assertTrue(tip.ledgerSize() > 512);
    f.commit(f.grant(f.actor("p0-0"), f.hospitalA, io.medledger.access.Purpose.TREATMENT,
        io.medledger.chain.AccessScope.all()));
    MedicalRecord rec = f.record(f.actor("dr-a"), f.actor("p0-0"), f.hospitalA, "Observation", "x");
    f.commit(rec);
    BlockHeader tip2 = f.ledger.tip().orElseThrow();
    assertTrue(f.ledger.ledgerInclusionProof(rec.id(), tip2.height()).orElseThrow().verify(tip2));
    assertTrue(f.ledger.consistencyProof(1, tip2.height()).verify(f.ledger.header(1), tip2));
    f.ledger.close();
    try (Ledger l = Ledger.builder(f.params).store(FileBlockStore.open(dir.resolve("blocks")))
        .log(TileLog.open(dir.resolve("log"))).clock(f.clock).open()) {
      assertEquals(tip2, l.tip().orElseThrow());
      assertTrue(l.ledgerInclusionProof(rec.id(), tip2.height()).orElseThrow().verify(tip2));
      assertTrue(l.consistencyProof(2, tip2.height()).verify(l.header(2), tip2));
      assertTrue(l.entryInclusionProof(rec.id()).orElseThrow().verify(tip2));
    }
  }

  @Test
  void aLogThatDisagreesWithTheChainIsRefused() {
    ChainFixture f = build(dir, 1);
    f.ledger.close();
    // A log ahead of the chain.
    try (TileLog t = TileLog.open(dir.resolve("log"))) {
      t.appendLeafHash(io.medledger.merkle.Rfc9162.leafHash(new byte[] {1}));
      t.commit();
    }
    assertThrows(LedgerReplayException.class, () -> Ledger.builder(f.params)
        .store(FileBlockStore.open(dir.resolve("blocks"))).log(TileLog.open(dir.resolve("log"))).clock(f.clock).open());
    // A log of another chain's leaves.
    ChainFixture other = ChainFixture.builder().federationServers(2).auditServers(2).chainName("other")
        .log(TileLog.open(dir.resolve("other-log"))).build();
    other.ledger.close();
    assertThrows(LedgerReplayException.class, () -> Ledger.builder(f.params)
        .store(FileBlockStore.open(dir.resolve("blocks"))).log(TileLog.open(dir.resolve("other-log"))).clock(f.clock)
        .open());
  }
}
