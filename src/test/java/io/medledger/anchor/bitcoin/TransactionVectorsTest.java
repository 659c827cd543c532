package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import io.medledger.testing.SharedVectors;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Bitcoin Core's tx_valid.json and tx_invalid.json: parsing, exact re-serialization, Core's
 * CheckTransaction rules, and signature checks for the inputs whose spent script is one this
 * library signs (P2PKH, P2WPKH, P2TR key path).
 *
 * <p>Signature subset: an input is checked when its prevout script is P2PKH, P2WPKH or P2TR and
 * its unlocking data has the template's exact shape ({@code <sig> <pubkey>} or a single Schnorr
 * signature). Other inputs (P2SH, P2WSH, bare scripts, scriptSigs with extra opcodes) need a full
 * script interpreter, which this library deliberately does not have; Core's result for them rests
 * on the file. {@link InputVerifier} always enforces BIP 66 strict DER (consensus since 2015), so
 * the tx_valid cases that exclude the DERSIG flag must come out INVALID for that reason.
 */
class TransactionVectorsTest {
  /** A parsed test case. */
  record Case(String file, Transaction tx, String raw, String flags, List<TxOutput> spent) {}

  static List<Case> cases(String file) {
    JsonNode root = SharedVectors.json("vectors/bitcoin/" + file);
    List<Case> out = new ArrayList<>();
    for (JsonNode c : root) {
      if (c.size() == 1 || !c.get(0).isArray()) {
        continue; // comment row
      }
      String raw = c.get(1).asText();
      Transaction tx;
      try {
        tx = Transaction.fromHex(raw);
      } catch (MalformedEncodingException e) {
        out.add(new Case(file, null, raw, c.get(2).asText(), List.of()));
        continue;
      }
      Map<OutPoint, TxOutput> prev = new HashMap<>();
      for (JsonNode p : c.get(0)) {
        long idx = p.get(1).asLong();
        prev.put(OutPoint.fromDisplay(p.get(0).asText(), idx == -1 ? OutPoint.NULL_INDEX : idx),
            new TxOutput(p.size() > 3 ? p.get(3).asLong() : 0, CoreScriptAsm.parse(p.get(2).asText())));
      }
      List<TxOutput> spent = new ArrayList<>();
      for (TxInput in : tx.inputs()) {
        spent.add(prev.get(in.outPoint()));
      }
      out.add(new Case(file, tx, raw, c.get(2).asText(), spent));
    }
    return out;
  }

  private static boolean inSubset(TxOutput prev) {
    ScriptType t = prev.scriptPubKey().type();
    return t == ScriptType.P2PKH || t == ScriptType.P2WPKH || t == ScriptType.P2TR;
  }

  @Test
  void everyValidTransactionParsesRoundTripsAndItsSignaturesVerify() {
    List<Case> cases = cases("tx_valid.json");
    assertEquals(121, cases.size());
    int checkedInputs = 0;
    int nonDer = 0;
    for (Case c : cases) {
      assertNotNull(c.tx(), "tx_valid case must parse: " + c.raw());
      assertEquals(c.raw(), c.tx().toHex(), "exact re-serialization");
      assertEquals(Optional.empty(), c.tx().checkSanity(), "CheckTransaction passes: " + c.raw());
      assertEquals(Sha256.doubleHash(c.tx().serializeWithoutWitness()), c.tx().txid());
      assertEquals(c.tx().hasWitness(), !c.tx().txid().equals(c.tx().wtxid()));
      // bitcoinj as an independent oracle for ids and sizes.
      org.bitcoinj.core.Transaction bj = org.bitcoinj.core.Transaction.read(ByteBuffer.wrap(Hex.decode(c.raw())));
      assertEquals(bj.getTxId().toString(), c.tx().txidHex());
      assertEquals(bj.getWTxId().toString(), c.tx().wtxidHex());
      assertEquals(bj.getWeight(), c.tx().weight());
      assertEquals(bj.getVsize(), c.tx().vsize());
      for (int i = 0; i < c.spent().size(); i++) {
        assertNotNull(c.spent().get(i), "every input has its prevout in the case");
        if (!inSubset(c.spent().get(i))) {
          continue;
        }
        InputVerification v = InputVerifier.verify(c.tx(), i, c.spent());
        if (v.status() == InputVerification.Status.UNSUPPORTED) {
          continue;
        }
        checkedInputs++;
        if (Arrays.asList(c.flags().split(",")).contains("DERSIG")) {
          assertEquals(InputVerification.Status.INVALID, v.status(), c.raw());
          assertTrue(v.reason().contains("DER"), v.reason());
          nonDer++;
        } else {
          assertEquals(InputVerification.Status.VALID, v.status(), "input " + i + " of " + c.raw() + ": " + v.reason());
        }
      }
    }
    assertEquals(3, nonDer);
    assertTrue(checkedInputs >= 30, "checked " + checkedInputs + " P2PKH/P2WPKH inputs");
  }

