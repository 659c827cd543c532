package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the replicated store reports, node by node: a node that stores other bytes than it was
 * given, serves bytes that do not hash to the id, cannot be repaired or reached; what the check,
 * the repair, the sweep and the erasure say about each; the bounds of its configuration and of a
 * streamed payload at their edges; and the warnings an operator sees.
 */
class ReplicatedBlobStoreReportsTest {
  /** A node that can lie: store other bytes than it was given, or serve bytes of another blob. */
  static final class LyingStore implements BlobStore {
    final InMemoryBlobStore inner = new InMemoryBlobStore();
    boolean storesOtherBytes;
    boolean servesOtherBytes;
    boolean corruptsReads;
    boolean refusesWrites;
    boolean down;

    @Override
    public Digest put(byte[] data) {
      if (down) {
        throw new BlobUnavailableException("node down");
      }
      if (refusesWrites) {
        throw new BlobUnavailableException("node refuses writes");
      }
      return inner.put(storesOtherBytes ? new byte[] {42} : data);
    }

    @Override
    public Optional<byte[]> get(Digest id) {
      if (down) {
        throw new BlobUnavailableException("node down");
      }
      return inner.get(id).map(b -> corruptsReads ? new byte[] {0} : b);
    }

    @Override
    public boolean read(Digest id, OutputStream out) {
      if (!servesOtherBytes) {
        return BlobStore.super.read(id, out);
      }
      try {
        out.write(new byte[] {1, 2, 3});
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return true;
    }

    @Override
    public boolean delete(Digest id) {
      if (down) {
        throw new BlobUnavailableException("node down");
      }
      return inner.delete(id);
    }
  }

  private final LyingStore a = new LyingStore();
  private final LyingStore b = new LyingStore();
  private final LyingStore c = new LyingStore();
  private final List<LogRecord> logged = new ArrayList<>();
  private final Logger log = Logger.getLogger(ReplicatedBlobStore.class.getName());
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logged.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @TempDir Path spool;

  ReplicatedBlobStoreReportsTest() {
    log.addHandler(handler);
  }

  @AfterEach
  void removeHandler() {
    log.removeHandler(handler);
  }

  private ReplicatedBlobStore store(int w) {
    return new ReplicatedBlobStore(List.of(new StorageNode("node-a", a), new StorageNode("node-b", b),
        new StorageNode("node-c", c)), w, spool);
  }

  private boolean warned(String text) {
    return logged.stream().anyMatch(r -> r.getMessage().contains(text));
  }

  @Test
  void theConfigurationIsCheckedAtItsEdges() {
    List<StorageNode> nodes = List.of(new StorageNode("node-a", a), new StorageNode("node-b", b));
    assertThrows(IllegalArgumentException.class, () -> new ReplicatedBlobStore(nodes, 0));
    assertThrows(IllegalArgumentException.class, () -> new ReplicatedBlobStore(nodes, 3));
    assertThrows(IllegalArgumentException.class, () -> new ReplicatedBlobStore(List.of(), 1));
    assertThrows(IllegalArgumentException.class, () -> new ReplicatedBlobStore(nodes, 1, spool, 0));
    ReplicatedBlobStore one = new ReplicatedBlobStore(nodes, 1, spool, 1);
    assertEquals(1, one.writeQuorum());
    assertEquals(List.of("node-a", "node-b"), one.nodeIds());
    assertEquals(2, new ReplicatedBlobStore(nodes, 2).writeQuorum());
    // a streamed payload of exactly the bound passes, one byte more does not
    assertEquals(1, one.putReplicated(new ByteArrayInputStream(new byte[] {9})).size());
    assertThrows(IllegalArgumentException.class, () -> one.putReplicated(new ByteArrayInputStream(new byte[2])));
  }

  @Test
  void aNodeThatStoresOtherBytesDoesNotCountTowardTheQuorum() {
    b.storesOtherBytes = true;
    byte[] data = {5, 6, 7};
    ReplicatedBlobStore.Placement p = store(2).putReplicated(data);
    assertEquals(List.of("node-a", "node-c"), p.nodeIds());
    assertEquals(3, p.size());
    assertTrue(warned("node-b (returned a different digest)"), logged.toString());
    c.down = true;
    InsufficientReplicasException e = assertThrows(InsufficientReplicasException.class, () -> store(2).putReplicated(data));
    assertTrue(e.getMessage().contains("reached 1 of the 2 nodes required; failed: node-b (returned a different digest), "
        + "node-c (node down)"), e.getMessage());
    c.down = false;
    byte[] eight = {8};
    assertThrows(InsufficientReplicasException.class, () -> store(3).putReplicated(new ByteArrayInputStream(eight)));
    assertEquals(Optional.empty(), a.inner.get(Sha256.hash(eight)), "the copies below the quorum are removed");
  }

