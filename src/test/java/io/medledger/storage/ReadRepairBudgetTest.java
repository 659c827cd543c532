package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read repair is bounded: a node that answers "missing" on every read is rewritten once per
 * {@link ReplicatedBlobStore#READ_REPAIR_INTERVAL} and payload, not on every read, while a node
 * that really lacked the copy is still repaired by the first read.
 */
class ReadRepairBudgetTest {
  @TempDir
  Path spool;

  /** A node that takes every write and says "missing" on every read. */
  static final class Amnesiac implements BlobStore {
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public Digest put(byte[] data) {
      writes.incrementAndGet();
      return io.medledger.crypto.Sha256.hash(data);
    }

    @Override
    public Optional<byte[]> get(Digest id) {
      return Optional.empty();
    }

    @Override
    public boolean delete(Digest id) {
      return false;
    }
  }

  @Test
  void aNodeAlwaysMissingIsRewrittenOncePerIntervalAndAnHonestGapOnce() {
    byte[] payload = "an encrypted payload".getBytes(StandardCharsets.US_ASCII);
    InMemoryBlobStore good = new InMemoryBlobStore();
    InMemoryBlobStore honest = new InMemoryBlobStore();
    Amnesiac amnesiac = new Amnesiac();
    Digest id = good.put(payload);
    AtomicLong now = new AtomicLong(1_000);
    ReplicatedBlobStore store = new ReplicatedBlobStore(List.of(new StorageNode("amnesiac", amnesiac),
        new StorageNode("honest", honest), new StorageNode("good", good)), 1, spool, 1 << 20, now::get);

    ReplicatedBlobStore.ReadReport first = read(store, id, payload);
    assertEquals(List.of("amnesiac", "honest"), first.repaired());
    assertArrayEquals(payload, honest.get(id).orElseThrow(), "the node that lacked the copy holds it now");
    for (int i = 0; i < 5; i++) {
      now.addAndGet(ReplicatedBlobStore.READ_REPAIR_INTERVAL.toNanos() / 10);
      ReplicatedBlobStore.ReadReport r = read(store, id, payload);
      assertEquals("honest", r.servedBy());
      assertEquals(List.of(), r.repaired());
      assertTrue(r.problems().get("amnesiac").contains("not rewritten"), r.problems().toString());
    }
    assertEquals(1, amnesiac.writes.get(), "six reads, one rewrite");
    now.addAndGet(ReplicatedBlobStore.READ_REPAIR_INTERVAL.toNanos());
    assertEquals(List.of("amnesiac"), read(store, id, payload).repaired(), "once more after the interval");
    assertEquals(2, amnesiac.writes.get());
  }

  private static ReplicatedBlobStore.ReadReport read(ReplicatedBlobStore store, Digest id, byte[] expected) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ReplicatedBlobStore.ReadReport r = store.readTo(id, List.of(), out);
    assertArrayEquals(expected, out.toByteArray());
    return r;
  }
}
