package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Signed storage receipts: what they sign, how they encode, and that {@link ReplicatedBlobStore}
 * counts a node whose store claims to attest only with a receipt that checks, whatever that store's
 * own implementation let through.
 */
class StorageReceiptTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Ed25519PrivateKey NODE = Ed25519PrivateKey.generate(RANDOM);
  private static final Digest CHAIN = Sha256.hash(new byte[] {'c'});
  private static final byte[] PAYLOAD = "ciphertext".getBytes(StandardCharsets.US_ASCII);
  private static final Digest ID = Sha256.hash(PAYLOAD);
  private static final Digest RECORD = Sha256.hash(new byte[] {'r'});

  private static StorageReceipt sign(Ed25519PrivateKey key, StorageStatement s) {
    return new StorageReceipt(key.publicKey(), s, ByteString.of(key.sign(StorageReceipt.message(key.publicKey(), s))));
  }

  @Test
  void aReceiptVerifiesForItsNodeAndChainOnlyAndRoundTrips() {
    StorageReceipt held = sign(NODE, new StorageStatement.Held(CHAIN, ID, PAYLOAD.length, Instant.ofEpochMilli(1234)));
    StorageReceipt gone = sign(NODE, new StorageStatement.Deleted(CHAIN, ID, RECORD, false, Instant.ofEpochMilli(5)));
    for (StorageReceipt r : List.of(held, gone)) {
      assertTrue(r.verify(NODE.publicKey(), CHAIN));
      assertFalse(r.verify(Ed25519PrivateKey.generate(RANDOM).publicKey(), CHAIN), "another node");
      assertFalse(r.verify(NODE.publicKey(), RECORD), "another chain");
      byte[] e = r.encode();
      assertTrue(e.length <= StorageReceipt.MAX_ENCODED_BYTES);
      assertEquals(r, StorageReceipt.decode(e));
    }
    // the same fields signed as the other kind, or a signature moved from one receipt to another, do not verify
    assertFalse(new StorageReceipt(NODE.publicKey(), gone.statement(), held.signature()).verify());
  }

  @Test
  void theSignedMessageIsTaggedForStorageStatementsOnly() {
    byte[] m = StorageReceipt.message(NODE.publicKey(), new StorageStatement.Held(CHAIN, ID, 1, Instant.EPOCH));
    byte[] tag = "medledger/storage-statement/v1\0".getBytes(StandardCharsets.US_ASCII);
    assertTrue(Arrays.equals(tag, Arrays.copyOf(m, tag.length)));
  }

  @Test
  void decodingIsExactAndBounded() {
    byte[] e = sign(NODE, new StorageStatement.Held(CHAIN, ID, 3, Instant.EPOCH)).encode();
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(Arrays.copyOf(e, e.length + 1)));
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(Arrays.copyOf(e, e.length - 1)));
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(new byte[0]));
    byte[] v2 = e.clone();
    v2[0] = 2;
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(v2));
    byte[] kind = e.clone();
    kind[1] = 3;
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(kind));
    byte[] negative = e.clone();
    negative[1 + 1 + 32 + 32 + 32] = (byte) 0x80;
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(negative));
    byte[] flag = sign(NODE, new StorageStatement.Deleted(CHAIN, ID, RECORD, true, Instant.EPOCH)).encode();
    flag[1 + 1 + 4 * 32] = 2;
    assertThrows(MalformedEncodingException.class, () -> StorageReceipt.decode(flag));
  }

  /** A store that claims to attest and hands on whatever receipt it was given, checked or not. */
  private static final class CarelessStore extends InMemoryAttestingStore {
    private final StorageReceipt ack;

    CarelessStore(StorageReceipt ack) {
      super(NODE.publicKey(), CHAIN);
      this.ack = ack;
    }

    @Override
    StorageReceipt held(Digest id, long size) {
      return ack;
    }

    @Override
    StorageReceipt deleted(Digest id, Digest erasedRecord, boolean hadCopy) {
      return ack;
    }
  }

  @Test
  void aReplicatedStoreCountsAnAttestingNodeOnlyWithAReceiptThatChecks() {
    StorageReceipt good = sign(NODE, new StorageStatement.Held(CHAIN, ID, PAYLOAD.length, Instant.now()));
    StorageReceipt goodDeletion = sign(NODE, new StorageStatement.Deleted(CHAIN, ID, RECORD, true, Instant.now()));
    List<StorageReceipt> badAcks = List.of(
        sign(Ed25519PrivateKey.generate(RANDOM), new StorageStatement.Held(CHAIN, ID, PAYLOAD.length, Instant.now())),
        sign(NODE, new StorageStatement.Held(RECORD, ID, PAYLOAD.length, Instant.now())),
        sign(NODE, new StorageStatement.Held(CHAIN, RECORD, PAYLOAD.length, Instant.now())),
        sign(NODE, new StorageStatement.Held(CHAIN, ID, PAYLOAD.length + 1, Instant.now())),
        new StorageReceipt(NODE.publicKey(), new StorageStatement.Held(CHAIN, ID, PAYLOAD.length, Instant.EPOCH),
            good.signature()),
        goodDeletion);
    for (StorageReceipt r : badAcks) {
      ReplicatedBlobStore s = new ReplicatedBlobStore(List.of(new StorageNode("careless", new CarelessStore(r)),
          new StorageNode("plain", new InMemoryBlobStore())), 1);
      ReplicatedBlobStore.Placement p = s.putReplicated(PAYLOAD);
      assertEquals(List.of("plain"), p.nodeIds(), r.toString());
      assertTrue(p.receipts().isEmpty());
    }
    List<StorageReceipt> badDeletions = List.of(
        sign(Ed25519PrivateKey.generate(RANDOM), new StorageStatement.Deleted(CHAIN, ID, RECORD, true, Instant.now())),
        sign(NODE, new StorageStatement.Deleted(RECORD, ID, RECORD, true, Instant.now())),
        sign(NODE, new StorageStatement.Deleted(CHAIN, RECORD, RECORD, true, Instant.now())),
        sign(NODE, new StorageStatement.Deleted(CHAIN, ID, ID, true, Instant.now())),
        new StorageReceipt(NODE.publicKey(), new StorageStatement.Deleted(CHAIN, ID, RECORD, true, Instant.EPOCH),
            goodDeletion.signature()),
        good);
    for (StorageReceipt r : badDeletions) {
      CarelessStore careless = new CarelessStore(r);
      careless.put(PAYLOAD);
      ReplicatedBlobStore s = new ReplicatedBlobStore(List.of(new StorageNode("careless", careless),
          new StorageNode("plain", new InMemoryBlobStore())), 1);
      ReplicatedBlobStore.DeletionReport d = s.erase(ID, RECORD);
      assertEquals(List.of(), d.deleted(), r.toString());
      assertEquals(List.of("careless"), d.unreachable(), r.toString());
      assertTrue(d.receipts().isEmpty());
    }
    ReplicatedBlobStore s = new ReplicatedBlobStore(List.of(new StorageNode("careless", new CarelessStore(good))), 1);
    assertEquals(Optional.of(good), Optional.ofNullable(s.putReplicated(PAYLOAD).receipts().get("careless")));
    CarelessStore careless = new CarelessStore(goodDeletion);
    careless.put(PAYLOAD);
    ReplicatedBlobStore.DeletionReport d = new ReplicatedBlobStore(List.of(new StorageNode("careless", careless)), 1)
        .erase(ID, RECORD);
    assertEquals(List.of("careless"), d.deleted());
    assertEquals(goodDeletion, d.receipts().get("careless"));
  }
}
