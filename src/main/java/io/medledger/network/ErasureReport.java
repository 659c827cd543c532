package io.medledger.network;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * What an erasure did. The payload's copies were deleted from the storage nodes listed, the
 * proxies dropped their key fragments of the grants listed (grants scoped to erased records
 * only), and, when the patient erased, a tombstone amendment and revocations were put on the
 * ledger. The ledger keeps only the record's digest, pseudonyms and the fact of erasure.
 *
 * <p>Immutable and thread-safe.
 *
 * @param record the erased record's entry id
 * @param payloadDigest SHA-256 of the erased ciphertext
 * @param erasedBy the patient or regulator who ordered it
 * @param deletedFrom storage nodes that held and deleted a copy
 * @param unreachable storage nodes that could not be reached (retry with {@link Federation#retryErasure})
 * @param destroyedGrants grants whose proxy fragments were destroyed
 * @param tombstone the tombstone amendment's entry id, when the patient erased
 */
public record ErasureReport(Digest record, Digest payloadDigest, ParticipantId erasedBy, List<String> deletedFrom,
    List<String> unreachable, List<Digest> destroyedGrants, Optional<Digest> tombstone) {
  /** Copies the lists. */
  public ErasureReport {
    deletedFrom = List.copyOf(deletedFrom);
    unreachable = List.copyOf(unreachable);
    destroyedGrants = List.copyOf(destroyedGrants);
  }

  /** Whether every storage node was reached, so no copy remains. */
  public boolean complete() {
    return unreachable.isEmpty();
  }
}
