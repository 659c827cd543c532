package io.medledger.federation;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * One confirmed anchoring of the ledger: the commitment to the ledger-wide log at a header, the
 * Bitcoin transaction carrying it and where that transaction confirmed, and the id of the
 * {@link io.medledger.chain.Anchor} entry that records it on the ledger.
 *
 * <p>Immutable and thread-safe.
 *
 * @param commitment the commitment (chain id, height, log size and root)
 * @param txid the Bitcoin transaction id
 * @param bitcoin where the transaction confirmed
 * @param anchorEntry the id of the anchor entry on the ledger
 */
public record AnchorPoint(AnchorCommitment commitment, Digest txid, AnchorReceipt.BitcoinPart bitcoin, Digest anchorEntry) {
  /** Checks for nulls. */
  public AnchorPoint {
    Objects.requireNonNull(commitment, "commitment");
    Objects.requireNonNull(txid, "txid");
    Objects.requireNonNull(bitcoin, "bitcoin");
    Objects.requireNonNull(anchorEntry, "anchorEntry");
  }
}
