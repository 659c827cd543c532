package io.medledger.node;

import io.medledger.access.Purpose;
import io.medledger.chain.AccessScope;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.codec.Hex;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.testing.BitFlips;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte of a page answer with proofs, as {@link RemoteConnection} reads it, is bound: a
 * mutation is refused when read, or a hit's proof fails against the genuine header, or it reads
 * to the same entries (whole encodings, endorsements included), ledger indexes and proofs. The
 * block height of a hit is the node's word (no proof covers it) and is left out of the view.
 */
@Timeout(120)
class PageAnswerBindingTest {
  @Test
  void everyByteOfAProvedRecordPageIsBound() {
    ChainFixture f = ChainFixture.create();
    try {
      Actor alice = f.actor("alice");
      Actor doc = f.actor("dr-a");
      f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
      f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
      f.commit(f.record(doc, alice, f.hospitalA, "Observation", "a"));
      PageRequest asked = PageRequest.first(10).proving();
      Page<MedicalRecord> page = f.ledger.records(RecordQuery.all(), asked);
      BlockHeader header = page.provedAgainst().orElseThrow();
      LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK);
      LedgerRequests.writePage(w, page);
      BitFlips.assertEveryByteIsBound("record page", w.toBytes(), 2, r -> {
        LedgerWire.Reader in = new LedgerWire.Reader(r, 1);
        if (r[0] != ClientWire.OK) {
          return null;
        }
        Page<MedicalRecord> p = RemoteConnection.readPage(in, asked, MedicalRecord.class);
        in.end();
        List<Object> view = new ArrayList<>();
        for (QueryHit<MedicalRecord> h : p.items()) {
          if (h.proof().isEmpty() || !h.proof().get().verify(header)) {
            return null;
          }
          view.add(List.of(Hex.encode(h.entry().encode()), h.ledgerIndex(), h.proof().get().proof()));
        }
        return List.of(view, p.nextCursor());
      });
    } finally {
      f.ledger.close();
    }
  }
}
