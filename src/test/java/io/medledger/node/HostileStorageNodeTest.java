package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.storage.BlobCorruptedException;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.InMemoryBlobStore;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node run by a hostile institution may answer every request just inside the client's
 * request timeout and still stall a read or an upload for hours by trickling its bytes. A
 * transfer as a whole has a deadline (the request timeout plus its bytes at the least rate), and
 * the replicated store then reads from the next node.
 */
@Timeout(120)
class HostileStorageNodeTest {
  private static final byte[] PAYLOAD = payload(120);
  private static final Digest ID = Sha256.hash(PAYLOAD);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final io.medledger.crypto.Ed25519PublicKey NODE_KEY =
      io.medledger.crypto.Ed25519PrivateKey.generate(new java.security.SecureRandom()).publicKey();
  private static final Digest CHAIN = Sha256.hash(new byte[] {1});

  private static byte[] payload(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + 1);
    }
    return b;
  }

  /**
   * A storage node that answers each request after {@code delayMs}, well inside the request
   * timeout: a read session of the payload served one byte a chunk, and uploads acknowledged.
   */
  private static final class Trickler implements ClientChannel {
    private final Executor later;
    private final AtomicLong clock;
    private final long stepNanos;
    final AtomicInteger requests = new AtomicInteger();

    Trickler(long delayMs) {
      this(delayMs, new AtomicLong(), 0);
    }

    /** As above, and each answer also moves {@code clock} on by {@code stepMs}. */
    Trickler(long delayMs, AtomicLong clock, long stepMs) {
      later = CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS);
      this.clock = clock;
      this.stepNanos = TimeUnit.MILLISECONDS.toNanos(stepMs);
    }

    @Override
    public CompletableFuture<byte[]> request(byte[] request) {
      requests.incrementAndGet();
      return CompletableFuture.supplyAsync(() -> {
        clock.addAndGet(stepNanos);
        return answer(request);
      }, later);
    }

    private static byte[] answer(byte[] r) {
      ByteBuffer b = ByteBuffer.wrap(r, 1, r.length - 1);
      return switch (r[0]) {
        case StorageWire.GET_OPEN -> StorageWire.okLongs(1, PAYLOAD.length);
        case StorageWire.GET_CHUNK -> {
          b.getLong();
          int offset = (int) b.getLong();
          yield new byte[] {ClientWire.OK, PAYLOAD[offset]};
        }
        case StorageWire.PUT_OPEN -> StorageWire.okLongs(1, -1);
        default -> new byte[] {ClientWire.OK};
      };
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private static StorageNodeClient client(Trickler node) {
    return new StorageNodeClient("trickler", NODE_KEY, CHAIN, node, 1024, REQUEST_TIMEOUT, Duration.ofSeconds(1));
  }

  @Test
  void aReadTrickledJustInsideTheRequestTimeoutFailsAtItsOverallDeadline() {
    // 120 chunks of one byte, each answered in 0.2 s: 24 s without a deadline on the whole read
    Trickler node = new Trickler(200);
    long start = System.nanoTime();
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class,
        () -> client(node).read(ID, new ByteArrayOutputStream()));
    assertTrue(e.getMessage().contains("trickler") && e.getMessage().contains("too slow"), e.getMessage());
    assertTrue(node.requests.get() < 20, "the read was cut off after " + node.requests.get() + " requests");
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "cut off at the deadline");
  }

  @Test
  void anUploadAcknowledgedJustInsideTheRequestTimeoutFailsAtItsOverallDeadline() {
    // 1 KiB chunks at 0.2 s each and at least 64 KiB/s: 40 KiB have 1.6 s, not the 8 s they would take
    Trickler node = new Trickler(200);
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class,
        () -> client(node).put(new byte[40 << 10]));
    assertTrue(e.getMessage().contains("too slow"), e.getMessage());
    assertTrue(node.requests.get() < 20, "the upload was cut off after " + node.requests.get() + " requests");
  }

  @Test
  void aReplicatedReadMovesOnFromATricklerToAnHonestNode(@TempDir Path spool) {
    InMemoryBlobStore honest = new InMemoryBlobStore();
    honest.put(PAYLOAD);
    ReplicatedBlobStore store = new ReplicatedBlobStore(List.of(new StorageNode("trickler", client(new Trickler(200))),
        new StorageNode("honest", honest)), 1, spool);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ReplicatedBlobStore.ReadReport r = store.readTo(ID, List.of("trickler"), out);
    assertArrayEquals(PAYLOAD, out.toByteArray());
    assertEquals("honest", r.servedBy());
    assertTrue(r.problems().get("trickler").contains("too slow"), r.problems().toString());
  }

  @Test
  void aRequestTheNodeNeverAnswersIsGivenUpOnTheChannel() {
    List<CompletableFuture<byte[]>> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    ClientChannel silent = new ClientChannel() {
      @Override
      public CompletableFuture<byte[]> request(byte[] request) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        sent.add(f);
        return f;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
    StorageNodeClient c = new StorageNodeClient("silent", NODE_KEY, CHAIN, silent, 1024, Duration.ofMillis(100), Duration.ofSeconds(1));
    assertThrows(BlobUnavailableException.class, () -> c.read(ID, new ByteArrayOutputStream()));
    assertThrows(BlobUnavailableException.class, () -> c.check(ID));
    assertEquals(2, sent.size());
    assertTrue(sent.stream().allMatch(CompletableFuture::isCancelled), "a request timed out must not stay in flight");
  }

  /** A client whose transfers' deadlines are measured on {@code clock}, which only {@code node} moves. */
  private static StorageNodeClient client(Trickler node, AtomicLong clock) {
    return new StorageNodeClient("trickler", NODE_KEY, CHAIN, node, 1024, REQUEST_TIMEOUT, Duration.ofSeconds(1), clock::get);
  }

  @Test
  void anHonestNodeAnsweringAtOnceIsNotCutOff() {
    // 121 round trips (the open and 120 chunks) of 5 ms each on the client's clock, however slow the
    // host: 0.605 s, inside the read's deadline of 1 s plus 120 bytes at 64 KiB/s
    AtomicLong clock = new AtomicLong();
    Trickler node = new Trickler(0, clock, 5);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(client(node, clock).read(ID, out));
    assertTrue(Arrays.equals(PAYLOAD, out.toByteArray()));
    assertEquals(121, node.requests.get());
  }

  @Test
  void aNodeAnsweringEachChunkInTimeButTooSlowOverallIsCutOffOnTheClientsClock() {
    // 9 ms a round trip: 1.089 s for the 121 the whole read needs, past 1 s plus its bytes at 64 KiB/s
    AtomicLong clock = new AtomicLong();
    Trickler node = new Trickler(0, clock, 9);
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class,
        () -> client(node, clock).read(ID, new ByteArrayOutputStream()));
    assertTrue(e.getMessage().contains("too slow"), e.getMessage());
    assertTrue(node.requests.get() < 121, "cut off after " + node.requests.get() + " requests");
  }
  @Test
  void aSizeNoArrayHoldsIsRefusedBeforeAnyChunkIsAsked() {
    AtomicInteger asked = new AtomicInteger();
    ClientChannel boastful = new ClientChannel() {
      @Override
      public CompletableFuture<byte[]> request(byte[] request) {
        asked.incrementAndGet();
        return CompletableFuture.completedFuture(request[0] == StorageWire.GET_OPEN
            ? StorageWire.okLongs(1, Long.MAX_VALUE) : new byte[] {ClientWire.OK, 1});
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
    StorageNodeClient c = new StorageNodeClient("boastful", NODE_KEY, CHAIN, boastful, 1024, REQUEST_TIMEOUT, Duration.ofSeconds(1));
    BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> c.get(ID));
    assertTrue(e.getMessage().contains("more than one array holds"), e.getMessage());
    assertEquals(2, asked.get(), "the open, and the close of its session; no chunk");
  }
}
