package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Legacy, BIP 143 and BIP 341 signature hashes and signing against the shared vectors. */
class SignatureHashVectorsTest {

  @Test
  void everyCoreSighashCase() {
    JsonNode root = SharedVectors.json("vectors/bitcoin/sighash.json");
    int n = 0;
    for (JsonNode c : root) {
      if (c.size() == 1) {
        continue;
      }
      Transaction tx = Transaction.fromHex(c.get(0).asText());
      Script code = Script.fromHex(c.get(1).asText());
      int index = c.get(2).asInt();
      int hashType = (int) c.get(3).asLong();
      Digest h = SignatureHashes.legacy(tx, index, code, hashType);
      assertEquals(c.get(4).asText(), h.reversed().toHex(), "case " + n + ": " + c);
      n++;
    }
    assertEquals(500, n);
  }

  @Test
  void sighashSingleWithoutMatchingOutputIsOneAndAgreesWithBitcoinj() {
    // Two inputs, one output: SIGHASH_SINGLE for input 1 has no output to sign.
    Transaction tx = new Transaction(1,
        List.of(TxInput.unsigned(OutPoint.fromDisplay("11".repeat(32), 0), TxInput.SEQUENCE_FINAL),
            TxInput.unsigned(OutPoint.fromDisplay("22".repeat(32), 1), TxInput.SEQUENCE_FINAL)),
        List.of(new TxOutput(1000, Script.p2pkh(new byte[20]))), 0);
    Script code = Script.p2pkh(new byte[20]);
    org.bitcoinj.core.Transaction bj = org.bitcoinj.core.Transaction.read(java.nio.ByteBuffer.wrap(tx.serialize()));
    for (int type : new int[] {1, 2, 3, 0x81, 0x82, 0x83}) {
      for (int i = 0; i < 2; i++) {
        Digest ours = SignatureHashes.legacy(tx, i, code, type);
        assertEquals(bj.hashForSignature(i, code.toByteArray(), (byte) type).toString(), ours.toHex(),
            "type " + type + " input " + i);
        if ((type & 0x1f) == 3 && i == 1) {
          assertEquals("01" + "00".repeat(31), ours.toHex());
        }
      }
    }
  }

