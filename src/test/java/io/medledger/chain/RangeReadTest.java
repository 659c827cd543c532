package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.primitives.Bytes;
import io.medledger.access.Purpose;
import io.medledger.chain.StateStoreReopenTest.CountingStore;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.storage.BlockStore;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.testing.DelegatingStateStore;
import io.medledger.tlog.TileLog;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Histories and inclusion proofs read single entries by byte range from the block store, check
 * them by hash, and never return a damaged entry.
 */
class RangeReadTest {
  private static final FileBlockStore.Options SEGMENTS = FileBlockStore.Options.defaults().withSegmentSize(1024);

  @TempDir
  Path dir;

  private record Built(ChainFixture f, Actor alice, List<MedicalRecord> records, BlockHeader tip,
      PatientHistoryProof history) {}

  /** Alice's records in four blocks, each shared with records of another patient. */
  private Built build() {
    ChainFixture f = onDisk(ChainFixture.builder().federationServers(2).auditServers(2));
    Actor alice = f.actor("alice");
    Actor bob = f.actor("bob");
    Actor doc = f.actor("dr-a");
    patientsOfHospitalA(f, doc, alice, bob);
    List<MedicalRecord> recs = new ArrayList<>();
    for (int b = 0; b < 4; b++) {
      MedicalRecord r = f.record(doc, alice, f.hospitalA, "Observation", "alice-" + b);
      recs.add(r);
      f.commit(f.record(doc, bob, f.hospitalA, "Observation", "bob-" + b), r,
          f.record(doc, bob, f.hospitalA, "Observation", "bob-x" + b));
    }
    f.commit(f.registerPatient(f.actor("carol"))); // the last segment, verified whole at open
    BlockHeader tip = f.ledger.tip().orElseThrow();
    PatientHistoryProof h = f.ledger.patientHistory(alice.id());
    f.ledger.close();
    return new Built(f, alice, recs, tip, h);
  }

  private Ledger reopen(Built b, BlockStore blocks) {
    return reopen(b.f(), blocks);
  }

  /** Registers {@code doc} at hospital A and {@code patients}, each granting hospital A treatment of all records. */
  private static void patientsOfHospitalA(ChainFixture f, Actor doc, Actor... patients) {
    List<Entry> registrations = new ArrayList<>();
    List<Entry> grants = new ArrayList<>();
    for (Actor p : patients) {
      registrations.add(f.registerPatient(p));
      grants.add(f.grant(p, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    }
    registrations.add(f.registerClinician(doc, f.hospitalA));
    f.commit(registrations);
    f.commit(grants);
  }

  /** A fixture (as {@code b} sets it up) whose blocks, state and log are on disk in {@link #dir}. */
  private ChainFixture onDisk() {
    return onDisk(ChainFixture.builder());
  }

  private ChainFixture onDisk(ChainFixture.Builder b) {
    return b.store(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS))
        .state(StateStore.rocksDb(dir.resolve("state"))).log(TileLog.open(dir.resolve("log"))).build();
  }

  /** {@code f}'s ledger, closed, opened again over {@code blocks}. */
  private Ledger reopen(ChainFixture f, BlockStore blocks) {
    return Ledger.builder(f.params).store(blocks).state(StateStore.rocksDb(dir.resolve("state")))
        .log(TileLog.open(dir.resolve("log"))).clock(f.clock).open();
  }

  @Test
  void historiesAndProofsReadOnlyTheirEntries() {
    Built b = build();
    CountingStore p = new CountingStore(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS));
    try (Ledger l = reopen(b, p)) {
      int before = p.reads.get();
      PatientHistoryProof h = l.patientHistory(b.alice().id());
      assertTrue(h.verify(b.tip()).isAccepted());
      assertEquals(b.history(), h);
      for (MedicalRecord r : b.records()) {
        LedgerInclusionProof proof = l.ledgerInclusionProof(r.id(), b.tip().height()).orElseThrow();
        assertTrue(proof.verify(b.tip()));
        assertEquals(r, proof.entry());
      }
      assertEquals(before, p.reads.get(), "no whole block read");
      assertTrue(p.ranges.get() >= 4 + 1 + 4, "range reads: " + p.ranges.get());
    }
  }