  @Test
  void aReadNamesEachNodesProblemInTheOrderTriedAndRepairsWhatItCan() {
    ReplicatedBlobStore s = store(2);
    byte[] data = new byte[1000];
    data[1] = 1;
    Digest id = s.putReplicated(data).id();
    a.servesOtherBytes = true;
    b.inner.delete(id);
    b.storesOtherBytes = true; // its repair stores the wrong bytes
    ReplicatedBlobStore.ReadReport r = s.readTo(id, List.of("no-such-node", "node-a", "node-b"), new ByteArrayOutputStream());
    assertEquals("node-c", r.servedBy());
    assertEquals(1000, r.size());
    assertEquals(List.of("node-a", "node-b"), List.copyOf(r.problems().keySet()));
    assertEquals("corrupt: the copy served does not hash to the id", r.problems().get("node-a"));
    assertEquals("missing", r.problems().get("node-b"));
    assertEquals(List.of("node-a"), r.corrupt());
    assertEquals(List.of("node-a"), r.repaired(), "node-b took the repair but stored other bytes");
    assertTrue(warned("served by node-c"), logged.toString());
    // a node that cannot be reached, and a repair that fails, are named
    a.servesOtherBytes = false;
    a.down = true;
    b.storesOtherBytes = false;
    b.inner.delete(id);
    b.refusesWrites = true;
    ReplicatedBlobStore.ReadReport again = s.readTo(id, List.of("node-a", "node-b"), new ByteArrayOutputStream());
    assertEquals("unreachable: node down", again.problems().get("node-a"));
    assertEquals("missing; not rewritten: a read rewrote it less than 10 min ago", again.problems().get("node-b"),
        "a read repair of one payload on one node at most once per interval");
    assertEquals(List.of(), again.repaired());
    ReplicatedBlobStore.ReadReport fresh = store(2).readTo(id, List.of("node-a", "node-b"), new ByteArrayOutputStream());
    assertEquals("missing; repair failed: node refuses writes", fresh.problems().get("node-b"));
    assertEquals(List.of(), fresh.repaired());
    // a read with no problem logs nothing
    a.down = false;
    b.refusesWrites = false;
    a.servesOtherBytes = false;
    s.repair(id);
    logged.clear();
    ReplicatedBlobStore.ReadReport clean = s.readTo(id, List.of(), new ByteArrayOutputStream());
    assertEquals(Map.of(), clean.problems());
    assertEquals("node-a", clean.servedBy());
    assertTrue(logged.isEmpty(), logged.toString());
  }

  @Test
  void aRepairFailingToRewriteACopyNamesTheNode() {
    ReplicatedBlobStore s = store(2);
    byte[] data = {1, 2, 3, 4};
    Digest id = s.putReplicated(data).id();
    b.inner.delete(id);
    c.inner.delete(id);
    c.storesOtherBytes = true;
    ReplicatedBlobStore.RepairReport r = s.repair(id);
    assertEquals(List.of("node-b"), r.repaired());
    assertEquals(List.of("node-c"), r.unreachable());
    // nothing to repair: no node rewritten, none unreachable
    c.storesOtherBytes = false;
    s.repair(id);
    ReplicatedBlobStore.RepairReport none = s.repair(id);
    assertEquals(List.of(), none.repaired());
    assertEquals(List.of(), none.unreachable());
    ReplicatedBlobStore.SweepReport sweep = s.sweep(List.of(id));
    assertEquals(1, sweep.checked());
    assertEquals(List.of(), sweep.repairs(), "a payload with every copy whole is not listed");
    assertEquals(0, sweep.repairedCopies());
    // a node that cannot be reached is listed, and a sweep lists the payload for it
    c.down = true;
    ReplicatedBlobStore.SweepReport down = s.sweep(List.of(id));
    assertEquals(List.of("node-c"), down.repairs().get(0).unreachable());
    Digest lost = Sha256.hash(new byte[] {9});
    assertThrows(InsufficientReplicasException.class, () -> s.repair(lost));
    assertEquals(List.of(lost), s.sweep(List.of(lost)).lost());
    assertTrue(warned("repair sweep: no node holds a verified copy of " + lost), logged.toString());
  }

