package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StoreCorruptedException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certified blocks persist in a file store and replay into the same state on reopen. */
class StoreIntegrationTest {
  @TempDir
  Path dir;

  private ChainFixture build(FileBlockStore store) {
    return ChainFixture.builder().federationServers(4).auditServers(4).store(store).build();
  }

  @Test
  void reopenRebuildsTheSameState() {
    FileBlockStore store = FileBlockStore.open(dir);
    ChainFixture f = build(store);
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(rec);
    f.commit(f.revoke(alice, g));
    BlockHeader tip = f.ledger.tip().orElseThrow();
    Membership membership = f.ledger.membership();
    f.ledger.close();

    for (Ledger.ReplayMode mode : Ledger.ReplayMode.values()) {
      try (Ledger reopened = Ledger.builder(f.params).store(FileBlockStore.open(dir)).clock(f.clock).replay(mode).open()) {
        assertEquals(tip, reopened.tip().orElseThrow());
        assertEquals(membership.federationServers(), reopened.membership().federationServers());
        assertTrue(reopened.participant(doc.id()).isPresent());
        assertTrue(reopened.grant(g.id()).isPresent());
        assertTrue(!reopened.isGrantActive(g.id(), f.now()));
        assertTrue(reopened.ledgerInclusionProof(rec.id(), reopened.height()).orElseThrow().verify(tip));
        assertTrue(reopened.patientHistory(alice.id()).verify(tip).isAccepted());
        assertEquals(1, reopened.records(RecordQuery.all().patient(alice.id()), PageRequest.first(10)).items().size());
      }
    }
    // the reopened ledger keeps appending
    ChainFixture again = build(FileBlockStore.open(dir));
    assertEquals(tip.height(), again.ledger.height());
    again.clock.set(f.now());
    again.commit(again.registerPatient(again.actor("carol")));
    assertEquals(tip.height() + 1, again.ledger.height());
    again.ledger.close();
  }

  @Test
  void aFlippedByteOnDiskIsDetected() throws IOException {
    ChainFixture f = build(FileBlockStore.open(dir));
    f.commit(f.registerPatient(f.actor("alice")));
    f.commit(f.registerPatient(f.actor("bob")));
    f.ledger.close();
    Path segment;
    try (Stream<Path> s = Files.list(dir)) {
      segment = s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().contains("lock"))
          .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
    }
    long len = Files.size(segment);
    try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
      long pos = len / 3;
      raf.seek(pos);
      int b = raf.read();
      raf.seek(pos);
      raf.write(b ^ 0x10);
    }
    assertThrows(StoreCorruptedException.class,
        () -> Ledger.builder(f.params).store(FileBlockStore.open(dir)).clock(f.clock).open().close());
  }

  @Test
  void appendsAreDurableBeforeTheStateChanges() {
    ChainFixture f = build(FileBlockStore.open(dir));
    Actor alice = f.actor("alice");
    VerifiedBlock vb = f.propose(List.of(f.registerPatient(alice)));
    f.store.close();
    assertThrows(RuntimeException.class, () -> f.ledger.append(vb, f.certify(vb.header())));
    assertTrue(f.ledger.participant(alice.id()).isEmpty());
    assertEquals(0, f.ledger.height());
  }
}
