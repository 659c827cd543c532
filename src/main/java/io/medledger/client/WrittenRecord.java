package io.medledger.client;

import io.medledger.chain.DeidentifiedCopy;
import io.medledger.chain.MedicalRecord;
import io.medledger.crypto.Digest;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a record write did: the record entry, final on the ledger, and the storage nodes' signed
 * receipts for its payload and its de-identified copy, as the typed clients' uploads, writes and
 * amendments return it.
 *
 * <p>Each receipt was checked by the client before the node was counted towards the write quorum
 * (signed by the node's configured key, for the chain, about the bytes sent). Keep their
 * {@link StorageReceipt#encode() encodings} to hold a node to its word later: anyone with the node's
 * key checks one with {@code StorageReceipt.decode(bytes).verify(nodeKey, chainId)}. A receipt
 * proves what the node stated, not that it still holds the bytes (see docs/storage.md).
 *
 * <p>Immutable and thread-safe.
 *
 * @param record the record entry as submitted (signed by its author)
 * @param storageReceipts the "held" receipts of the nodes that acknowledged the payload, then those
 *     of the de-identified copy, in acknowledgement order; empty over stores that sign none (the
 *     in-process ones)
 */
public record WrittenRecord(MedicalRecord record, List<StorageReceipt> storageReceipts) {
  /**
   * Validates and copies.
   *
   * @throws IllegalArgumentException if a receipt is not a "held" statement about the record's
   *     payload or de-identified copy (blob and size), or a node has two receipts for one blob
   */
  public WrittenRecord {
    Objects.requireNonNull(record, "record");
    storageReceipts = List.copyOf(storageReceipts);
    Set<List<Object>> seen = new HashSet<>();
    for (StorageReceipt r : storageReceipts) {
      if (!(r.statement() instanceof StorageStatement.Held held) || !(about(held, record.payloadDigest(),
          record.payloadSize()) || record.deidentified().map(d -> about(held, d)).orElse(false))) {
        throw new IllegalArgumentException("a write receipt that is not about record " + record.id()
            + "'s payload or its de-identified copy: " + r.statement());
      }
      if (!seen.add(List.<Object>of(r.node(), held.blob()))) {
        throw new IllegalArgumentException("two receipts of one node for blob " + held.blob());
      }
    }
  }

  private static boolean about(StorageStatement.Held held, DeidentifiedCopy copy) {
    return about(held, copy.payloadDigest(), copy.payloadSize());
  }

  private static boolean about(StorageStatement.Held held, Digest blob, long size) {
    return held.blob().equals(blob) && held.size() == size;
  }

  /** The record entry's id, as {@code record().id()}. */
  public Digest id() {
    return record.id();
  }

  /** The receipts for the payload itself (not its de-identified copy). */
  public List<StorageReceipt> payloadReceipts() {
    return storageReceipts.stream().filter(r -> r.statement().blob().equals(record.payloadDigest())).toList();
  }
}
