package io.medledger.chain;

import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.crypto.Digest;
import io.medledger.testing.BitFlips;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte of each chain proof is bound: flipping any bit of its encoding, truncating it or
 * appending a byte either fails decoding, fails verification against the genuine header, or
 * verifies to exactly what the genuine proof verifies to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ProofBindingTest {
  ChainFixture f;
  Actor alice;
  MedicalRecord record;

  @BeforeAll
  void setUp() {
    f = ChainFixture.create();
    alice = f.actor("alice");
    Actor bob = f.actor("bob");
    Actor doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerPatient(bob), f.registerClinician(doc, f.hospitalA));
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()),
        f.grant(bob, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    record = f.record(doc, alice, f.hospitalA, "Observation", "a");
    f.commit(record, f.record(doc, bob, f.hospitalA, "Observation", "b"));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void entryInclusionProofs() {
    EntryInclusionProof p = f.ledger.entryInclusionProof(record.id()).orElseThrow();
    BlockHeader h = f.ledger.header(p.height());
    BitFlips.assertEveryByteIsBound("entry inclusion proof", utf8(p.toJson()), b -> {
      EntryInclusionProof q = EntryInclusionProof.fromJson(text(b));
      return q.verify(h) ? q : null;
    });
  }

  @Test
  void ledgerInclusionProofs() {
    LedgerInclusionProof p = f.ledger.ledgerInclusionProof(record.id(), f.ledger.height()).orElseThrow();
    BlockHeader h = f.ledger.header(f.ledger.height());
    BitFlips.assertEveryByteIsBound("ledger inclusion proof", utf8(p.toJson()), b -> {
      LedgerInclusionProof q = LedgerInclusionProof.fromJson(text(b));
      return q.verify(h) ? q : null;
    });
  }

  @Test
  void subBlockInclusionProofs() {
    long height = f.ledger.height();
    BlockHeader h = f.ledger.header(height);
    for (Digest key : List.of(alice.id().digest(), SubBlockHeader.NO_PATIENT)) {
      Optional<SubBlockInclusionProof> p = f.ledger.subBlockInclusionProof(key, height);
      if (p.isEmpty()) {
        continue;
      }
      BitFlips.assertEveryByteIsBound("sub-block inclusion proof", utf8(p.get().toJson()), b -> {
        SubBlockInclusionProof q = SubBlockInclusionProof.fromJson(text(b));
        return q.verify(h) ? q : null;
      });
    }
  }

  @Test
  void headerConsistencyProofs() {
    long n = f.ledger.height();
    HeaderConsistencyProof p = f.ledger.consistencyProof(1, n);
    BitFlips.assertEveryByteIsBound("header consistency proof", utf8(p.toJson()), b -> {
      HeaderConsistencyProof q = HeaderConsistencyProof.fromJson(text(b));
      return q.verify(f.ledger.header(1), f.ledger.header(n)) ? q : null;
    });
  }

  @Test
  void patientHeadProofs() {
    BlockHeader tip = f.ledger.tip().orElseThrow();
    for (Actor who : List.of(alice, f.actor("nobody"))) {
      PatientHeadProof p = f.ledger.patientHistory(who.id()).head();
      BitFlips.assertEveryByteIsBound("patient head proof", p.encode(), b -> {
        PatientHeadProof q = PatientHeadProof.decode(b);
        Optional<Digest> r = q.verify(who.id().digest(), tip.patientHeadsRoot());
        return r == null ? null : List.of(q, r);
      });
    }
  }

  @Test
  void patientHistoryProofs() {
    BlockHeader tip = f.ledger.tip().orElseThrow();
    PatientHistoryProof p = f.ledger.patientHistory(alice.id());
    BitFlips.assertEveryByteIsBound("patient history proof", utf8(p.toJson()), 1, b -> {
      PatientHistoryProof q = PatientHistoryProof.fromJson(text(b));
      ValidationResult<List<Entry>> r = q.verify(tip);
      return r.isAccepted() ? List.of(q, r.value()) : null;
    });
  }

  @Test
  void patientHistoryPages() {
    PatientHistoryPage page = f.ledger.patientHistory(alice.id(), PageRequest.first(100));
    BitFlips.assertEveryByteIsBound("patient history page", page.encode(), 2, b -> {
      PatientHistoryPage q = PatientHistoryPage.decode(b);
      ValidationResult<List<Entry>> linked = q.verifyAfter(Optional.empty());
      if (!linked.isAccepted() || q.head().isEmpty() || q.height() < 0 || q.height() > f.ledger.height()) {
        return null; // not linked, or not a last page: nothing proven yet
      }
      List<PatientHistoryProof.SubBlock> newestFirst = new java.util.ArrayList<>(q.subBlocks());
      java.util.Collections.reverse(newestFirst);
      ValidationResult<List<Entry>> r = new PatientHistoryProof(q.key(), q.height(), q.head().get(), newestFirst)
          .verify(f.ledger.header(q.height()));
      return r.isAccepted() ? List.of(q, r.value()) : null;
    });
  }
}
