package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage service's session bounds, without a network: per client, node-wide, and idle sessions dropped. */
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

  private static byte put(StorageService s, Ed25519PublicKey client) throws Exception {
    return s.handle(client, StorageWire.longs(StorageWire.PUT_OPEN, 100)).get(5, TimeUnit.SECONDS)[0];
  }

  private long temporaryFiles() throws java.io.IOException {
    try (Stream<Path> f = Files.list(dir.resolve(StorageService.BLOBS))) {
      return f.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
    }
  }
}
