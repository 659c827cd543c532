package io.medledger.anchor;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Anchor;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryInclusionProof;
import io.medledger.chain.Ledger;
import io.medledger.chain.LedgerInclusionProof;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Digest;
import java.util.Optional;

/**
 * Glue between the ledger and anchoring: the commitment of a header, pending receipts for entries,
 * and the ledger's anchor entry once an anchor is final. Thread-safe: stateless.
 */
public final class LedgerAnchors {
  private LedgerAnchors() {}

  /** The commitment to the ledger-wide log as of {@code header}. */
  public static AnchorCommitment commitment(BlockHeader header) {
    return new AnchorCommitment(header.chainId(), header.height(), header.ledgerSize(), header.ledgerRoot());
  }

  /**
   * A pending receipt for entry {@code entryId} under the anchor of the header at
   * {@code anchoredHeight}, with the entry's block header and path; empty if the entry is not on
   * the ledger at or below that height.
   */
  public static Optional<AnchorReceipt> pendingReceipt(Ledger ledger, Digest entryId, long anchoredHeight) {
    BlockHeader anchored = ledger.header(anchoredHeight);
    Optional<LedgerInclusionProof> inLog = ledger.ledgerInclusionProof(entryId, anchoredHeight);
    Optional<EntryInclusionProof> inBlock = ledger.entryInclusionProof(entryId);
    if (inLog.isEmpty() || inBlock.isEmpty() || inBlock.get().height() > anchoredHeight) {
      return Optional.empty();
    }
    BlockHeader block = ledger.header(inBlock.get().height());
    AnchorReceipt.LedgerPart part = new AnchorReceipt.LedgerPart(anchored.encode(), block.encode(),
        inBlock.get().proof().leafIndex(), inBlock.get().proof().path());
    return Optional.of(AnchorReceipt.pending(inLog.get().entry().encode(), inLog.get().proof(),
        commitment(anchored), part));
  }

  /**
   * The ledger's record of a final anchor, covering heights {@code fromHeight} to the anchored
   * height, signed by the federation server {@code submitter}.
   *
   * @throws IllegalArgumentException if the anchor is not final
   */
  public static Anchor anchorEntry(AnchorRecord finalAnchor, long fromHeight, Ed25519PrivateKey submitter,
      long createdAtMillis) {
    if (finalAnchor.status() != AnchorStatus.FINAL) {
      throw new IllegalArgumentException("only a final anchor is recorded on the ledger");
    }
    Anchor unsigned = new Anchor(ParticipantId.of(submitter.publicKey()), finalAnchor.confirmation().txid(),
        finalAnchor.id(), fromHeight, finalAnchor.commitment().height(), createdAtMillis, java.util.List.of());
    return Entry.sign(unsigned, finalAnchor.commitment().chainId(), submitter);
  }
}
