package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import io.medledger.storage.StorageReceipt;
import java.util.List;
import java.util.Objects;

/**
 * What an erasure did. A {@link io.medledger.chain.RecordErasure} entry signed by the requester
 * is final on the ledger (and, when the patient erased, revocations of the grants scoped to the
 * record only); the payload's copies were deleted from the storage nodes listed; the proxies
 * dropped their key fragments of the grants listed. The ledger keeps only the record's digest,
 * pseudonyms and the fact of erasure.
 *
 * <p>Immutable and thread-safe.
 *
 * @param record the erased record's entry id
 * @param payloadDigest SHA-256 of the erased ciphertext
 * @param erasedBy the patient or regulator who ordered it
 * @param erasureEntry the entry id of the {@code RecordErasure} on the ledger
 * @param deletedFrom storage nodes that held and deleted a copy
 * @param unreachable storage nodes that could not be reached (retry with {@link LedgerConnection#finishErasure})
 * @param destroyedGrants grants whose proxy fragments were destroyed
 * @param deletionReceipts the storage nodes' signed statements that they deleted the payload (and
 *     its de-identified copy), or held no copy, for this erased record, each checked against the
 *     node's key and the chain: keep them to show later what each node said (they prove its word,
 *     not that no copy is left anywhere); empty for stores that sign none
 */
public record ErasureReport(Digest record, Digest payloadDigest, ParticipantId erasedBy, Digest erasureEntry,
    List<String> deletedFrom, List<String> unreachable, List<Digest> destroyedGrants,
    List<StorageReceipt> deletionReceipts) {
  /** Validates and copies. */
  public ErasureReport {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(payloadDigest, "payloadDigest");
    Objects.requireNonNull(erasedBy, "erasedBy");
    Objects.requireNonNull(erasureEntry, "erasureEntry");
    deletedFrom = List.copyOf(deletedFrom);
    unreachable = List.copyOf(unreachable);
    destroyedGrants = List.copyOf(destroyedGrants);
    deletionReceipts = List.copyOf(deletionReceipts);
  }

  /** A report without deletion receipts. */
  public ErasureReport(Digest record, Digest payloadDigest, ParticipantId erasedBy, Digest erasureEntry,
      List<String> deletedFrom, List<String> unreachable, List<Digest> destroyedGrants) {
    this(record, payloadDigest, erasedBy, erasureEntry, deletedFrom, unreachable, destroyedGrants, List.of());
  }

  /** Whether every storage node was reached, so no copy remains. */
  public boolean complete() {
    return unreachable.isEmpty();
  }
}
