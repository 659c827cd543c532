package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplicatedBlobStoreTest {
  private final FaultyBlobStore a = new FaultyBlobStore();
  private final FaultyBlobStore b = new FaultyBlobStore();
  private final FaultyBlobStore c = new FaultyBlobStore();
  private final ReplicatedBlobStore store = new ReplicatedBlobStore(
      List.of(new StorageNode("node-a", a), new StorageNode("node-b", b), new StorageNode("node-c", c)), 2);
  private final Random rnd = new Random(7);

  private byte[] payload(int n) {
    byte[] d = new byte[n];
    rnd.nextBytes(d);
    return d;
  }

  @Test
  void everyWriteAndReadSucceedsWithOneNodeDownOrCorrupt() {
    for (FaultyBlobStore faulty : List.of(a, b, c)) {
      for (FaultyBlobStore.Mode mode : List.of(FaultyBlobStore.Mode.DOWN, FaultyBlobStore.Mode.CORRUPT_READS)) {
        for (int i = 0; i < 20; i++) {
          faulty.mode = FaultyBlobStore.Mode.OK;
          byte[] earlier = payload(100 + i);
          ReplicatedBlobStore.Placement before = store.putReplicated(earlier);
          assertEquals(3, before.nodeIds().size());
          faulty.mode = mode;
          byte[] data = payload(1 + i * 37);
          ReplicatedBlobStore.Placement p = store.putReplicated(data);
          assertEquals(Sha256.hash(data), p.id());
          assertTrue(p.nodeIds().size() >= 2);
          assertArrayEquals(data, store.read(p.id(), p.nodeIds()));
          // The faulty node listed first: the read falls back to a verified copy.
          assertArrayEquals(earlier, store.read(before.id(), List.of("node-a", "node-b", "node-c")));
          assertArrayEquals(earlier, store.read(before.id(), List.of(nodeName(faulty))));
        }
        faulty.mode = FaultyBlobStore.Mode.OK;
      }
    }
  }

  private String nodeName(FaultyBlobStore f) {
    return f == a ? "node-a" : f == b ? "node-b" : "node-c";
  }

  @Test
  void tooFewNodesIsAClearErrorAndLeavesNoCopies() {
    a.mode = FaultyBlobStore.Mode.DOWN;
    b.mode = FaultyBlobStore.Mode.DOWN;
    byte[] data = payload(64);
    InsufficientReplicasException e = assertThrows(InsufficientReplicasException.class, () -> store.putReplicated(data));
    assertTrue(e.getMessage().contains("1 of the 2"), e.getMessage());
    assertEquals(0, c.inner().size(), "the lone copy is removed again");
  }

  @Test
  void readRepairsMissingAndCorruptCopies() {
    byte[] data = payload(500);
    Digest id = store.putReplicated(data).id();
    a.inner().delete(id);
    // corrupt b's stored copy in place by replacing it with a different blob under the same id is
    // impossible through the API, so model corruption by a node that corrupts what it serves
    b.mode = FaultyBlobStore.Mode.CORRUPT_READS;
    assertArrayEquals(data, store.read(id, List.of("node-a", "node-b", "node-c")));
    assertTrue(a.inner().get(id).isPresent(), "missing copy on node-a repaired");
    b.mode = FaultyBlobStore.Mode.OK;
    c.inner().delete(id);
    ReplicatedBlobStore.RepairReport r = store.repair(id);
    assertEquals(List.of("node-c"), r.repaired());
    assertTrue(c.inner().get(id).isPresent());
  }

  @Test
  void unreadableEverywhereIsAnError() {
    byte[] data = payload(10);
    Digest id = store.putReplicated(data).id();
    a.mode = FaultyBlobStore.Mode.CORRUPT_READS;
    b.mode = FaultyBlobStore.Mode.DOWN;
    c.inner().delete(id);
    assertThrows(InsufficientReplicasException.class, () -> store.read(id, List.of()));
    assertFalse(store.get(id).isPresent());
  }

  @Test
  void erasureRemovesEveryCopyAndReportsUnreachableNodes() {
    Digest id = store.putReplicated(payload(33)).id();
    c.mode = FaultyBlobStore.Mode.DOWN;
    ReplicatedBlobStore.DeletionReport r = store.erase(id);
    assertFalse(r.complete());
    assertEquals(List.of("node-c"), r.unreachable());
    c.mode = FaultyBlobStore.Mode.OK;
    assertTrue(store.erase(id).complete());
    assertThrows(InsufficientReplicasException.class, () -> store.read(id, List.of()));
  }

  @Test
  void configurationIsValidated() {
    assertThrows(IllegalArgumentException.class, () -> new ReplicatedBlobStore(List.of(new StorageNode("x", a)), 2));
    assertThrows(IllegalArgumentException.class,
        () -> new ReplicatedBlobStore(List.of(new StorageNode("x", a), new StorageNode("x", b)), 1));
    assertThrows(IllegalArgumentException.class, () -> new StorageNode("has space", a));
  }

  @Test
  void streamedReadsVerifyWholeReportNodesByNameAndRepair(@org.junit.jupiter.api.io.TempDir java.nio.file.Path spool)
      throws Exception {
    ReplicatedBlobStore r = new ReplicatedBlobStore(
        List.of(new StorageNode("node-a", a), new StorageNode("node-b", b), new StorageNode("node-c", c)), 2, spool);
    byte[] data = payload(200_000);
    Digest id = r.putReplicated(new java.io.ByteArrayInputStream(data)).id();
    assertEquals(Sha256.hash(data), id);
    a.mode = FaultyBlobStore.Mode.CORRUPT_READS;
    b.inner().delete(id);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ReplicatedBlobStore.ReadReport rep = r.readTo(id, List.of("node-a", "node-b"), out);
    assertArrayEquals(data, out.toByteArray(), "bytes of the corrupted copy never reach the caller");
    assertEquals("node-c", rep.servedBy());
    assertEquals(List.of("node-a"), rep.corrupt());
    assertEquals("missing", rep.problems().get("node-b"));
    assertEquals(List.of("node-a", "node-b"), rep.repaired());
    assertTrue(b.inner().get(id).isPresent(), "read repair restored the missing copy");
    a.mode = FaultyBlobStore.Mode.OK;
    try (java.io.InputStream in = r.open(id, List.of("node-b"))) {
      assertArrayEquals(data, in.readAllBytes());
    }
    try (java.util.stream.Stream<java.nio.file.Path> left = java.nio.file.Files.list(spool)) {
      assertEquals(0, left.count(), "spool files are removed");
    }
    // the sweep: one copy lost, one payload gone everywhere
    c.inner().delete(id);
    Digest gone = Sha256.hash(payload(5));
    ReplicatedBlobStore.SweepReport sweep = r.sweep(List.of(id, gone));
    assertEquals(2, sweep.checked());
    assertEquals(1, sweep.repairedCopies());
    assertEquals(List.of(gone), sweep.lost());
    assertEquals(BlobState.PRESENT, c.check(id));
    // erasure names every node it deleted from, and the one it could not reach
    b.mode = FaultyBlobStore.Mode.DOWN;
    ReplicatedBlobStore.DeletionReport e = r.erase(id, Sha256.hash(new byte[] {1}));
    assertEquals(List.of("node-a", "node-c"), e.deleted());
    assertEquals(List.of("node-b"), e.unreachable());
    assertFalse(e.complete());
    b.mode = FaultyBlobStore.Mode.OK;
    assertEquals(List.of("node-b"), r.erase(id).deleted(), "the retry reaches the last copy");
  }

  @Test
  void aStreamedWriteBelowTheQuorumFailsAndTooLongIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path spool) {
    ReplicatedBlobStore r = new ReplicatedBlobStore(
        List.of(new StorageNode("node-a", a), new StorageNode("node-b", b), new StorageNode("node-c", c)), 2, spool,
        1 << 20);
    a.mode = FaultyBlobStore.Mode.DOWN;
    b.mode = FaultyBlobStore.Mode.DOWN;
    assertThrows(InsufficientReplicasException.class, () -> r.putReplicated(new java.io.ByteArrayInputStream(payload(10))));
    assertEquals(0, c.inner().size(), "the copy written below the quorum is removed");
    java.io.InputStream endless = new java.io.InputStream() {
      @Override
      public int read() {
        return 0;
      }

      @Override
      public int read(byte[] buf, int off, int len) {
        return len;
      }
    };
    assertThrows(IllegalArgumentException.class, () -> r.putReplicated(endless));
  }

  @Test
  void aNodeServingEndlessBytesIsCutOffAtTheLargestPayloadAndSkipped(@org.junit.jupiter.api.io.TempDir java.nio.file.Path spool)
      throws java.io.IOException {
    int max = 1 << 20;
    for (boolean streamed : new boolean[] {false, true}) {
      EndlessNode hostile = new EndlessNode();
      InMemoryBlobStore honest = new InMemoryBlobStore();
      ReplicatedBlobStore r = new ReplicatedBlobStore(
          List.of(new StorageNode("hostile", hostile), new StorageNode("honest", honest)), 1, spool, max);
      byte[] data = payload(1000);
      Digest id = honest.put(data);
      byte[] got;
      if (streamed) {
        try (java.io.InputStream in = r.open(id, List.of("hostile"))) {
          got = in.readAllBytes();
        }
      } else {
        got = r.read(id, List.of("hostile"));
      }
      assertArrayEquals(data, got, "served by the honest node");
      assertTrue(hostile.sent() <= max + EndlessNode.BLOCK, "the hostile node was cut off after " + hostile.sent()
          + " bytes");
    }
  }
}
