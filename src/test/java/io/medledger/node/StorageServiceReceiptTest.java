package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage service signs a commit's receipt with the node's signer, for its chain, about the
 * bytes it received, at its clock's time; it still answers the unsigned commit of older clients
 * as before, and a service without a signer refuses the signed one rather than answer unsigned.
 */
class StorageServiceReceiptTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Digest CHAIN = Sha256.hash(new byte[] {'c'});
  private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_123L);

  @TempDir
  Path dir;

  private final Ed25519PublicKey client = Ed25519PrivateKey.generate(RANDOM).publicKey();
  private final Ed25519PrivateKey nodeKey = Ed25519PrivateKey.generate(RANDOM);

  private StorageService service(Path d, LedgerSigner signer) {
    NodeConfig.StorageSettings st = new NodeConfig.StorageSettings(32 << 10, 1 << 20, 3, 8, Duration.ofSeconds(60), 0, 1)
        .withPending(1 << 20, Duration.ofHours(1));
    PendingBlobs.LedgerFeed none = new PendingBlobs.LedgerFeed() {
      @Override
      public long height() {
        return 0;
      }

      @Override
      public Digest hash(long height) {
        return CHAIN;
      }

      @Override
      public List<PendingBlobs.Reference> references(long height) {
        return List.of();
      }
    };
    return new StorageService(null, d, st, Set.of(client), () -> Long.MAX_VALUE / 2, none,
        Clock.fixed(NOW, ZoneOffset.UTC), signer, signer == null ? null : CHAIN);
  }

  private byte[] call(StorageService s, byte[] request) throws Exception {
    return s.handle(client, request).get(10, TimeUnit.SECONDS);
  }

  /** Uploads {@code data} and commits it with a request of {@code type}; returns the answer. */
  private byte[] upload(StorageService s, byte[] data, byte type) throws Exception {
    byte[] open = call(s, StorageWire.longs(StorageWire.PUT_OPEN, data.length));
    long session = ByteBuffer.wrap(open, 1, 8).getLong();
    assertEquals(ClientWire.OK, call(s, StorageWire.putChunk(session, 0, data, 0, data.length))[0]);
    return call(s, StorageWire.putCommit(type, session, Sha256.hash(data)));
  }

  @Test
  void aSignedCommitIsAnsweredWithTheNodesReceiptAndAnUnsignedOneAsBefore() throws Exception {
    byte[] data = new byte[3000];
    RANDOM.nextBytes(data);
    try (StorageService s = service(dir.resolve("signing"), LedgerSigner.of(nodeKey))) {
      byte[] r = upload(s, data, StorageWire.PUT_COMMIT_SIGNED);
      assertEquals(ClientWire.OK, r[0]);
      StorageReceipt receipt = StorageReceipt.decode(Arrays.copyOfRange(r, 1, r.length));
      assertTrue(receipt.verify(nodeKey.publicKey(), CHAIN));
      assertEquals(new StorageStatement.Held(CHAIN, Sha256.hash(data), data.length, NOW), receipt.statement());
      assertArrayEquals(new byte[] {ClientWire.OK}, upload(s, data, StorageWire.PUT_COMMIT), "older clients");
    }
    try (StorageService s = service(dir.resolve("silent"), null)) {
      byte[] r = upload(s, data, StorageWire.PUT_COMMIT_SIGNED);
      assertEquals(ClientWire.REFUSED, r[0]);
      assertEquals(StorageWire.Refusal.UNAVAILABLE, StorageWire.Refusal.of(r[1] & 0xff));
      String why = new String(r, 2, r.length - 2, java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(why.contains("signs no receipts"), why);
    }
  }
}
