package io.medledger.federation;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.ots.OtsTimestamp;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PageRequest;
import io.medledger.chain.RecordQuery;
import io.medledger.client.AuditorClient;
import io.medledger.client.PatientClient;
import io.medledger.client.QueryPage;
import io.medledger.client.RecordView;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryAndAnchorTest {
  @Test
  void resultsCarryInclusionProofsAndOnceAnchoredReceipts() {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      PatientClient li = f.registerPatient("Li");
      MedicalRecord a1 = anna.upload(TestFederation.demoRecord("anna-mueller")).record();
      MedicalRecord l1 = li.upload(TestFederation.demoRecord("li-wei")).record();
      AuditorClient auditor = f.auditor("auditor");

      QueryPage page = auditor.query().records(RecordQuery.all(), PageRequest.first(10).proving());
      BlockHeader at = page.provedAgainst().orElseThrow();
      assertEquals(2, page.items().size());
      for (RecordView v : page.items()) {
        assertTrue(auditor.verifyInclusion(v.proof().orElseThrow(), at));
        assertTrue(v.anchorReceipt().isEmpty(), "not anchored yet");
      }
      // a patient's page shows only its own record, still proven
      QueryPage own = anna.query().records(RecordQuery.all(), PageRequest.first(10).proving());
      assertEquals(List.of(a1.id()), own.items().stream().map(v -> v.record().id()).toList());

      RegtestChain bitcoin = new RegtestChain(TestFederation.seeded(3));
      AnchorPoint anchor = f.anchor(bitcoin);
      assertEquals(f.reader().ledger().height() - 1, anchor.commitment().height());
      MedicalRecord late = anna.upload(TestFederation.observation("anna", "1", 1)).record();

      for (RecordView v : auditor.query().allRecords(RecordQuery.all())) {
        if (v.record().id().equals(late.id())) {
          assertTrue(v.anchorReceipt().isEmpty(), "written after the anchor");
          continue;
        }
        AnchorReceipt r = v.anchorReceipt().orElseThrow();
        ReceiptVerdict verdict = auditor.verifyReceipt(r, bitcoin);
        ReceiptVerdict.Anchored ok = assertInstanceOf(ReceiptVerdict.Anchored.class, verdict, verdict.toString());
        assertEquals(anchor.txid(), ok.txid());
        OtsTimestamp ots = OtsTimestamp.parse(r.toOpenTimestamps().serialize());
        assertTrue(ots.verifyBitcoin(bitcoin, BitcoinChainParams.REGTEST).holds());
        assertTrue(AnchorReceipt.fromJson(r.toJson()).verify(bitcoin).holds());
      }
      assertTrue(li.records().get(0).anchorReceipt().isPresent());
      assertEquals(l1.id(), li.records().get(0).record().id());
      // a receipt for another chain's commitment is refused
      Federation other = TestFederation.builder().build();
      AnchorReceipt foreign = anna.records().get(0).anchorReceipt().orElseThrow();
      assertFalse(other.auditor("x").verifyReceipt(foreign, bitcoin).holds());
      other.close();
    }
  }
}
