package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idle clean-up ending a session between a request's look-up of it and its use (driven in
 * that order through the service's hook): the request is refused as a bad session, not answered
 * as an internal error, and the session's share of the node is given back.
 */
class StorageIdleRaceTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  @TempDir
  Path dir;

  private final Ed25519PublicKey client = Ed25519PrivateKey.generate(RANDOM).publicKey();
  private final byte[] blob = "a payload".getBytes(StandardCharsets.US_ASCII);

  @Test
  void aChunkArrivingAsTheUploadIsReapedIsABadSession() throws Exception {
    refusedAfterReap(false, id -> StorageWire.putChunk(id, 0, blob, 0, blob.length));
  }

  @Test
  void aCommitArrivingAsTheUploadIsReapedIsABadSession() throws Exception {
    refusedAfterReap(false, id -> StorageWire.putCommit(id, Sha256.hash(new byte[0])));
  }

  @Test
  void aReadArrivingAsTheReadSessionIsReapedIsABadSession() throws Exception {
    refusedAfterReap(true, id -> StorageWire.getChunk(id, 0, 100));
  }

  private void refusedAfterReap(boolean read, LongFunction<byte[]> request) throws Exception {
    NodeConfig.StorageSettings settings = new NodeConfig.StorageSettings(1 << 20, 4096, 2, 3, TIMEOUT, 0, 1);
    try (StorageService s = new StorageService(null, dir, settings, Set.of(client))) {
      Digest id = s.store().put(blob);
      byte[] opened = call(s, read ? StorageWire.ids(StorageWire.GET_OPEN, id)
          : StorageWire.longs(StorageWire.PUT_OPEN, blob.length));
      assertEquals(ClientWire.OK, opened[0]);
      long session = ByteBuffer.wrap(opened, 1, 8).getLong();
      AtomicBoolean once = new AtomicBoolean();
      s.afterLookup(() -> {
        if (once.compareAndSet(false, true)) {
          s.reap(System.nanoTime() + 2 * TIMEOUT.toNanos());
        }
      });
      byte[] r = call(s, request.apply(session));
      assertTrue(once.get(), "the clean-up ran between look-up and use");
      assertEquals(ClientWire.REFUSED, r[0]);
      assertEquals(StorageWire.Refusal.BAD_SESSION.ordinal(), r[1], new String(r, 2, r.length - 2, StandardCharsets.UTF_8));
      assertTrue(new String(r, StandardCharsets.UTF_8).contains("ended"), "says the session ended");
      assertEquals(0, s.openSessions());
      s.afterLookup(() -> { });
      assertEquals(ClientWire.OK, call(s, StorageWire.longs(StorageWire.PUT_OPEN, blob.length))[0],
          "the client's session slots are free again");
    }
  }

  private byte[] call(StorageService s, byte[] request) throws Exception {
    return s.handle(client, request).get(10, TimeUnit.SECONDS);
  }
}
