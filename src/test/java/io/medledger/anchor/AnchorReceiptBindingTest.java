package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.Hex;
import io.medledger.crypto.Sha256;
import io.medledger.testing.BitFlips;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte of a complete receipt with its ledger headers is bound: a mutation of its JSON is
 * refused when read, refused when verified, or verifies to the same verdict and the same bound
 * parts (the fields {@link AnchorReceipt.LedgerPart} documents as informational may differ).
 */
@Timeout(60)
class AnchorReceiptBindingTest {
  private final ChainFixture f = ChainFixture.create();
  private final MedicalRecord early;
  private final MedicalRecord last;
  private final long anchoredHeight;
  private final FileHeaderSource headers;
  private final AnchorReceipt.BitcoinPart where;

  AnchorReceiptBindingTest() {
    Actor patient = f.actor("patient");
    f.commit(f.registerPatient(patient));
    early = f.record(patient, patient, null, "Observation", "early");
    f.commit(early, f.record(patient, patient, null, "Condition", "other"));
    last = f.record(patient, patient, null, "Observation", "last");
    f.commit(f.record(patient, patient, null, "Condition", "first in block"), last);
    anchoredHeight = f.ledger.height();
    AnchorCommitment c = LedgerAnchors.commitment(f.ledger.header(anchoredHeight));
    LedgerAnchorsTest.RegtestAnchor anchor = LedgerAnchorsTest.RegtestAnchor.of(c);
    headers = anchor.headers();
    where = anchor.where();
  }

  private AnchorReceipt complete(MedicalRecord r) {
    return LedgerAnchors.pendingReceipt(f.ledger, r.id(), anchoredHeight).orElseThrow().complete(where);
  }

  /** What a verified receipt tells: the verdict and every part the verification binds. */
  private List<Object> view(byte[] json) {
    AnchorReceipt r = AnchorReceipt.fromJson(new String(json, StandardCharsets.UTF_8));
    if (!(r.verify(headers, "regtest") instanceof ReceiptVerdict.Anchored a)) {
      return null;
    }
    AnchorReceipt.LedgerPart lp = r.ledger().orElseThrow();
    BlockHeader block = BlockHeader.decode(lp.blockHeader());
    BlockHeader anchored = BlockHeader.decode(lp.anchoredHeader());
    return List.of(a, Hex.encode(r.entry()), r.logProof(), r.commitment(), r.bitcoin().orElseThrow(),
        block.chainId(), block.entryCount(), block.entriesRoot(), block.ledgerSize(), lp.indexInBlock(), lp.blockPath(),
        block.height() == anchored.height() ? Hex.encode(lp.blockHeader()) : "below the anchored height");
  }

  @Test
  void everyByteOfAReceiptIsBoundOrInformational() {
    for (MedicalRecord r : List.of(early, last)) {
      BitFlips.assertEveryByteIsBound("receipt", complete(r).toJson().getBytes(StandardCharsets.UTF_8), 1, this::view);
    }
  }

  @Test
  void theEntrysBlockAtTheAnchoredHeightMustBeTheAnchoredHeader() {
    AnchorReceipt r = complete(last);
    AnchorReceipt.LedgerPart lp = r.ledger().orElseThrow();
    BlockHeader h = BlockHeader.decode(lp.blockHeader());
    assertEquals(anchoredHeight, h.height());
    BlockHeader forged = new BlockHeader(h.chainId(), h.height(), h.previousHash(), h.timestamp() + 86_400_000L,
        h.bookkeeper(), h.round(), h.consensusData(), h.entryCount(), h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot());
    AnchorReceipt moved = AnchorReceipt.pending(r.entry(), r.logProof(), r.commitment(),
        new AnchorReceipt.LedgerPart(lp.anchoredHeader(), forged.encode(), lp.indexInBlock(), lp.blockPath()))
        .complete(where);
    assertEquals(new ReceiptVerdict.Invalid("the entry's block is at the anchored height but is not the anchored header"),
        moved.verify(headers, "regtest"));
  }

  @Test
  void theIndexInTheBlockMustBeTheOneTheLogIndexGives() {
    AnchorReceipt r = complete(last);
    AnchorReceipt.LedgerPart lp = r.ledger().orElseThrow();
    assertEquals(1, lp.indexInBlock());
    // a single-entry header made up for the entry: its own range of the log, its own entries root
    BlockHeader h = BlockHeader.decode(lp.anchoredHeader());
    long index = r.logProof().leafIndex();
    BlockHeader madeUp = new BlockHeader(h.chainId(), h.height() - 1, Sha256.hash(new byte[] {9}), h.timestamp(),
        h.bookkeeper(), h.round(), h.consensusData(), 2, io.medledger.merkle.Rfc9162.rootOfLeafHashes(
            List.of(r.leafHash(), r.leafHash())), h.subBlocksRoot(), h.patientHeadsRoot(), index + 1, h.ledgerRoot());
    AnchorReceipt second = AnchorReceipt.pending(r.entry(), r.logProof(), r.commitment(),
        new AnchorReceipt.LedgerPart(lp.anchoredHeader(), madeUp.encode(), 0, List.of(r.leafHash())));
    assertInstanceOf(ReceiptVerdict.Invalid.class, second.verify(headers),
        "the entry is the block's last (index 1) by its log index, not its first");
    assertEquals(lp, AnchorReceipt.fromJson(r.toJson()).ledger().orElseThrow());
    assertEquals(true, Arrays.equals(lp.anchoredHeader(), lp.blockHeader()));
  }
}
