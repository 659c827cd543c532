package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Negative paths of {@link InputVerifier} and signing edge cases. */
class InputVerifierTest {
  private static final BitcoinPrivateKey KEY =
      BitcoinPrivateKey.fromSecretBytes(Hex.decode("33".repeat(32)), Network.REGTEST, true);
  private static final BitcoinPrivateKey OTHER =
      BitcoinPrivateKey.fromSecretBytes(Hex.decode("44".repeat(32)), Network.REGTEST, true);

  private static Transaction unsigned(int inputs) {
    TxInput[] ins = new TxInput[inputs];
    for (int i = 0; i < inputs; i++) {
      ins[i] = TxInput.unsigned(OutPoint.fromDisplay(String.format("%064x", i + 1), i), TxInput.SEQUENCE_RBF);
    }
    return new Transaction(2, List.of(ins), List.of(new TxOutput(1000, Script.p2wpkh(new byte[20]))), 0);
  }

  private static InputVerification.Status status(Transaction tx, List<TxOutput> spent) {
    return InputVerifier.verify(tx, 0, spent).status();
  }

  @Test
  void p2pkhTampering() {
    List<TxOutput> spent = List.of(new TxOutput(5000, KEY.publicKey().p2pkhScript()));
    Transaction tx = InputSigner.signAll(unsigned(1), spent, KEY, null);
    assertEquals(InputVerification.Status.VALID, status(tx, spent));
    List<byte[]> items = tx.inputs().get(0).scriptSig().pushedItems().orElseThrow();
    // Another key's public key does not hash to the output.
    Transaction wrongKey = tx.withInput(0, tx.inputs().get(0).withScriptSig(
        Script.ofPushes(items.get(0), OTHER.publicKey().toBytes())));
    assertEquals(InputVerification.Status.INVALID, status(wrongKey, spent));
    // Flipping the sighash byte changes the message.
    byte[] sig = items.get(0).clone();
    sig[sig.length - 1] = (byte) SignatureHashes.SIGHASH_NONE;
    Transaction otherType = tx.withInput(0, tx.inputs().get(0).withScriptSig(Script.ofPushes(sig, items.get(1))));
    assertEquals(InputVerification.Status.INVALID, status(otherType, spent));
    // High-S is valid by consensus, refused by policy.
    EcdsaSignature low = EcdsaSignature.fromDer(Arrays.copyOf(items.get(0), items.get(0).length - 1));
    EcdsaSignature high = new EcdsaSignature(low.r(), BitcoinCrypto.N.subtract(low.s()));
    byte[] highSig = InputSigner.withHashType(high.toDer(), 1);
    Transaction highS = tx.withInput(0, tx.inputs().get(0).withScriptSig(Script.ofPushes(highSig, items.get(1))));
    assertEquals(InputVerification.Status.VALID, status(highS, spent));
    assertEquals(InputVerification.Status.INVALID, InputVerifier.verifyStandard(highS, 0, spent).status());
    // Extra opcodes make it a shape this verifier does not interpret.
    Transaction extra = tx.withInput(0, tx.inputs().get(0).withScriptSig(
        Script.of(concat(new byte[] {0x61}, tx.inputs().get(0).scriptSig().toByteArray()))));
    assertEquals(InputVerification.Status.UNSUPPORTED, status(extra, spent));
    assertEquals(InputVerification.Status.INVALID,
        status(tx.withInput(0, tx.inputs().get(0).withWitness(WitnessStack.of(new byte[1]))), spent));
  }

  @Test
  void segwitTampering() {
    List<TxOutput> wpkh = List.of(new TxOutput(5000, KEY.publicKey().p2wpkhScript()));
    Transaction tx = InputSigner.signAll(unsigned(1), wpkh, KEY, null);
    assertEquals(InputVerification.Status.VALID, status(tx, wpkh));
    WitnessStack w = tx.inputs().get(0).witness();
    assertEquals(InputVerification.Status.INVALID,
        status(tx.withInput(0, tx.inputs().get(0).withWitness(WitnessStack.of(w.item(0)))), wpkh));
    assertEquals(InputVerification.Status.INVALID,
        status(tx.withInput(0, tx.inputs().get(0).withScriptSig(Script.ofPushes(new byte[] {1, 2}))), wpkh));
    assertEquals(InputVerification.Status.INVALID, status(tx, List.of(new TxOutput(5001, wpkh.get(0).scriptPubKey()))));

    List<TxOutput> tr = List.of(new TxOutput(5000, KEY.publicKey().p2trScript()));
    Transaction t = InputSigner.signAll(unsigned(1), tr, KEY, new java.security.SecureRandom());
    assertEquals(InputVerification.Status.VALID, status(t, tr));
    byte[] sig = t.inputs().get(0).witness().item(0);
    byte[] with00 = Arrays.copyOf(sig, 65);
    assertEquals(InputVerification.Status.INVALID,
        status(t.withInput(0, t.inputs().get(0).withWitness(WitnessStack.of(with00))), tr), "explicit 0x00 hash type is invalid");
    byte[] with01 = with00.clone();
    with01[64] = 1;
    assertEquals(InputVerification.Status.INVALID,
        status(t.withInput(0, t.inputs().get(0).withWitness(WitnessStack.of(with01))), tr), "signature was for DEFAULT");
    assertEquals(InputVerification.Status.UNSUPPORTED,
        status(t.withInput(0, t.inputs().get(0).withWitness(WitnessStack.of(sig, new byte[] {1}))), tr));
    assertEquals(InputVerification.Status.INVALID,
        status(t.withInput(0, t.inputs().get(0).withWitness(WitnessStack.of(sig, new byte[] {0x50}))), tr),
        "an annex changes the sighash");
    assertEquals(InputVerification.Status.UNSUPPORTED,
        status(t, List.of(new TxOutput(5000, Script.p2sh(new byte[20])))));
    assertThrows(IllegalArgumentException.class, () -> InputVerifier.verify(t, 0, List.of()));
  }

  @Test
  void taprootSighashRules() {
    List<TxOutput> tr = List.of(new TxOutput(5000, KEY.publicKey().p2trScript()),
        new TxOutput(6000, KEY.publicKey().p2trScript()));
    Transaction tx = unsigned(2);
    assertThrows(IllegalArgumentException.class, () -> SignatureHashes.taprootKeyPath(tx, 0, tr, 0x04, null));
    // SINGLE for input 1 has no output 1.
    assertThrows(IllegalArgumentException.class, () -> SignatureHashes.taprootKeyPath(tx, 1, tr, 0x03, null));
    Digest all = SignatureHashes.taprootKeyPath(tx, 0, tr, 0x01, null);
    Digest dflt = SignatureHashes.taprootKeyPath(tx, 0, tr, 0x00, null);
    assertTrue(!all.equals(dflt), "DEFAULT and ALL commit to different hash type bytes");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
