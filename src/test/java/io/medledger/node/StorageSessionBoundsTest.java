package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.storage.BlobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage service's session and request bounds, without a network: sessions per client and
 * node-wide, idle sessions dropped, and each client's share of the disk threads' queue.
 */
class StorageSessionBoundsTest {
  @TempDir
  Path dir;

  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void sessionsAreBoundedPerClientAndIdleOnesAreDroppedWithTheirFiles() throws Exception {
    Ed25519PublicKey a = Ed25519PrivateKey.generate(RANDOM).publicKey();
    Ed25519PublicKey b = Ed25519PrivateKey.generate(RANDOM).publicKey();
    NodeConfig.StorageSettings settings = new NodeConfig.StorageSettings(1 << 20, 4096, 2, 3,
        Duration.ofSeconds(2), 0, 1);
    // operators only: the ledger is never consulted for their uploads
    try (StorageService s = new StorageService(null, dir, settings, Set.of(a, b))) {
      assertEquals(ClientWire.OK, put(s, a));
      assertEquals(ClientWire.OK, put(s, a));
      assertEquals(ClientWire.REFUSED, put(s, a), "a third session for one client");
      assertEquals(ClientWire.OK, put(s, b));
      assertEquals(ClientWire.REFUSED, put(s, b), "a fourth session on the node");
      assertEquals(3, temporaryFiles());
      NodeRuntimeTest.waitFor(() -> s.openSessions() == 0, "idle sessions to be dropped");
      assertEquals(0, temporaryFiles(), "a dropped upload leaves no file");
      assertEquals(ClientWire.OK, put(s, a), "room again");
    }
  }

  /**
   * One client flooding requests that each make the node hash a whole blob (CHECK) holds at most
   * its own share of the disk threads' queue: the rest is refused (QUOTA) at once, and another
   * client's request is still taken and answered.
   */
  @Test
  void aClientFloodingChecksDoesNotCrowdOthersOutOfTheDiskQueue() throws Exception {
    Ed25519PublicKey flooder = Ed25519PrivateKey.generate(RANDOM).publicKey();
    Ed25519PublicKey other = Ed25519PrivateKey.generate(RANDOM).publicKey();
    NodeConfig.StorageSettings settings = new NodeConfig.StorageSettings(64 << 20, 1 << 20, 1, 2,
        Duration.ofSeconds(60), 0, 1);
    try (StorageService s = new StorageService(null, dir, settings, Set.of(flooder, other))) {
      byte[] blob = new byte[32 << 20];
      RANDOM.nextBytes(blob);
      Digest id = s.store().put(blob);
      byte[] check = StorageWire.ids(StorageWire.CHECK, id);
      List<CompletableFuture<byte[]>> flood = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        flood.add(s.handle(flooder, check));
      }
      byte[] theirs = s.handle(other, check).get(60, TimeUnit.SECONDS);
      assertEquals(ClientWire.OK, theirs[0], "another client's check is taken and answered");
      assertEquals(BlobState.PRESENT.ordinal(), theirs[1]);
      int served = 0;
      for (CompletableFuture<byte[]> f : flood) {
        byte[] r = f.get(60, TimeUnit.SECONDS);
        if (r[0] == ClientWire.OK) {
          served++;
        } else {
          assertEquals(StorageWire.Refusal.QUOTA.ordinal(), r[1], "the flood beyond its share is refused for quota");
        }
      }
      assertTrue(served >= 1 && served <= StorageService.REQUESTS_PER_SESSION * settings.sessionsPerClient(),
          served + " of the flood's checks were served");
    }
  }

  private static byte put(StorageService s, Ed25519PublicKey client) throws Exception {
    return s.handle(client, StorageWire.longs(StorageWire.PUT_OPEN, 100)).get(5, TimeUnit.SECONDS)[0];
  }

  private long temporaryFiles() throws java.io.IOException {
    try (Stream<Path> f = Files.list(dir.resolve(StorageService.BLOBS))) {
      return f.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
    }
  }
}