  /**
   * One entry by id (a client's {@code ENTRY}, and each entry a proxy checks for a
   * {@code REENCRYPT}) costs a read of its own bytes: it decoded its whole block, which other
   * participants' entries may fill up to the chain's block limit.
   */
  @Test
  void anEntryByIdReadsOnlyItsOwnBytesWhateverElseItsBlockHolds() {
    ChainFixture f = onDisk();
    Actor alice = f.actor("alice");
    Actor bob = f.actor("bob");
    Actor doc = f.actor("dr-a");
    patientsOfHospitalA(f, doc, alice, bob);
    MedicalRecord mine = f.record(doc, alice, f.hospitalA, "Observation", "alice");
    List<Entry> block = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      block.add(f.record(doc, bob, f.hospitalA, "Observation", "bob-" + i)); // what others wrote in the same block
    }
    block.add(100, mine);
    f.commit(block);
    f.ledger.close();
    CountingStore p = new CountingStore(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS));
    try (Ledger l = reopen(f, p)) {
      int reads = p.reads.get();
      p.rangeLengths.clear();
      assertEquals(Optional.of(mine), io.medledger.internal.ProxyRules.entry(l, mine.id()));
      assertEquals(reads, p.reads.get(), "no whole block read");
      assertEquals(List.of(EncodedEntry.of(mine).encoded.length), p.rangeLengths, "only the entry's own bytes");
      assertEquals(Optional.empty(), l.entry(ChainFixture.digest("no such entry")));
    }
  }

  /**
   * A proxy checking an access event on a deep amendment takes the amended records' ids from the
   * state: it read every record of the lineage (up to 256, each then in a whole block of its own).
   */
  @Test
  void aProxyCheckReadsNoAmendedRecord() {
    ChainFixture f = onDisk();
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord first = f.record(doc, alice, f.hospitalA, "Observation", "v0");
    f.commit(first);
    AccessGrant g = f.grant(alice, doc, Purpose.TREATMENT, AccessScope.records(first.id()));
    f.commit(g);
    MedicalRecord last = first;
    for (int i = 1; i <= 30; i++) {
      last = f.amend(doc, alice, f.hospitalA, "Observation", "v" + i, last);
      f.commit(last); // each version in a block of its own
    }
    AccessEvent read = f.accessEvent(doc, last, g);
    f.commit(read);
    f.ledger.close();
    CountingStore p = new CountingStore(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS));
    try (Ledger l = reopen(f, p)) {
      assertEquals(List.of(last.id(), last.amends().orElseThrow()), l.recordLineage(last.id()).subList(0, 2));
      assertEquals(31, l.recordLineage(last.id()).size());
      assertEquals(List.of(), l.recordLineage(read.id()), "an access event is no record");
      int reads = p.reads.get();
      int ranges = p.ranges.get();
      // the scope (the first version) covers the last through its lineage; the fixture's records
      // carry no real capsule, so the check ends there, after everything it reads
      io.medledger.pre.EnvelopeException e = assertThrows(io.medledger.pre.EnvelopeException.class,
          () -> io.medledger.internal.ProxyRules.check(l, read.id(), f.now(), "proxy"));
      assertTrue(e.getMessage().contains("no re-encryption capsule"), e.getMessage());
      assertEquals(reads, p.reads.get(), "no whole block read");
      assertEquals(3, p.ranges.get() - ranges, "the event, its grant and its record; no version it amends");
    }
  }

  @Test
  void aHistoryReadsItsEntriesWhereTheSubBlockRecordsSayWithoutTheBlocksBounds() {
    Built b = build();
    AtomicInteger bounds = new AtomicInteger();
    StateStore counting = new DelegatingStateStore(StateStore.rocksDb(dir.resolve("state"))) {
      @Override
      public byte[] get(byte[] key) {
        if (key[0] == LedgerState.ENTRY_BOUNDS) {
          bounds.incrementAndGet();
        }
        return inner.get(key);
      }
    };
    CountingStore p = new CountingStore(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS));
    try (Ledger l = Ledger.builder(b.f().params).store(p).state(counting).log(TileLog.open(dir.resolve("log")))
        .clock(b.f().clock).open()) {
      int reads = p.reads.get();
      assertEquals(b.history(), l.patientHistory(b.alice().id()));
      assertEquals(0, bounds.get(), "entry bounds read");
      assertEquals(reads, p.reads.get(), "no whole block read");
      assertEquals(6, p.ranges.get(), "one range read per entry (registration, grant, 4 records)");
    }
  }

  @Test
  void aSubBlockRecordOfTheWrongSizeIsRefused() {
    Built b = build();
    StateStore truncating = new DelegatingStateStore(StateStore.rocksDb(dir.resolve("state"))) {
      @Override
      public void scan(byte[] from, byte[] to, Visitor visitor) {
        inner.scan(from, to, (k, v) -> visitor.visit(k,
            k[0] == LedgerState.SUB_BLOCK ? java.util.Arrays.copyOf(v, v.length - 4) : v));
      }
    };
    try (Ledger l = Ledger.builder(b.f().params).store(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS))
        .state(truncating).log(TileLog.open(dir.resolve("log"))).clock(b.f().clock).open()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.patientHistory(b.alice().id()));
      assertTrue(e.getMessage().contains("sub-block record"), e.getMessage());
    }
  }

  @Test
  void aDamagedRangeFallsBackToTheCheckedBlock() {
    Built b = build();
    CountingStore p = new CountingStore(FileBlockStore.open(dir.resolve("blocks"), SEGMENTS));
    try (Ledger l = reopen(b, p)) {
      p.damageRanges = true;
      int before = p.reads.get();
      assertEquals(b.history(), l.patientHistory(b.alice().id()));
      MedicalRecord r = b.records().get(1);
      assertEquals(r, l.ledgerInclusionProof(r.id(), b.tip().height()).orElseThrow().entry());
      assertTrue(p.reads.get() > before, "the whole blocks were read");
    }
  }

  @Test
  void aFlippedByteInAnEntryIsCorruptionNeverData() throws IOException {
    Built b = build();
    MedicalRecord damaged = b.records().get(1);
    byte[] needle = EncodedEntry.of(damaged).encoded;
    int flipped = 0;
    try (Stream<Path> s = Files.list(dir.resolve("blocks"))) {
      for (Path seg : s.filter(x -> x.getFileName().toString().endsWith(".seg")).toList()) {
        byte[] bytes = Files.readAllBytes(seg);
        int at = Bytes.indexOf(bytes, needle);
        if (at >= 0) {
          try (RandomAccessFile raf = new RandomAccessFile(seg.toFile(), "rw")) {
            // inside the record's payload digest: the entry still decodes, only its hash tells
            long pos = at + Bytes.indexOf(needle, damaged.payloadDigest().toByteArray()) + 5;
            raf.seek(pos);
            int x = raf.read();
            raf.seek(pos);
            raf.write(x ^ 0x10);
          }
          flipped++;
        }
      }
    }
    assertEquals(1, flipped);
    try (Ledger l = reopen(b, FileBlockStore.open(dir.resolve("blocks"), SEGMENTS))) {
      assertThrows(StoreCorruptedException.class, () -> l.patientHistory(b.alice().id()));
      assertThrows(StoreCorruptedException.class, () -> l.ledgerInclusionProof(damaged.id(), b.tip().height()));
      MedicalRecord intact = b.records().get(2);
      assertEquals(intact, l.ledgerInclusionProof(intact.id(), b.tip().height()).orElseThrow().entry());
    }
  }
}
