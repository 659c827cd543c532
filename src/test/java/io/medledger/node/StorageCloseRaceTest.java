package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload that a client opened while the storage service closed: close ended the sessions it
 * saw and did not wait for the request under way, which then registered its session, and the
 * temporary file of the upload with its open file, on a closed service, for good; requests still
 * queued were dropped with their answers never given. Close now waits for the requests under way,
 * the queued ones are refused, and a session opened after close is ended at once.
 */
@Timeout(60)
class StorageCloseRaceTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void anUploadOpenedWhileTheServiceClosesLeavesNoSession() throws Exception {
    Ed25519PublicKey a = Ed25519PrivateKey.generate().publicKey();
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    // the service reads the free disk in the middle of opening an upload: the request waits there,
    // deaf to interrupts, until the test lets it go on
    LongSupplier freeDisk = () -> {
      reached.countDown();
      boolean interrupted = false;
      while (true) {
        try {
          go.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return Long.MAX_VALUE / 4;
    };
    NodeConfig.StorageSettings settings = new NodeConfig.StorageSettings(MIB, MIB, 4, 8, Duration.ofSeconds(60), 0, 1);
    StorageService s = new StorageService(null, dir, settings, Set.of(a), freeDisk);
    CompletableFuture<byte[]> racing;
    CompletableFuture<byte[]> queued;
    Thread closer = new Thread(s::close, "closer");
    try {
      racing = s.handle(a, StorageWire.longs(StorageWire.PUT_OPEN, MIB));
      assertTrue(reached.await(10, TimeUnit.SECONDS), "the upload is being opened");
      queued = s.handle(a, StorageWire.longs(StorageWire.PUT_OPEN, MIB)); // behind it on the one disk thread
      closer.start();
      closer.join(2_000); // whole, if close does not wait for the request under way
    } finally {
      go.countDown();
    }
    byte[] r = racing.get(20, TimeUnit.SECONDS);
    closer.join(20_000);
    assertTrue(!closer.isAlive(), "close returns once the request under way is done");
    assertEquals(0, s.openSessions(), "an upload session outlives the closed service (answered "
        + (r[0] == ClientWire.OK ? "OK" : "refused") + ")");
    try (Stream<Path> files = Files.walk(dir.resolve(StorageService.BLOBS))) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "an upload's temporary file stays");
    }
    byte[] q = queued.get(10, TimeUnit.SECONDS);
    assertEquals(ClientWire.REFUSED, q[0], "a request queued at close is answered, refused");
  }
}
