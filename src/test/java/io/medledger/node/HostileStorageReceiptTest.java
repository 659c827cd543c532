package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node may acknowledge a write it never keeps, or claim a deletion it never made. The
 * client counts an acknowledgement or a deletion only with a receipt signed by the node's ledger
 * key, as configured, for the chain, about the blob (and size, or erased record) in question; a
 * node answering any other way is counted as failing, and the receipts kept verify only untouched.
 */
@Timeout(60)
class HostileStorageReceiptTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Digest CHAIN = Sha256.hash(new byte[] {'c'});
  private static final Digest OTHER_CHAIN = Sha256.hash(new byte[] {'o'});
  private static final Digest RECORD = Sha256.hash(new byte[] {'r'});
  private static final byte[] PAYLOAD = "an encrypted payload".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final Digest ID = Sha256.hash(PAYLOAD);

  /** What a node answers to a signed commit or deletion, given the blob and its size or record. */
  private interface Answer extends BiFunction<Digest, Object, byte[]> {}

  /**
   * A storage node over the wire: it takes every upload and answers the signed commit and the
   * signed deletion with {@code commit} and {@code delete}.
   */
  private static final class FakeNode implements ClientChannel {
    private final Answer commit;
    private final Answer delete;
    private long received;

    FakeNode(Answer commit, Answer delete) {
      this.commit = commit;
      this.delete = delete;
    }

    @Override
    public synchronized CompletableFuture<byte[]> request(byte[] r) {
      ByteBuffer b = ByteBuffer.wrap(r, 1, r.length - 1);
      byte[] answer = switch (r[0]) {
        case StorageWire.PUT_OPEN -> {
          received = 0;
          yield StorageWire.okLongs(7, -1);
        }
        case StorageWire.PUT_CHUNK -> {
          received += r.length - 17;
          yield StorageWire.okLongs();
        }
        case StorageWire.PUT_COMMIT_SIGNED -> {
          b.getLong();
          yield commit.apply(StorageWire.digest(b), received);
        }
        case StorageWire.DELETE_SIGNED -> {
          Digest blob = StorageWire.digest(b);
          yield delete.apply(blob, StorageWire.digest(b));
        }
        default -> StorageWire.okLongs();
      };
      return CompletableFuture.completedFuture(answer);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private static final Ed25519PrivateKey HONEST = Ed25519PrivateKey.generate(RANDOM);
  private static final Ed25519PrivateKey HOSTILE = Ed25519PrivateKey.generate(RANDOM);
  private static final Ed25519PrivateKey STRANGER = Ed25519PrivateKey.generate(RANDOM);

  private static byte[] signed(Ed25519PrivateKey key, StorageStatement s) {
    return ClientWire.ok(new StorageReceipt(key.publicKey(), s, ByteString.of(key.sign(
        StorageReceipt.message(key.publicKey(), s)))).encode());
  }

  private static byte[] held(Ed25519PrivateKey key, Digest chain, Digest blob, long size) {
    return signed(key, new StorageStatement.Held(chain, blob, size, Instant.now()));
  }

  private static byte[] deleted(Ed25519PrivateKey key, Digest chain, Digest blob, Digest record) {
    return signed(key, new StorageStatement.Deleted(chain, blob, record, true, Instant.now()));
  }

  /** An honest node signing with {@code key}. */
  private static FakeNode honest(Ed25519PrivateKey key) {
    return new FakeNode((blob, size) -> held(key, CHAIN, blob, (Long) size),
        (blob, record) -> deleted(key, CHAIN, blob, (Digest) record));
  }

  private static StorageNodeClient client(Ed25519PrivateKey expected, ClientChannel node) {
    return new StorageNodeClient(name(expected), expected.publicKey(), CHAIN, node, 1024, Duration.ofSeconds(5),
        Duration.ofMillis(100));
  }

  private static String name(Ed25519PrivateKey key) {
    return key == HONEST ? "honest" : "hostile";
  }

  /** The hostile node's write acknowledgements, one per way of lying. */
  private static Map<String, Answer> badAcks() {
    return Map.of(
        "no receipt (the unsigned acknowledgement)", (blob, size) -> StorageWire.okLongs(),
        "a receipt signed by another key", (blob, size) -> held(STRANGER, CHAIN, blob, (Long) size),
        "a receipt for another blob", (blob, size) -> held(HOSTILE, CHAIN, Sha256.hash(new byte[] {9}), (Long) size),
        "a receipt for another chain", (blob, size) -> held(HOSTILE, OTHER_CHAIN, blob, (Long) size),
        "a receipt for another size", (blob, size) -> held(HOSTILE, CHAIN, blob, (Long) size - 1),
        "a receipt whose signature is flipped", (blob, size) -> flip(held(HOSTILE, CHAIN, blob, (Long) size), 1),
        "a deletion receipt", (blob, size) -> deleted(HOSTILE, CHAIN, blob, RECORD),
        "garbage", (blob, size) -> new byte[] {ClientWire.OK, 1, 2, 3});
  }

  /** {@code answer} with one bit flipped {@code fromEnd} bytes before its end. */
  private static byte[] flip(byte[] answer, int fromEnd) {
    byte[] b = answer.clone();
    b[b.length - fromEnd] ^= 1;
    return b;
  }

  @Test
  void aWriteAcknowledgedWithAGoodReceiptIsCountedAndItsReceiptKept(@TempDir Path spool) {
    ReplicatedBlobStore store = new ReplicatedBlobStore(List.of(new StorageNode("honest", client(HONEST, honest(HONEST)))),
        1, spool);
    ReplicatedBlobStore.Placement p = store.putReplicated(PAYLOAD);
    assertEquals(List.of("honest"), p.nodeIds());
    StorageReceipt r = p.receipts().get("honest");
    assertTrue(r.verify(HONEST.publicKey(), CHAIN));
    assertEquals(new StorageStatement.Held(CHAIN, ID, PAYLOAD.length, r.statement().time()), r.statement());
    // kept as bytes and read back, it still verifies; any flipped bit does not
    byte[] kept = r.encode();
    assertTrue(StorageReceipt.decode(kept).verify(HONEST.publicKey(), CHAIN));
    for (int i = 0; i < kept.length; i++) {
      assertFalse(decodesAndVerifies(flip(kept, kept.length - i)), "flipped bit in byte " + i);
    }
  }

  private static boolean decodesAndVerifies(byte[] b) {
    try {
      return StorageReceipt.decode(b).verify(HONEST.publicKey(), CHAIN);
    } catch (io.medledger.codec.MalformedEncodingException e) {
      return false;
    }
  }

  @Test
  void aHostileAcknowledgementIsNotCountedHoweverItLies(@TempDir Path spool) {
    for (Map.Entry<String, Answer> lie : badAcks().entrySet()) {
      FakeNode hostile = new FakeNode(lie.getValue(), (blob, record) -> deleted(HOSTILE, CHAIN, blob, (Digest) record));
      BlobUnavailableException e = assertThrows(BlobUnavailableException.class,
          () -> client(HOSTILE, hostile).put(PAYLOAD), lie.getKey());
      assertTrue(e.getMessage().contains("hostile"), e.getMessage());
      ReplicatedBlobStore store = new ReplicatedBlobStore(List.of(new StorageNode("hostile", client(HOSTILE, hostile)),
          new StorageNode("honest", client(HONEST, honest(HONEST)))), 1, spool);
      ReplicatedBlobStore.Placement p = store.putReplicated(PAYLOAD);
      assertEquals(List.of("honest"), p.nodeIds(), lie.getKey());
      assertEquals(List.of("honest"), List.copyOf(p.receipts().keySet()), lie.getKey());
    }
  }

  @Test
  void aHostileDeletionIsNotCountedAndAGoodOneIsKept() {
    Map<String, Answer> lies = Map.of(
        "no receipt (the unsigned answer)", (blob, record) -> new byte[] {ClientWire.OK, 1},
        "a receipt signed by another key", (blob, record) -> deleted(STRANGER, CHAIN, blob, (Digest) record),
        "a receipt for another blob", (blob, record) -> deleted(HOSTILE, CHAIN, RECORD, (Digest) record),
        "a receipt for another record", (blob, record) -> deleted(HOSTILE, CHAIN, blob, blob),
        "a receipt for another chain", (blob, record) -> deleted(HOSTILE, OTHER_CHAIN, blob, (Digest) record),
        "a receipt whose signature is flipped", (blob, record) -> flip(deleted(HOSTILE, CHAIN, blob, (Digest) record), 5),
        "a write receipt", (blob, record) -> held(HOSTILE, CHAIN, blob, PAYLOAD.length));
    for (Map.Entry<String, Answer> lie : lies.entrySet()) {
      FakeNode hostile = new FakeNode((blob, size) -> held(HOSTILE, CHAIN, blob, (Long) size), lie.getValue());
      assertThrows(BlobUnavailableException.class, () -> client(HOSTILE, hostile).deleteErased(ID, RECORD), lie.getKey());
      ReplicatedBlobStore store = new ReplicatedBlobStore(List.of(new StorageNode("hostile", client(HOSTILE, hostile)),
          new StorageNode("honest", client(HONEST, honest(HONEST)))), 1);
      ReplicatedBlobStore.DeletionReport d = store.erase(ID, RECORD);
      assertEquals(List.of("honest"), d.deleted(), lie.getKey());
      assertEquals(List.of("hostile"), d.unreachable(), lie.getKey());
      assertEquals(List.of("honest"), List.copyOf(d.receipts().keySet()), lie.getKey());
      StorageReceipt kept = d.receipts().get("honest");
      assertTrue(kept.verify(HONEST.publicKey(), CHAIN));
      assertEquals(new StorageStatement.Deleted(CHAIN, ID, RECORD, true, kept.statement().time()), kept.statement());
      byte[] b = kept.encode();
      for (int i = 0; i < b.length; i++) {
        assertFalse(decodesAndVerifies(flip(b, b.length - i)), "flipped bit in byte " + i);
      }
    }
  }
}