  @Test
  void aCheckSaysPresentIfAnyNodeHoldsACopyElseCorruptIfAnyHoldsABadOne() {
    ReplicatedBlobStore s = store(2);
    Digest id = s.putReplicated(new byte[] {4, 4}).id();
    a.down = true;
    b.corruptsReads = true;
    assertEquals(BlobState.PRESENT, s.check(id), "node-c still holds it");
    c.inner.delete(id);
    assertEquals(BlobState.CORRUPT, s.check(id));
    b.corruptsReads = false;
    b.inner.delete(id);
    assertEquals(BlobState.MISSING, s.check(id));
  }

  @Test
  void aReadTriesThePreferredNodeFirstAndARepairWithNoNodeReachedFails() throws IOException {
    ReplicatedBlobStore s = store(2);
    byte[] data = {6, 6};
    Digest id = s.put(data);
    assertEquals(id, s.put(new ByteArrayInputStream(data)));
    assertEquals("node-c", s.readTo(id, List.of("node-c"), new ByteArrayOutputStream()).servedBy());
    Digest missing = Sha256.hash(new byte[] {1, 1});
    assertThrows(InsufficientReplicasException.class, () -> s.open(missing, List.of()));
    try (java.util.stream.Stream<Path> left = Files.list(spool)) {
      assertEquals(0, left.count(), "the spool of a failed open is removed");
    }
    a.down = true;
    b.down = true;
    c.down = true;
    assertThrows(InsufficientReplicasException.class, () -> s.repair(id));
  }

  @Test
  void getAndReadSayMissingWhenNoNodeHoldsAVerifiedCopy() {
    ReplicatedBlobStore s = store(2);
    byte[] data = {7, 7, 7};
    Digest id = s.putReplicated(data).id();
    assertArrayEquals(data, s.get(id).orElseThrow());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(s.read(id, out));
    assertArrayEquals(data, out.toByteArray());
    for (LyingStore n : List.of(a, b, c)) {
      n.inner.delete(id);
    }
    assertEquals(Optional.empty(), s.get(id));
    assertFalse(s.read(id, new ByteArrayOutputStream()));
  }

  @Test
  void anErasureThatMissesANodeFailsUntilItReachesItAndSaysWhetherAnyCopyWasDeleted() {
    ReplicatedBlobStore s = store(2);
    Digest id = s.putReplicated(new byte[] {3}).id();
    Digest record = Sha256.hash(new byte[] {4});
    b.down = true;
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class, () -> s.deleteErased(id, record));
    assertTrue(e.getMessage().contains("could not reach [node-b]"), e.getMessage());
    assertTrue(warned("did not reach node-b"), logged.toString());
    assertThrows(BlobUnavailableException.class, () -> s.delete(id));
    b.down = false;
    assertTrue(s.delete(id), "node-b still held a copy");
    Digest other = s.put(new byte[] {5});
    assertTrue(s.deleteErased(other, record));
    assertFalse(s.delete(id), "no copy left");
    assertFalse(s.deleteErased(id, record));
  }

  @Test
  void aSpoolDirectoryThatIsGoneOrAStreamThatFailsIsUnavailable() throws IOException {
    ReplicatedBlobStore s = store(2);
    Digest id = s.putReplicated(new byte[] {1}).id();
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class,
        () -> s.putReplicated(FileBlobStoreBoundsTest.failingStream()));
    assertTrue(e.getMessage().contains("cable pulled"), e.getMessage());
    OutputStream closed = new OutputStream() {
      @Override
      public void write(int x) throws IOException {
        throw new IOException("disk full");
      }
    };
    assertThrows(BlobUnavailableException.class, () -> s.readTo(id, List.of(), closed));
    try (java.util.stream.Stream<Path> left = Files.list(spool)) {
      assertEquals(0, left.count(), "spool files are removed after failures too");
    }
    Files.delete(spool);
    assertThrows(BlobUnavailableException.class, () -> s.open(id, List.of()));
    assertThrows(BlobUnavailableException.class, () -> s.putReplicated(new ByteArrayInputStream(new byte[] {1})));
  }
}