  @Test
  void everyInvalidTransactionIsRejectedForItsReason() {
    List<Case> cases = cases("tx_invalid.json");
    assertEquals(93, cases.size());
    int badTx = 0;
    int rejectedBySignature = 0;
    for (Case c : cases) {
      if (c.flags().equals("BADTX")) {
        badTx++;
        assertTrue(c.tx() == null || c.tx().checkSanity().isPresent(), "BADTX must fail parsing or CheckTransaction: " + c.raw());
        continue;
      }
      // The remaining cases are script failures: the bytes themselves are well formed.
      assertNotNull(c.tx(), "non-BADTX tx_invalid case must parse: " + c.raw());
      assertEquals(c.raw(), c.tx().toHex());
      boolean allChecked = true;
      boolean anyInvalid = false;
      for (int i = 0; i < c.spent().size(); i++) {
        InputVerification.Status s = c.spent().get(i) == null || !inSubset(c.spent().get(i))
            ? InputVerification.Status.UNSUPPORTED : InputVerifier.verify(c.tx(), i, c.spent()).status();
        allChecked &= s != InputVerification.Status.UNSUPPORTED;
        anyInvalid |= s == InputVerification.Status.INVALID;
      }
      if (allChecked) {
        // Every input is one we verify, so the reason the case is invalid must be one we see.
        assertTrue(anyInvalid, "some input must fail: " + c.raw());
        rejectedBySignature++;
      }
    }
    assertEquals(9, badTx);
    assertTrue(rejectedBySignature >= 1);
  }

  @Test
  void truncatedOrExtendedBytesAreRejected() {
    int n = 0;
    for (Case c : cases("tx_valid.json")) {
      byte[] raw = Hex.decode(c.raw());
      for (int len = 0; len < raw.length; len++) {
        byte[] cut = Arrays.copyOf(raw, len);
        assertThrows(MalformedEncodingException.class, () -> Transaction.parse(cut), "prefix of length " + len);
        n++;
      }
      byte[] longer = Arrays.copyOf(raw, raw.length + 1);
      assertThrows(MalformedEncodingException.class, () -> Transaction.parse(longer));
    }
    assertTrue(n > 10_000);
  }

