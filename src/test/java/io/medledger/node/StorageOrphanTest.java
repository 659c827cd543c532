package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MutableClock;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.storage.BlobState;
import io.medledger.storage.StoreException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blobs that no committed record references: deleted once the grace period after their upload has
 * passed, never when a record references them (before or after the upload, before or after a
 * restart), and counted against their uploader's quota until referenced. The ledger is a list of
 * blocks of payload digests and the time is set by hand, so nothing sleeps.
 */
class StorageOrphanTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration GRACE = Duration.ofHours(1);
  private static final long QUOTA = 64 << 10;

  @TempDir
  Path dir;

  private final MutableClock clock = new MutableClock(1_700_000_000_000L);
  private final Ed25519PublicKey alice = Ed25519PrivateKey.generate(RANDOM).publicKey();
  private final Ed25519PublicKey bob = Ed25519PrivateKey.generate(RANDOM).publicKey();

  /** A ledger whose blocks name payload digests; block hashes depend on {@code chain}. */
  private static final class Blocks implements PendingBlobs.LedgerFeed {
    final String chain;

    Blocks(String chain) {
      this.chain = chain;
      refs.add(List.of()); // genesis
    }

    final List<List<PendingBlobs.Reference>> refs = new ArrayList<>();

    synchronized void commit(Digest... payloads) {
      refs.add(java.util.Arrays.stream(payloads).map(d -> new PendingBlobs.Reference(d, 1, d)).toList());
    }

    /** A block with record {@code record} naming {@code payload} ({@code delta} 1), or its erasure (-1). */
    synchronized void record(Digest payload, int delta, Digest record) {
      refs.add(List.of(new PendingBlobs.Reference(payload, delta, record)));
    }

    /** A block erasing a record that named {@code payloads}. */
    synchronized void erase(Digest... payloads) {
      refs.add(java.util.Arrays.stream(payloads).map(d -> new PendingBlobs.Reference(d, -1, d)).toList());
    }

    @Override
    public synchronized long height() {
      return refs.size() - 1;
    }

    @Override
    public Digest hash(long height) {
      return Sha256.hash((chain + height).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public synchronized List<PendingBlobs.Reference> references(long height) {
      return refs.get((int) height);
    }
  }

  private final Blocks ledger = new Blocks("a");

  private StorageService service() {
    return service(ledger);
  }

  private StorageService service(PendingBlobs.LedgerFeed feed) {
    NodeConfig.StorageSettings st = new NodeConfig.StorageSettings(32 << 10, 1 << 20, 3, 8, Duration.ofSeconds(60), 0, 1)
        .withPending(QUOTA, GRACE);
    return new StorageService(null, dir, st, Set.of(alice, bob), () -> Long.MAX_VALUE / 2, feed, clock);
  }

  private static byte[] call(StorageService s, Ed25519PublicKey client, byte[] request) throws Exception {
    return s.handle(client, request).get(10, TimeUnit.SECONDS);
  }

  /** Uploads {@code data} as {@code who}; returns the response to the commit (or the refused open). */
  private static byte[] upload(StorageService s, Ed25519PublicKey who, byte[] data) throws Exception {
    byte[] open = call(s, who, StorageWire.longs(StorageWire.PUT_OPEN, data.length));
    if (open[0] != ClientWire.OK) {
      return open;
    }
    long session = ByteBuffer.wrap(open, 1, 8).getLong();
    assertEquals(ClientWire.OK, call(s, who, StorageWire.putChunk(session, 0, data, 0, data.length))[0]);
    return call(s, who, StorageWire.putCommit(session, Sha256.hash(data)));
  }

  private static Digest stored(StorageService s, Ed25519PublicKey who, byte[] data) throws Exception {
    byte[] r = upload(s, who, data);
    assertEquals(ClientWire.OK, r[0], () -> "refused: " + new String(r, 2, r.length - 2));
    return Sha256.hash(data);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  @Test
  void anUnreferencedBlobIsDeletedOnlyAfterTheGracePeriodAndAReferencedOneNever() throws Exception {
    try (StorageService s = service()) {
      Digest orphan = stored(s, alice, bytes(1000));
      Digest early = stored(s, alice, bytes(1000));
      Digest late = stored(s, alice, bytes(1000));
      ledger.commit(early); // referenced right away
      assertEquals(0, s.sweepOrphans());
      clock.advance(GRACE.minusSeconds(1));
      ledger.commit(late); // referenced late, inside the grace period
      assertEquals(0, s.sweepOrphans(), "nothing is older than the grace period yet");
      clock.advance(Duration.ofSeconds(1));
      assertEquals(1, s.sweepOrphans());
      assertEquals(BlobState.MISSING, s.store().check(orphan));
      assertEquals(BlobState.PRESENT, s.store().check(early));
      assertEquals(BlobState.PRESENT, s.store().check(late));
      clock.advance(Duration.ofDays(400));
      assertEquals(0, s.sweepOrphans());
      assertEquals(BlobState.PRESENT, s.store().check(early), "a referenced blob is never deleted");
      assertEquals(BlobState.PRESENT, s.store().check(late));
    }
  }

  @Test
  void aBlobReferencedBeforeItsUploadIsNeverPending() throws Exception {
    byte[] data = bytes(2000);
    ledger.commit(Sha256.hash(data)); // the record first, the payload afterwards (or a repair's re-upload)
    try (StorageService s = service()) {
      Digest id = stored(s, alice, data);
      assertFalse(s.pending().isPending(id));
      assertEquals(0, s.pending().charged(alice));
      clock.advance(GRACE.multipliedBy(3));
      assertEquals(0, s.sweepOrphans());
      assertEquals(BlobState.PRESENT, s.store().check(id));
    }
  }

  @Test
  void uploadTimesAndReferencesSurviveARestart() throws Exception {
    Digest orphan;
    Digest referenced;
    Digest later;
    try (StorageService s = service()) {
      orphan = stored(s, alice, bytes(1000));
      referenced = stored(s, alice, bytes(1000));
      later = stored(s, bob, bytes(1000));
      ledger.commit(referenced);
      s.pending().catchUp();
    }
    clock.advance(GRACE.dividedBy(2));
    try (StorageService s = service()) {
      assertTrue(s.pending().isPending(orphan), "the upload time was kept");
      assertFalse(s.pending().isPending(referenced));
      assertEquals(PendingBlobs.charge(1000), s.pending().charged(alice), "alice's quota counts across restarts");
      assertEquals(0, s.sweepOrphans(), "half the grace period after the upload, across the restart");
    }
    ledger.commit(later); // committed while the storage node was down
    clock.advance(GRACE.dividedBy(2));
    try (StorageService s = service()) {
      assertEquals(1, s.sweepOrphans());
      assertEquals(BlobState.MISSING, s.store().check(orphan));
      assertEquals(BlobState.PRESENT, s.store().check(referenced));
      assertEquals(BlobState.PRESENT, s.store().check(later));
      assertEquals(0, s.pending().charged(bob));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
          dir.resolve(PendingBlobs.JOURNAL))));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
          dir.resolve(PendingBlobs.INDEX))));
    }
  }

  @Test
  void eachUploaderHoldsAtMostTheirQuotaOfUnreferencedBytesUntilReferenced() throws Exception {
    try (StorageService s = service()) {
      Digest big = stored(s, alice, bytes(32 << 10));
      byte[] second = bytes(30 << 10);
      stored(s, alice, second);
      assertEquals(62 << 10, s.pending().charged(alice));
      byte[] refused = upload(s, alice, bytes(5 << 10));
      assertEquals(ClientWire.REFUSED, refused[0]);
      assertEquals(StorageWire.Refusal.QUOTA, StorageWire.Refusal.of(refused[1]));
      String why = new String(refused, 2, refused.length - 2, java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(why.contains("no committed record references") && why.contains("65536"), why);
      // small blobs count as at least 4 KiB each, so many tiny ones cannot pass it either
      assertEquals(ClientWire.REFUSED, upload(s, alice, bytes(1))[0]);
      assertEquals(ClientWire.OK, upload(s, bob, bytes(5 << 10))[0], "bob's quota is his own");
      ledger.commit(big);
      s.pending().catchUp();
      assertEquals(30 << 10, s.pending().charged(alice), "a referenced blob stops counting");
      assertEquals(ClientWire.OK, upload(s, alice, bytes(5 << 10))[0]);
      // an upload of undeclared length reserves the largest blob while it is open
      assertEquals(ClientWire.REFUSED, call(s, alice, StorageWire.longs(StorageWire.PUT_OPEN, -1))[0]);
      // a blob already pending, uploaded again by another, is counted once, against its last uploader
      assertEquals(ClientWire.OK, upload(s, bob, second)[0]);
      assertEquals((5 << 10) + (30 << 10), s.pending().charged(bob));
      assertEquals(5 << 10, s.pending().charged(alice));
      clock.advance(GRACE);
      assertEquals(3, s.sweepOrphans());
      assertEquals(0, s.pending().charged(alice), "deleted orphans stop counting");
      assertEquals(0, s.pending().charged(bob));
      assertEquals(BlobState.PRESENT, s.store().check(big));
      assertEquals(0, s.openSessions());
    }
  }

  @Test
  void aDamagedJournalNeverDeletesAReferencedBlobAndSkipsDamagedRecords() throws Exception {
    Digest referenced;
    Digest orphan;
    Digest damaged;
    try (StorageService s = service()) {
      referenced = stored(s, alice, bytes(1000));
      orphan = stored(s, alice, bytes(1000));
      damaged = stored(s, alice, bytes(1000));
    }
    ledger.commit(referenced); // committed while the node was down
    Path journal = dir.resolve(PendingBlobs.JOURNAL);
    byte[] j = Files.readAllBytes(journal);
    assertEquals(3 * PendingBlobs.RECORD, j.length);
    j[2 * PendingBlobs.RECORD + 75] ^= 0x01; // the third record's upload time: its CRC no longer holds
    byte[] torn = java.util.Arrays.copyOf(j, j.length + 17); // and a torn record at the end
    Files.write(journal, torn);
    try (StorageService s = service()) {
      assertFalse(s.pending().isPending(damaged), "a damaged record is skipped");
      assertEquals(PendingBlobs.charge(1000), s.pending().charged(alice));
      clock.advance(GRACE);
      assertEquals(1, s.sweepOrphans());
      assertEquals(BlobState.MISSING, s.store().check(orphan));
      assertEquals(BlobState.PRESENT, s.store().check(referenced), "referenced while the node was down");
      assertEquals(BlobState.PRESENT, s.store().check(damaged), "kept: its record did not hold");
      assertEquals(0, Files.size(journal) % PendingBlobs.RECORD, "rewritten without the torn record");
    }
    // a well-formed record dated far in the future counts from the restart, not for ever
    Files.write(journal, PendingBlobs.record(damaged, bob, 1000, Long.MAX_VALUE), java.nio.file.StandardOpenOption.APPEND);
    try (StorageService s = service()) {
      assertTrue(s.pending().isPending(damaged));
      assertEquals(0, s.sweepOrphans());
      clock.advance(GRACE);
      assertEquals(1, s.sweepOrphans());
      assertEquals(BlobState.MISSING, s.store().check(damaged));
      assertEquals(BlobState.PRESENT, s.store().check(referenced));
    }
  }

  @Test
  void anErasedRecordsPayloadUploadedAgainIsPendingUnlessAnotherRecordStillNamesIt() throws Exception {
    byte[] once = bytes(3000);
    byte[] twice = bytes(3000);
    try (StorageService s = service()) {
      Digest a = stored(s, alice, once);
      Digest b = stored(s, alice, twice);
      ledger.commit(a, b);
      ledger.commit(b); // a second record naming b
      ledger.erase(a, b); // one record naming each is erased (and its copies deleted by DELETE)
      s.pending().catchUp();
      s.store().delete(a);
      s.store().delete(b);
      // uploaded again after the erasure: a is no longer referenced, so it counts and expires
      assertEquals(a, stored(s, bob, once));
      assertEquals(b, stored(s, bob, twice));
      assertTrue(s.pending().isPending(a));
      assertFalse(s.pending().isPending(b), "another record still names b");
      assertEquals(PendingBlobs.charge(3000), s.pending().charged(bob));
      clock.advance(GRACE);
      assertEquals(1, s.sweepOrphans());
      assertEquals(BlobState.MISSING, s.store().check(a));
      assertEquals(BlobState.PRESENT, s.store().check(b));
    }
  }

  /**
   * A client whose upload was acknowledged just before the grace period of an earlier upload of
   * the same bytes ended (its own retry, or another client's record about to be written) has a
   * whole grace period for its record to commit, before and after a restart.
   */
  @Test
  void aPendingBlobUploadedAgainIsKeptAWholeGracePeriodFromItsLastUpload() throws Exception {
    byte[] data = bytes(1000);
    Digest id;
    try (StorageService s = service()) {
      id = stored(s, alice, data);
      clock.advance(GRACE.minusSeconds(1));
      assertEquals(id, stored(s, alice, data)); // a retry, acknowledged
      clock.advance(Duration.ofSeconds(2));
      assertEquals(0, s.sweepOrphans(), "deleted one second after its acknowledged upload");
      assertEquals(BlobState.PRESENT, s.store().check(id));
      clock.advance(GRACE.minusSeconds(10));
      assertEquals(id, stored(s, bob, data)); // bob's record names the same bytes
      assertEquals(0, s.pending().charged(alice), "charged once, to its last uploader");
      assertEquals(PendingBlobs.charge(1000), s.pending().charged(bob));
    }
    clock.advance(GRACE.minusSeconds(1));
    try (StorageService s = service()) {
      assertEquals(0, s.sweepOrphans(), "the restart took an earlier upload's time");
      assertEquals(PendingBlobs.charge(1000), s.pending().charged(bob));
      clock.advance(Duration.ofSeconds(1));
      assertEquals(1, s.sweepOrphans(), "its last grace period still ends");
    }
  }

  /** The service reopened, checked to hold {@code id}, uploaded just before, as pending and not to delete it yet. */
  private StorageService reopenedKeeping(Digest id) {
    StorageService s = service();
    assertTrue(s.pending().isPending(id));
    assertEquals(0, s.sweepOrphans(), "deleted just after its upload: the restart took the first upload's time");
    assertEquals(BlobState.PRESENT, s.store().check(id));
    return s;
  }

  /**
   * The journal keeps the record of an upload whose blob stopped being pending (deleted after its
   * grace period, or referenced and then erased) until it is next rewritten; an upload of the same
   * blob after that appends a second record. Reopened (after a restart or a kill -9: every record
   * is synced before the upload is answered), the blob is pending since its last upload, counted
   * against its last uploader.
   */
  @Test
  void aBlobUploadedAgainAfterItsFirstUploadExpiredIsPendingSinceItsLastUploadAcrossARestart() throws Exception {
    byte[] data = bytes(1000);
    Digest id;
    try (StorageService s = service()) {
      id = stored(s, alice, data);
      clock.advance(GRACE);
      assertEquals(1, s.sweepOrphans(), "its record never came within the grace period");
      clock.advance(GRACE.multipliedBy(2));
      assertEquals(id, stored(s, bob, data)); // uploaded again, by another client, for a record about to be written
      assertEquals(0, s.sweepOrphans());
    }
    try (StorageService s = reopenedKeeping(id)) {
      assertEquals(0, s.pending().charged(alice), "counted against the uploader of the blob's earlier life");
      assertEquals(PendingBlobs.charge(1000), s.pending().charged(bob));
      clock.advance(GRACE);
      assertEquals(1, s.sweepOrphans(), "its own grace period still ends");
      assertEquals(BlobState.MISSING, s.store().check(id));
    }
  }

  @Test
  void anErasedRecordsPayloadUploadedAgainIsPendingSinceItsLastUploadAcrossARestart() throws Exception {
    byte[] data = bytes(2000);
    Digest id;
    try (StorageService s = service()) {
      id = stored(s, alice, data);
      ledger.commit(id);
      ledger.erase(id);
      s.pending().catchUp();
      s.store().delete(id); // the erasure's DELETE
      clock.advance(GRACE.multipliedBy(5));
      assertEquals(id, stored(s, alice, data)); // written again for a new record
    }
    try (StorageService s = reopenedKeeping(id)) {
      ledger.commit(id); // its new record, within the grace period
      clock.advance(GRACE);
      assertEquals(0, s.sweepOrphans());
      assertEquals(BlobState.PRESENT, s.store().check(id));
    }
  }

  @Test
  void nothingIsDeletedWhileTheIndexIsAheadOfTheLedgerAndNotYetFoundOnIt() throws Exception {
    Digest orphan;
    try (StorageService s = service()) {
      orphan = stored(s, alice, bytes(100));
      ledger.commit();
      ledger.commit();
      s.pending().catchUp();
    }
    Blocks behind = new Blocks("a"); // the same chain, but the ledger lost its last blocks (or another chain)
    clock.advance(GRACE);
    try (StorageService s = service(behind)) {
      assertEquals(0, s.sweepOrphans());
      behind.commit();
      behind.commit();
      assertEquals(1, s.sweepOrphans(), "the index's tip is found on the ledger again");
      assertEquals(BlobState.MISSING, s.store().check(orphan));
    }
  }

  @Test
  void anIndexOfAnotherChainIsRefused() throws Exception {
    try (StorageService s = service()) {
      stored(s, alice, bytes(100));
    }
    Blocks other = new Blocks("b");
    StoreException e = assertThrows(StoreException.class, () -> service(other).close());
    assertTrue(e.getMessage().contains("referenced payloads"), e.getMessage());
  }
  /**
   * Of records naming one payload (a chain written before the ledger refused copies), the first
   * owns it: its erasure lets the payload be deleted though copies are not erased, and a copy's
   * erasure never does.
   */
  @Test
  void theFirstRecordNamingAPayloadOwnsIt() throws Exception {
    try (StorageService s = service()) {
      Digest id = stored(s, alice, bytes(1000));
      Digest own = Sha256.hash(new byte[] {1});
      Digest copy = Sha256.hash(new byte[] {2});
      Digest another = Sha256.hash(new byte[] {3});
      ledger.record(id, 1, own);
      ledger.record(id, 1, copy);
      ledger.record(id, -1, copy);
      assertFalse(s.pending().erasable(id, copy), "a copy's erasure deletes nothing while the owner's record stands");
      ledger.record(id, 1, another);
      assertTrue(s.pending().erasable(id, own), "the owner's erasure reaches it though a copy stands");
      assertFalse(s.pending().erasable(id, another));
    }
  }

  /**
   * An uploader sends a few bytes and commits them under the digest of a pending blob (its own,
   * or one it learnt): the commit is refused as corrupt and the pending blob keeps its uploader,
   * its charge and its upload time, so the claim neither lowers a 32 KiB blob's charge to the
   * 4 KiB of a tiny one (which let an uploader hold many times its quota) nor starts its grace
   * period again (which kept an orphan for ever).
   */
  @Test
  void aCommitClaimingAPendingBlobsDigestForOtherBytesLeavesThatBlobAsItWas() throws Exception {
    try (StorageService s = service()) {
      Digest big = stored(s, alice, bytes(32 << 10));
      clock.advance(GRACE.minusSeconds(1));
      for (Ed25519PublicKey who : List.of(alice, bob)) {
        byte[] open = call(s, who, StorageWire.longs(StorageWire.PUT_OPEN, 1));
        long session = ByteBuffer.wrap(open, 1, 8).getLong();
        assertEquals(ClientWire.OK, call(s, who, StorageWire.putChunk(session, 0, new byte[] {7}, 0, 1))[0]);
        byte[] r = call(s, who, StorageWire.putCommit(session, big));
        assertEquals(ClientWire.REFUSED, r[0]);
        assertEquals(StorageWire.Refusal.CORRUPT, StorageWire.Refusal.of(r[1]));
      }
      assertEquals(32 << 10, s.pending().charged(alice), "still charged in full, to its uploader");
      assertEquals(0, s.pending().charged(bob));
      clock.advance(Duration.ofSeconds(1));
      assertEquals(1, s.sweepOrphans(), "its grace period ran from its real upload");
      assertEquals(BlobState.MISSING, s.store().check(big));
      assertEquals(0, s.openSessions());
    }
    try (StorageService s = service()) {
      assertEquals(0, s.pending().pendingCount(), "no journal record of the false claims");
    }
  }

  /**
   * A named pipe in place of the journal of uploads (a hostile hand, or a restore from an archive
   * that carries pipes): opening the storage service read it, which waited for a writer for ever,
   * so the node hung at start with nothing logged; a link in its place was read through.
   */
  @Test
  void aPipeOrALinkInPlaceOfTheJournalIsRefusedNotWaitedOn(@TempDir Path outside) throws Exception {
    Digest id;
    try (StorageService s = service()) {
      id = stored(s, alice, bytes(1000));
    }
    Path journal = dir.resolve(PendingBlobs.JOURNAL);
    Path copy = Files.copy(journal, outside.resolve("journal"));
    Files.delete(journal);
    org.junit.jupiter.api.Assumptions.assumeTrue(io.medledger.testing.TestFiles.fifo(journal), "mkfifo");
    StoreException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(StoreException.class, this::service));
    assertTrue(e.getMessage().contains(PendingBlobs.JOURNAL) && e.getMessage().contains("not a regular file"),
        e.getMessage());
    Files.delete(journal);
    Files.createSymbolicLink(journal, copy);
    StoreException l = assertThrows(StoreException.class, this::service);
    assertTrue(l.getMessage().contains("symbolic link"), l.getMessage());
    Files.delete(journal);
    Files.copy(copy, journal);
    try (StorageService s = service()) {
      assertTrue(s.pending().isPending(id), "the journal moved back is read again");
    }
  }
}
