package io.medledger.client;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.chain.LedgerInclusionProof;
import io.medledger.chain.MedicalRecord;
import java.util.Objects;
import java.util.Optional;

/**
 * One record as a query returns it: the ledger entry (metadata only: pseudonym, type, digest,
 * storage nodes, capsule), the height of its block, its inclusion proof in the ledger-wide log
 * (against the page's header) when asked for, an anchor receipt once a Bitcoin anchor covers it,
 * and whether its payload was erased.
 *
 * <p>Immutable and thread-safe.
 *
 * @param record the record entry
 * @param height the height of its block
 * @param proof its ledger inclusion proof, when requested
 * @param anchorReceipt its complete anchor receipt, once anchored (over a remote connection its
 *     ledger part is checked; its Bitcoin part is verified only by
 *     {@link AuditorClient#verifyReceipt})
 * @param erased whether the payload was erased
 */
public record RecordView(MedicalRecord record, long height, Optional<LedgerInclusionProof> proof,
    Optional<AnchorReceipt> anchorReceipt, boolean erased) {
  /** Checks for nulls. */
  public RecordView {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(proof, "proof");
    Objects.requireNonNull(anchorReceipt, "anchorReceipt");
  }
}