  @Test
  void mutatedBytesParseExactlyOrFailCleanly() {
    // Random byte flips, insertions and deletions of real transactions: the parser either
    // accepts and re-serializes to the very same bytes, or throws MalformedEncodingException.
    List<Case> valid = cases("tx_valid.json");
    java.util.Random r = new java.util.Random(99);
    int rounds = Integer.getInteger("medledger.test.seeds", 200) * 50;
    int accepted = 0;
    for (int i = 0; i < rounds; i++) {
      byte[] raw = Hex.decode(valid.get(r.nextInt(valid.size())).raw());
      byte[] m;
      int pos = r.nextInt(raw.length);
      switch (r.nextInt(3)) {
        case 0:
          m = raw.clone();
          m[pos] ^= (byte) (1 << r.nextInt(8));
          break;
        case 1:
          m = new byte[raw.length + 1];
          System.arraycopy(raw, 0, m, 0, pos);
          m[pos] = (byte) r.nextInt(256);
          System.arraycopy(raw, pos, m, pos + 1, raw.length - pos);
          break;
        default:
          m = new byte[raw.length - 1];
          System.arraycopy(raw, 0, m, 0, pos);
          System.arraycopy(raw, pos + 1, m, pos, raw.length - pos - 1);
      }
      try {
        Transaction t = Transaction.parse(m);
        assertArrayEquals(m, t.serialize(), "accepted bytes must re-serialize identically");
        accepted++;
      } catch (MalformedEncodingException expected) {
        // rejected cleanly
      }
    }
    assertTrue(accepted > 0 && accepted < rounds, "both outcomes occur: " + accepted + "/" + rounds);
  }

  @Test
  void malformedStructureIsRejectedBeforeAllocating() {
    String legacy = "01000000" + "01" + "00".repeat(32) + "00000000" + "00" + "ffffffff" + "01"
        + "0000000000000000" + "00" + "00000000";
    assertEquals(1, Transaction.fromHex(legacy).inputs().size());
    // Non-minimal CompactSize for the input count (0xfd 0x0001).
    String nonMinimal = "01000000" + "fd0100" + legacy.substring(10);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex(nonMinimal));
    assertTrue(e.getMessage().contains("non-minimal"), e.getMessage());
    // Absurd input count: rejected from the count alone.
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex("01000000" + "fe00000001" + "00".repeat(50)));
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex("01000000" + "ffffffffffffffffff" + "00".repeat(50)));
    // A count that would fit the limit but not the remaining bytes.
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex("01000000" + "fd0010" + "00".repeat(200)));
    // Huge script length.
    String hugeScript = "01000000" + "01" + "00".repeat(32) + "00000000" + "fe00ffffff";
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex(hugeScript));
    // Unknown segwit flag, and a witness section with only empty stacks.
    String segwitBody = "01" + "00".repeat(32) + "00000000" + "00" + "ffffffff" + "01" + "0000000000000000" + "00";
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex("01000000" + "0002" + segwitBody + "00" + "00000000"));
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex("01000000" + "0001" + segwitBody + "00" + "00000000"));
    Transaction withWitness = Transaction.fromHex("01000000" + "0001" + segwitBody + "0101aa" + "00000000");
    assertTrue(withWitness.hasWitness());
    assertArrayEquals(new byte[] {(byte) 0xaa}, withWitness.inputs().get(0).witness().item(0));
    assertEquals(legacy, Hex.encode(withWitness.serializeWithoutWitness()));
    assertThrows(MalformedEncodingException.class, () -> Transaction.fromHex("zz"));
  }

  @Test
  void bip143SignedTransactionIdsAndSizes() {
    JsonNode root = SharedVectors.json("vectors/bitcoin/bip143-examples.json");
    for (JsonNode ex : root.get("examples")) {
      Transaction signed = Transaction.fromHex(ex.get("signed_tx").asText());
      Transaction unsigned = Transaction.fromHex(ex.get("unsigned_tx").asText());
      assertEquals(ex.get("derived").get("signed_txid").asText(), signed.txidHex());
      assertEquals(ex.get("derived").get("signed_wtxid").asText(), signed.wtxidHex());
      assertEquals(ex.get("derived").get("unsigned_txid").asText(), unsigned.txidHex());
      assertEquals(signed.txid().reversed().toHex(), signed.txidHex());
      assertFalse(unsigned.hasWitness());
      assertEquals(signed.baseSize() * 3L + signed.totalSize(), signed.weight());
      assertEquals(ex.get("signed_tx").asText(), signed.toHex());
    }
  }
}
