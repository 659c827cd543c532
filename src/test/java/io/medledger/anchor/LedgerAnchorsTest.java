package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OpReturnAnchor;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.chain.Anchor;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.MedicalRecord;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.BitcoinMerkle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Receipts for real ledger entries: entry -> block -> ledger log at the anchored header -> Bitcoin. */
class LedgerAnchorsTest {
  /**
   * A regtest block at height 7 whose second transaction carries a commitment in an OP_RETURN.
   *
   * @param tx the anchor transaction
   * @param header the block's header
   * @param headers a header source holding it
   * @param where a receipt's Bitcoin part for the transaction
   */
  record RegtestAnchor(Transaction tx, BitcoinBlockHeader header, FileHeaderSource headers,
      AnchorReceipt.BitcoinPart where) {
    static RegtestAnchor of(AnchorCommitment c) {
      Transaction tx = new Transaction(2,
          List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {1}), 0), TxInput.SEQUENCE_FINAL)),
          List.of(new TxOutput(0, OpReturnAnchor.script(c.digest()))), 0);
      List<Digest> txids = List.of(Sha256.hash(new byte[] {2}), tx.txid(), Sha256.hash(new byte[] {3}));
      BitcoinBlockHeader header = null;
      for (long n = 0; header == null || !header.checkProofOfWork(BitcoinChainParams.REGTEST); n++) {
        header = BitcoinBlockHeader.of(0x20000000, Sha256.hash(new byte[] {4}), BitcoinMerkle.root(txids),
            1_780_000_000L, 0x207fffff, n);
      }
      return new RegtestAnchor(tx, header, FileHeaderSource.of(Map.of(7L, header)),
          new AnchorReceipt.BitcoinPart("regtest", tx.serializeWithoutWitness(), MerkleBranch.fromTxids(txids, 1), 7));
    }
  }

  @Test
  void receiptsForLedgerEntriesAndTheAnchorEntry() {
    ChainFixture f = ChainFixture.create();
    Actor patient = f.actor("patient");
    f.commit(f.registerPatient(patient));
    List<MedicalRecord> records = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      MedicalRecord r = f.record(patient, patient, null, "Observation", "payload " + i);
      records.add(r);
      f.commit(r, f.record(patient, patient, null, "Condition", "other " + i));
    }
    long anchoredHeight = f.ledger.height();
    AnchorCommitment c = LedgerAnchors.commitment(f.ledger.header(anchoredHeight));

    // a regtest block carrying an OP_RETURN with the commitment
    RegtestAnchor anchor = RegtestAnchor.of(c);
    Transaction tx = anchor.tx();
    BitcoinBlockHeader header = anchor.header();
    FileHeaderSource headers = anchor.headers();
    AnchorReceipt.BitcoinPart where = anchor.where();

    for (MedicalRecord r : records) {
      AnchorReceipt pending = LedgerAnchors.pendingReceipt(f.ledger, r.id(), anchoredHeight).orElseThrow();
      assertInstanceOf(ReceiptVerdict.Pending.class, pending.verify(headers));
      AnchorReceipt done = pending.complete(where);
      assertInstanceOf(ReceiptVerdict.Anchored.class, done.verify(headers));
      assertEquals(done.toJson(), AnchorReceipt.fromJson(done.toJson()).toJson());
      assertTrue(done.toOpenTimestamps().verifyBitcoin(headers, BitcoinChainParams.REGTEST).holds());
    }
    // a receipt whose anchored header is another height's does not hold
    AnchorReceipt p0 = LedgerAnchors.pendingReceipt(f.ledger, records.get(0).id(), anchoredHeight).orElseThrow();
    AnchorReceipt.LedgerPart lp = p0.ledger().orElseThrow();
    AnchorReceipt wrongHeader = AnchorReceipt.pending(p0.entry(), p0.logProof(), p0.commitment(),
        new AnchorReceipt.LedgerPart(f.ledger.header(anchoredHeight - 1).encode(), lp.blockHeader(), lp.indexInBlock(), lp.blockPath()));
    assertFalse(wrongHeader.verify(headers).holds());
    AnchorReceipt wrongBlock = AnchorReceipt.pending(p0.entry(), p0.logProof(), p0.commitment(),
        new AnchorReceipt.LedgerPart(lp.anchoredHeader(), f.ledger.header(anchoredHeight).encode(), lp.indexInBlock(), lp.blockPath()));
    assertFalse(wrongBlock.verify(headers).holds());
    // an entry committed after the anchored height has no receipt under it
    MedicalRecord late = f.record(patient, patient, null, "Observation", "late");
    f.commit(late);
    assertTrue(LedgerAnchors.pendingReceipt(f.ledger, late.id(), anchoredHeight).isEmpty());

    // once final, the anchor is recorded on the ledger by a federation server, and validates
    AnchorRecord fin = new AnchorRecord(c, AnchorStatus.FINAL, Instant.EPOCH,
        List.of(new AnchorRecord.Attempt(new SignedTransaction(tx.txid(), tx.serialize(), 1, 100), Instant.EPOCH)),
        new AnchorRecord.Confirmation(tx.txid(), header.hash(), 7, 6), Instant.EPOCH, null);
    Anchor entry = LedgerAnchors.anchorEntry(fin, 0, f.federation.get(0).key(), f.now());
    f.commit(entry);
    assertTrue(f.ledger.locate(entry.id()).isPresent());
  }
}
