package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplicatedBlobStore#rebalance} after a node is retired: a new holder counts only with
 * its signed receipt for the blob and size and a copy that then checks; the retired node is never
 * written; the arguments are bounded.
 */
class ReplicatedBlobStoreRebalanceTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Digest CHAIN = Sha256.hash(new byte[] {'c'});
  private static final byte[] PAYLOAD = "ciphertext of a record".getBytes(StandardCharsets.US_ASCII);
  private static final Digest ID = Sha256.hash(PAYLOAD);

  /** A storage node that signs a held receipt for what it is sent, or lies about the size, or drops the bytes. */
  private static final class SigningStore extends InMemoryAttestingStore {
    private static final Ed25519PrivateKey KEY = Ed25519PrivateKey.generate(RANDOM);
    private final long sizeSkew;
    private final boolean keeps;

    SigningStore(long sizeSkew, boolean keeps) {
      super(KEY.publicKey(), CHAIN);
      this.sizeSkew = sizeSkew;
      this.keeps = keeps;
    }

    @Override
    public Digest put(byte[] data) {
      Digest id = super.put(data);
      if (!keeps) {
        delete(id);
      }
      return id;
    }

    @Override
    StorageReceipt held(Digest id, long size) {
      StorageStatement s = new StorageStatement.Held(CHAIN, id, size + sizeSkew, Instant.now());
      return new StorageReceipt(KEY.publicKey(), s, ByteString.of(KEY.sign(StorageReceipt.message(KEY.publicKey(), s))));
    }

    @Override
    StorageReceipt deleted(Digest id, Digest erasedRecord, boolean hadCopy) {
      throw new BlobUnavailableException("not in this test");
    }
  }

  private static InMemoryBlobStore holding() {
    InMemoryBlobStore s = new InMemoryBlobStore();
    s.put(PAYLOAD);
    return s;
  }

  @Test
  void aNewHolderCountsOnlyWithItsReceiptAndACopyThatChecksAndTheRetiredNodeIsNeverWritten() {
    SigningStore retiredNode = new SigningStore(0, true);
    SigningStore honest = new SigningStore(0, true);
    SigningStore liar = new SigningStore(1, true);
    SigningStore dropper = new SigningStore(0, false);
    ReplicatedBlobStore s = new ReplicatedBlobStore(List.of(new StorageNode("holder", holding()),
        new StorageNode("retired", retiredNode), new StorageNode("liar", liar), new StorageNode("dropper", dropper),
        new StorageNode("honest", honest)), 2);
    s.retire("retired");
    s.retire("retired"); // once is for good; again changes nothing
    assertEquals(java.util.Set.of("retired"), s.retired());

    ReplicatedBlobStore.RebalanceReport r = s.rebalance(
        List.of(new ReplicatedBlobStore.Listed(ID, PAYLOAD.length, List.of("holder", "retired"))), 4, 1 << 20);

    assertEquals(0, retiredNode.puts.get(), "never placed on the retired node");
    assertEquals(1, r.moved().size());
    ReplicatedBlobStore.Moved m = r.moved().get(0);
    assertEquals("holder", m.source());
    assertEquals(List.of("honest"), m.added(), "the liar's receipt and the dropper's missing copy do not count");
    assertEquals(List.of("holder", "honest"), m.holders());
    assertTrue(m.receipts().get("honest").verify(honest.nodeKey(), CHAIN));
    assertEquals(1, r.shortfalls().size());
    String why = r.shortfalls().get(0).reason();
    assertTrue(why.contains("liar=not copied: its receipt is not the node's"), why);
    assertTrue(why.contains("dropper=not copied: its copy does not check after the write"), why);
    assertFalse(r.complete());
    assertEquals(4L * PAYLOAD.length, r.bytesMoved(), "read once, written to three nodes");
  }

  @Test
  void anErasureAsksARetiredNodeButNeverWaitsForIt() {
    InMemoryBlobStore retiredUp = holding();
    FaultyBlobStore retiredDown = new FaultyBlobStore();
    retiredDown.put(PAYLOAD);
    retiredDown.mode = FaultyBlobStore.Mode.DOWN;
    ReplicatedBlobStore s = new ReplicatedBlobStore(List.of(new StorageNode("active", holding()),
        new StorageNode("up", retiredUp), new StorageNode("down", retiredDown)), 1);
    s.retire("up");
    s.retire("down");
    ReplicatedBlobStore.DeletionReport d = s.erase(ID);
    assertEquals(List.of("active", "up"), d.deleted(), "a retired node that answers deletes its copy too");
    assertTrue(d.complete(), "a retired node down is not waited for: " + d.unreachable());
    assertTrue(retiredUp.get(ID).isEmpty());
  }

  @Test
  void argumentsAreBounded() {
    ReplicatedBlobStore s = new ReplicatedBlobStore(List.of(new StorageNode("a", holding()),
        new StorageNode("b", new InMemoryBlobStore())), 1);
    List<ReplicatedBlobStore.Listed> one = List.of(new ReplicatedBlobStore.Listed(ID, PAYLOAD.length, List.of("a")));
    assertThrows(IllegalArgumentException.class, () -> s.retire("c"));
    assertThrows(IllegalArgumentException.class, () -> s.rebalance(one, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> s.rebalance(one, 3, 1));
    assertThrows(IllegalArgumentException.class, () -> s.rebalance(one, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> s.rebalance(
        Collections.nCopies(ReplicatedBlobStore.MAX_REBALANCE_PAYLOADS + 1, one.get(0)), 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new ReplicatedBlobStore.Listed(ID, -1, List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new ReplicatedBlobStore.Listed(ID, 1, Collections.nCopies(65, "a")));
    // a stated size no budget covers is deferred, not overflowed
    ReplicatedBlobStore.RebalanceReport huge = s.rebalance(
        List.of(new ReplicatedBlobStore.Listed(ID, Long.MAX_VALUE, List.of("a"))), 2, Long.MAX_VALUE);
    assertEquals(List.of(ID), huge.deferred());
    assertEquals(0, huge.bytesMoved());
    // once every node is retired, nothing is written or read, and the payload counts as held nowhere
    s.retire("a");
    s.retire("b");
    assertThrows(InsufficientReplicasException.class, () -> s.putReplicated(PAYLOAD));
    assertThrows(InsufficientReplicasException.class, () -> s.read(ID, List.of("a")));
    assertEquals(BlobState.MISSING, s.check(ID));
  }
}
