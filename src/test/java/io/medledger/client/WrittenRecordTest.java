package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.DeidentifiedCopy;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A {@link WrittenRecord} carries only the storage nodes' "held" receipts about its own record's
 * payload or de-identified copy, one per node and blob, and keeps them as given, immutably.
 */
class WrittenRecordTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Digest CHAIN = Sha256.hash(new byte[] {'c'});
  private static final Ed25519PrivateKey PATIENT = Ed25519PrivateKey.generate(RANDOM);
  private static final Ed25519PrivateKey NODE_A = Ed25519PrivateKey.generate(RANDOM);
  private static final Ed25519PrivateKey NODE_B = Ed25519PrivateKey.generate(RANDOM);
  private static final Digest PAYLOAD = Sha256.hash(new byte[] {'p'});
  private static final Digest COPY = Sha256.hash(new byte[] {'d'});

  private static MedicalRecord record(boolean withCopy) {
    ParticipantId p = ParticipantId.of(PATIENT.publicKey());
    return new MedicalRecord(p, p, Optional.empty(), "Observation", PAYLOAD, 500,
        List.of(ParticipantId.of(NODE_A.publicKey()), ParticipantId.of(NODE_B.publicKey())),
        ByteString.of(new byte[] {1}), 1, Optional.empty(),
        withCopy ? Optional.of(new DeidentifiedCopy(COPY, 300, ByteString.of(new byte[] {2}))) : Optional.empty(),
        List.of());
  }

  private static StorageReceipt receipt(Ed25519PrivateKey node, StorageStatement s) {
    return new StorageReceipt(node.publicKey(), s, ByteString.of(node.sign(StorageReceipt.message(node.publicKey(),
        s))));
  }

  private static StorageReceipt held(Ed25519PrivateKey node, Digest blob, long size) {
    return receipt(node, new StorageStatement.Held(CHAIN, blob, size, Instant.ofEpochMilli(1_700_000_000_000L)));
  }

  @Test
  void keepsTheReceiptsOfThePayloadAndItsCopyAsGiven() {
    List<StorageReceipt> given = new ArrayList<>(List.of(held(NODE_A, PAYLOAD, 500), held(NODE_B, PAYLOAD, 500),
        held(NODE_B, COPY, 300), held(NODE_A, COPY, 300)));
    MedicalRecord rec = record(true);
    WrittenRecord w = new WrittenRecord(rec, given);
    given.clear();
    assertEquals(4, w.storageReceipts().size(), "a copy, not a view of the caller's list");
    assertThrows(UnsupportedOperationException.class, () -> w.storageReceipts().clear());
    assertEquals(List.of(held(NODE_A, PAYLOAD, 500), held(NODE_B, PAYLOAD, 500)), w.payloadReceipts());
    assertEquals(rec.id(), w.id());
    assertTrue(w.storageReceipts().stream().allMatch(r -> r.verify(r.node(), CHAIN)));
    assertEquals(List.of(), new WrittenRecord(rec, List.of()).storageReceipts(), "stores that sign nothing");
  }

  @Test
  void refusesAReceiptThatIsNotAHeldOneAboutItsRecordOrADuplicate() {
    Map<String, List<StorageReceipt>> wrong = Map.of(
        "another blob", List.of(held(NODE_A, Sha256.hash(new byte[] {'x'}), 500)),
        "the payload at another size", List.of(held(NODE_A, PAYLOAD, 499)),
        "the copy at the payload's size", List.of(held(NODE_A, COPY, 500)),
        "a deletion of the payload", List.of(receipt(NODE_A, new StorageStatement.Deleted(CHAIN, PAYLOAD,
            record(true).id(), true, Instant.EPOCH))),
        "two receipts of one node for the payload", List.of(held(NODE_A, PAYLOAD, 500), held(NODE_A, PAYLOAD, 500)));
    for (Map.Entry<String, List<StorageReceipt>> e : wrong.entrySet()) {
      assertThrows(IllegalArgumentException.class, () -> new WrittenRecord(record(true), e.getValue()), e.getKey());
    }
    assertThrows(IllegalArgumentException.class, () -> new WrittenRecord(record(false), List.of(held(NODE_A, COPY,
        300))), "a copy's receipt for a record without a copy");
    assertThrows(NullPointerException.class, () -> new WrittenRecord(null, List.of()));
  }
}