  @Test
  void bip143Examples() {
    JsonNode root = SharedVectors.json("vectors/bitcoin/bip143-examples.json");
    int n = 0;
    for (JsonNode ex : root.get("examples")) {
      Transaction unsigned = Transaction.fromHex(ex.get("unsigned_tx").asText());
      int idx = ex.get("signed_input_index").asInt();
      JsonNode input = ex.get("inputs").get(idx);
      long amount = input.get("amount_sat").asLong();
      Script scriptCode = Script.fromHex(ex.get("scriptCode").asText().substring(2)); // drop length prefix
      int hashType = ex.get("sighash_type").asInt();
      Digest h = SignatureHashes.segwitV0(unsigned, idx, scriptCode, amount, hashType);
      assertEquals(ex.get("sighash").asText(), h.toHex(), ex.get("name").asText());
      BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode(input.get("private_key").asText()),
          Network.MAINNET, true);
      assertEquals(Script.p2pkh(key.publicKey().hash160()), scriptCode);
      // The BIP's signature verifies; ours (RFC 6979, low-S) verifies and is deterministic.
      String expectedSig = ex.get("signature").asText();
      EcdsaSignature bipSig = EcdsaSignature.fromDer(Hex.decode(expectedSig.substring(0, expectedSig.length() - 2)));
      assertTrue(key.publicKey().verifyEcdsa(h, bipSig, false));
      EcdsaSignature ours = key.signEcdsa(h);
      assertTrue(key.publicKey().verifyEcdsa(h, ours, true));
      assertEquals(ours, key.signEcdsa(h));
      // The signed transaction's segwit input verifies with its real amount.
      Transaction signed = Transaction.fromHex(ex.get("signed_tx").asText());
      List<TxOutput> spent = new ArrayList<>();
      for (JsonNode in : ex.get("inputs")) {
        spent.add(new TxOutput(in.get("amount_sat").asLong(), Script.fromHex(in.get("scriptPubKey").asText())));
      }
      if (ex.get("name").asText().equals("Native P2WPKH")) {
        assertEquals(InputVerification.Status.VALID, InputVerifier.verify(signed, idx, spent).status());
        // Input 0 is a legacy P2PK, which the verifier does not handle; check its legacy sighash.
        JsonNode in0 = ex.get("inputs").get(0);
        assertEquals(in0.get("derived_legacy_sighash").asText(),
            SignatureHashes.legacy(unsigned, 0, spent.get(0).scriptPubKey(), 1).toHex());
        // A wrong amount breaks the BIP 143 signature.
        List<TxOutput> wrong = new ArrayList<>(spent);
        wrong.set(idx, new TxOutput(amount + 1, spent.get(idx).scriptPubKey()));
        assertEquals(InputVerification.Status.INVALID, InputVerifier.verify(signed, idx, wrong).status());
        // Signing the unsigned tx with our signer yields a witness that verifies.
        TxInput mine = InputSigner.signInput(unsigned, idx, spent, key, null);
        Transaction resigned = unsigned.withInput(idx, mine);
        assertEquals(InputVerification.Status.VALID, InputVerifier.verifyStandard(resigned, idx, spent).status());
      }
      n++;
    }
    assertEquals(2, n);
  }

  @Test
  void bip341ScriptPubKeys() {
    JsonNode root = SharedVectors.json("vectors/bitcoin/bip341_wallet_vectors.json");
    int n = 0;
    for (JsonNode c : root.get("scriptPubKey")) {
      byte[] internal = Hex.decode(c.get("given").get("internalPubkey").asText());
      JsonNode mr = c.get("intermediary").get("merkleRoot");
      byte[] root32 = mr.isNull() ? null : Hex.decode(mr.asText());
      assertEquals(c.get("intermediary").get("tweak").asText(), Hex.encode(SchnorrSignatures.tapTweak(internal, root32)));
      byte[] out = SchnorrSignatures.taprootOutputKey(internal, root32);
      assertEquals(c.get("intermediary").get("tweakedPubkey").asText(), Hex.encode(out));
      Script spk = Script.p2tr(out);
      assertEquals(c.get("expected").get("scriptPubKey").asText(), spk.toHex());
      assertEquals(ScriptType.P2TR, spk.type());
      String addr = c.get("expected").get("bip350Address").asText();
      assertEquals(addr, Address.fromScript(spk, Network.MAINNET).toString());
      assertEquals(spk, Address.parse(addr).scriptPubKey());
      n++;
    }
    assertEquals(7, n);
  }

  @Test
  void bip341KeyPathSigningExactly() {
    JsonNode kp = SharedVectors.json("vectors/bitcoin/bip341_wallet_vectors.json").get("keyPathSpending").get(0);
    Transaction unsigned = Transaction.fromHex(kp.get("given").get("rawUnsignedTx").asText());
    List<TxOutput> spent = new ArrayList<>();
    for (JsonNode u : kp.get("given").get("utxosSpent")) {
      spent.add(new TxOutput(u.get("amountSats").asLong(), Script.fromHex(u.get("scriptPubKey").asText())));
    }
    Transaction fully = Transaction.fromHex(kp.get("auxiliary").get("fullySignedTx").asText());
    int n = 0;
    for (JsonNode in : kp.get("inputSpending")) {
      JsonNode g = in.get("given");
      JsonNode im = in.get("intermediary");
      int idx = g.get("txinIndex").asInt();
      int hashType = g.get("hashType").asInt();
      byte[] secret = Hex.decode(g.get("internalPrivkey").asText());
      byte[] root32 = g.get("merkleRoot").isNull() ? null : Hex.decode(g.get("merkleRoot").asText());
      BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(secret, Network.MAINNET, true);
      assertEquals(im.get("internalPubkey").asText(), Hex.encode(key.publicKey().xOnly()));
      assertEquals(im.get("tweak").asText(), Hex.encode(SchnorrSignatures.tapTweak(key.publicKey().xOnly(), root32)));
      assertEquals(im.get("tweakedPrivkey").asText(),
          Hex.encode(BitcoinCrypto.to32(BitcoinCrypto.tweakSecret(new BigInteger(1, secret), root32))));
      assertEquals(im.get("sigMsg").asText(),
          Hex.encode(SignatureHashes.taprootSignatureMessage(unsigned, idx, spent, hashType, null)));
      Digest sighash = SignatureHashes.taprootKeyPath(unsigned, idx, spent, hashType, null);
      assertEquals(im.get("sigHash").asText(), sighash.toHex());
      byte[] sig = key.signTaprootKeyPath(sighash, root32, new byte[32]);
      String witness = Hex.encode(sig) + (hashType == 0 ? "" : String.format("%02x", hashType));
      assertEquals(in.get("expected").get("witness").get(0).asText(), witness, "input " + idx);
      assertEquals(witness, Hex.encode(fully.inputs().get(idx).witness().item(0)));
      assertEquals(InputVerification.Status.VALID, InputVerifier.verifyStandard(fully, idx, spent).status());
      n++;
    }
    assertEquals(7, n);
    // The two ECDSA inputs of the fully signed transaction (P2PKH at 2, P2WPKH at 5) verify too.
    assertEquals(InputVerification.Status.VALID, InputVerifier.verify(fully, 2, spent).status());
    assertEquals(InputVerification.Status.VALID, InputVerifier.verify(fully, 5, spent).status());
    // A tampered amount changes every taproot sighash (amounts are committed).
    List<TxOutput> wrong = new ArrayList<>(spent);
    wrong.set(0, new TxOutput(spent.get(0).value() + 1, spent.get(0).scriptPubKey()));
    assertEquals(InputVerification.Status.INVALID, InputVerifier.verify(fully, 0, wrong).status());
    assertEquals(InputVerification.Status.INVALID, InputVerifier.verify(fully, 3, wrong).status());
  }
}
