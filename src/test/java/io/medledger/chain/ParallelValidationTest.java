package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation on all cores reaches the same verdict, with the same reason, as sequential validation. */
class ParallelValidationTest {
  private static List<Entry> registrations(ChainFixture f, int n) {
    List<Entry> es = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Actor p = f.actor("p" + i);
      es.add(f.registerPatient(p));
    }
    return es;
  }

  private static Entry forge(Entry e) {
    Endorsement en = e.endorsements().get(0);
    byte[] s = en.signature().toByteArray();
    s[10] ^= 4;
    return e.withEndorsements(List.of(new Endorsement(en.signer(), ByteString.of(s))));
  }

  @Test
  void sameVerdictOnOneCoreAndOnAll() {
    ChainFixture seq = ChainFixture.builder().parallel(false).build();
    ChainFixture par = ChainFixture.builder().parallel(true).build();
    List<Entry> good = registrations(seq, 400);
    Block b = seq.rawBlock(good);
    assertTrue(seq.ledger.validate(b).isAccepted());
    assertTrue(par.ledger.validate(b).isAccepted());
    for (int bad : new int[] {0, 17, 399}) {
      List<Entry> es = new ArrayList<>(good);
      es.set(bad, forge(es.get(bad)));
      if (bad + 50 < es.size()) {
        es.set(bad + 50, forge(es.get(bad + 50)));
      }
      Block tampered = seq.rawBlock(es);
      ValidationResult<VerifiedBlock> a = seq.ledger.validate(tampered);
      ValidationResult<VerifiedBlock> c = par.ledger.validate(tampered);
      assertEquals(a, c);
      assertTrue(a.reason().startsWith("entry " + bad + " "), a.reason());
    }
  }
}
