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
    ReplicatedBlobStore.ErasureReport r = store.erase(id);
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
}
