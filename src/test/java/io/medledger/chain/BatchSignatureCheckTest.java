package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Ed25519PrivateKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A block's entry signatures checked as batches: same verdicts, same reasons, as one at a time. */
class BatchSignatureCheckTest {
  private static final ChainParameters CHAIN = ChainParameters.defaults("batch");
  private static final SecureRandom RNG = new SecureRandom();

  private static List<EncodedEntry> entries(int n) {
    List<EncodedEntry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Ed25519PrivateKey k = Ed25519PrivateKey.generate(RNG);
      PatientRegistration p = new PatientRegistration(k.publicKey(), 1_767_225_600_000L + i, List.of());
      out.add(EncodedEntry.of(Entry.sign(p, CHAIN.chainId(), k)));
    }
    return out;
  }

  @Test
  void aBlockOfValidEntriesPassesAsBatchesAndIsRemembered() {
    for (boolean parallel : new boolean[] {false, true}) {
      List<EncodedEntry> es = entries(3 * BlockProcessor.BATCH_FROM);
      BlockProcessor p = new BlockProcessor(CHAIN);
      assertNull(p.verifySignatures(es, parallel));
      // each one is now known by its encoding: checking it again needs no verification
      assertNull(p.verifySignatures(es, parallel));
    }
  }

  @Test
  void oneForgedEntryAnywhereIsNamedAsOneAtATimeNamesIt() {
    for (boolean parallel : new boolean[] {false, true}) {
      for (int at : new int[] {0, 17, 47}) {
        List<EncodedEntry> es = new ArrayList<>(entries(3 * BlockProcessor.BATCH_FROM));
        EncodedEntry victim = es.get(at);
        // the same content signed for another chain: a well-formed signature that does not verify here
        Ed25519PrivateKey k = Ed25519PrivateKey.generate(RNG);
        PatientRegistration p = new PatientRegistration(k.publicKey(), 1L + at, List.of());
        EncodedEntry forged = EncodedEntry.of(Entry.sign(p, ChainParameters.defaults("other").chainId(), k));
        es.set(at, forged);
        BlockProcessor proc = new BlockProcessor(CHAIN);
        String reason = proc.verifySignatures(es, parallel);
        assertEquals("entry " + at + " (" + forged.entry.kind().label() + " " + forged.id().toHex()
            + "): missing or invalid signature", reason, "parallel " + parallel);
        assertFalse(proc.signaturesValid(forged));
        assertTrue(proc.signaturesValid(victim));
      }
    }
  }

  @Test
  void aFlippedSignatureByteInALargeBlockIsCaught() {
    List<EncodedEntry> es = new ArrayList<>(entries(100));
    EncodedEntry e = es.get(63);
    Endorsement en = e.entry.endorsements().get(0);
    byte[] sig = en.signature().toByteArray();
    sig[40] ^= 0x10;
    Entry bent = ((PatientRegistration) e.entry).withEndorsements(List.of(new Endorsement(en.signer(), ByteString.of(sig))));
    es.set(63, EncodedEntry.of(bent));
    assertTrue(new BlockProcessor(CHAIN).verifySignatures(es, true).startsWith("entry 63 "));
  }
}
