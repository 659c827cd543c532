package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage service's free-disk reserve counts what open uploads may still write: uploads open
 * at once cannot together take the disk below the reserve, and an upload that declared no length
 * counts as the largest blob. The free space is a fixed figure here, so the test does not depend on
 * the host's disk.
 */
class StorageDiskReserveTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MIB = 1 << 20;
  private static final long RESERVE = 8L * MIB;

  @TempDir
  Path dir;

  @Test
  void uploadsOpenAtOnceCannotTogetherTakeTheDiskBelowTheReserve() throws Exception {
    Ed25519PublicKey a = Ed25519PrivateKey.generate(RANDOM).publicKey();
    Ed25519PublicKey b = Ed25519PrivateKey.generate(RANDOM).publicKey();
    AtomicLong free = new AtomicLong(RESERVE + 3L * MIB / 2);
    try (StorageService s = new StorageService(null, dir, settings(), Set.of(a, b), free::get)) {
      byte[] first = call(s, a, StorageWire.longs(StorageWire.PUT_OPEN, MIB));
      assertEquals(ClientWire.OK, first[0], "one upload of 1 MiB fits above the reserve");
      assertRefusedForQuota(call(s, b, StorageWire.longs(StorageWire.PUT_OPEN, MIB)),
          "a second 1 MiB upload while the first may still write its 1 MiB");
      assertRefusedForQuota(call(s, a, StorageWire.longs(StorageWire.PUT_OPEN, -1)),
          "an upload of undeclared length counts as the largest blob");
      long session = ByteBuffer.wrap(first, 1, 16).getLong();
      assertEquals(ClientWire.OK, call(s, a, StorageWire.longs(StorageWire.PUT_ABORT, session))[0]);
      assertEquals(ClientWire.OK, call(s, b, StorageWire.longs(StorageWire.PUT_OPEN, MIB))[0],
          "the aborted upload's share is free again");
    }
  }

  @Test
  void whatAnUploadWroteIsNotCountedTwice() throws Exception {
    Ed25519PublicKey a = Ed25519PrivateKey.generate(RANDOM).publicKey();
    AtomicLong free = new AtomicLong(RESERVE + 3L * MIB / 2);
    try (StorageService s = new StorageService(null, dir, settings(), Set.of(a), free::get)) {
      byte[] open = call(s, a, StorageWire.longs(StorageWire.PUT_OPEN, MIB));
      long session = ByteBuffer.wrap(open, 1, 16).getLong();
      byte[] chunk = new byte[MIB];
      assertEquals(ClientWire.OK, call(s, a, StorageWire.putChunk(session, 0, chunk, 0, chunk.length))[0]);
      free.addAndGet(-MIB); // the chunk is on the disk now
      assertRefusedForQuota(call(s, a, StorageWire.longs(StorageWire.PUT_OPEN, MIB)), "only 0.5 MiB above the reserve");
      assertEquals(ClientWire.OK, call(s, a, StorageWire.longs(StorageWire.PUT_OPEN, MIB / 4))[0],
          "the bytes written are counted once, by the disk");
    }
  }

  private static NodeConfig.StorageSettings settings() {
    return new NodeConfig.StorageSettings(MIB, MIB, 3, 8, Duration.ofSeconds(60), RESERVE, 1);
  }

  private static byte[] call(StorageService s, Ed25519PublicKey client, byte[] request) throws Exception {
    return s.handle(client, request).get(5, TimeUnit.SECONDS);
  }

  private static void assertRefusedForQuota(byte[] r, String what) {
    assertEquals(ClientWire.REFUSED, r[0], what);
    assertEquals(StorageWire.Refusal.QUOTA.ordinal(), r[1], what);
  }
}
