package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies inputs that spend P2PKH, P2WPKH and P2TR key-path outputs, without a general script
 * interpreter: the exact script template is matched and its one signature checked (strict DER per
 * BIP 66, legacy or BIP 143 sighash for ECDSA, BIP 340/341 for taproot).
 *
 * <p>{@link #verify} applies the consensus rules of those templates (high-S ECDSA accepted);
 * {@link #verifyStandard} adds Bitcoin Core's relay policy for them (low-S, compressed keys in
 * segwit, defined sighash types). Stateless and thread-safe.
 */
public final class InputVerifier {
  private InputVerifier() {}

  /**
   * Verifies input {@code index} of {@code tx} under consensus rules.
   *
   * @param spentOutputs the output spent by every input, in input order (taproot signs them all)
   */
  public static InputVerification verify(Transaction tx, int index, List<TxOutput> spentOutputs) {
    return check(tx, index, spentOutputs, false);
  }

  /** Like {@link #verify}, and also enforces the standardness policy named in the class doc. */
  public static InputVerification verifyStandard(Transaction tx, int index, List<TxOutput> spentOutputs) {
    return check(tx, index, spentOutputs, true);
  }

  /** True if every input verifies under {@link #verifyStandard}. */
  public static boolean verifyAllStandard(Transaction tx, List<TxOutput> spentOutputs) {
    for (int i = 0; i < tx.inputs().size(); i++) {
      if (!verifyStandard(tx, i, spentOutputs).isValid()) {
        return false;
      }
    }
    return true;
  }

  private static InputVerification check(Transaction tx, int index, List<TxOutput> spent, boolean policy) {
    if (spent.size() != tx.inputs().size()) {
      throw new IllegalArgumentException("need one spent output per input");
    }
    TxInput in = tx.inputs().get(index);
    TxOutput prev = spent.get(index);
    Script spk = prev.scriptPubKey();
    switch (spk.type()) {
      case P2PKH:
        return checkP2pkh(tx, index, in, spk, policy);
      case P2WPKH:
        return checkP2wpkh(tx, index, in, prev, policy);
      case P2TR:
        return checkP2tr(tx, index, in, spent);
      default:
        return InputVerification.unsupported("spent script type " + spk.type());
    }
  }

  private static InputVerification checkP2pkh(Transaction tx, int index, TxInput in, Script spk, boolean policy) {
    List<byte[]> items = in.scriptSig().pushedItems().orElse(null);
    if (items == null || items.size() != 2) {
      return InputVerification.unsupported("P2PKH scriptSig is not exactly <signature> <public key>");
    }
    if (!in.witness().isEmpty()) {
      return InputVerification.invalid("witness on a legacy input");
    }
    byte[] sig = items.get(0);
    byte[] pubBytes = items.get(1);
    if (!Arrays.equals(Script.p2pkh(BitcoinCrypto.hash160(pubBytes)).raw(), spk.raw())) {
      return InputVerification.invalid("public key does not hash to the P2PKH hash");
    }
    if (sig.length == 0) {
      return InputVerification.invalid("empty signature");
    }
    int hashType = sig[sig.length - 1] & 0xff;
    if (policy && !isDefinedEcdsaHashType(hashType)) {
      return InputVerification.invalid("undefined sighash type");
    }
    // Core's legacy script code is the scriptPubKey with pushes of this signature removed
    // (FindAndDelete); a P2PKH script cannot contain one, so it is unchanged.
    Digest h = SignatureHashes.legacy(tx, index, spk, hashType);
    return checkEcdsa(sig, pubBytes, h, policy, false);
  }

  private static InputVerification checkP2wpkh(Transaction tx, int index, TxInput in, TxOutput prev,
      boolean policy) {
    if (in.scriptSig().size() != 0) {
      return InputVerification.invalid("native segwit input with a non-empty scriptSig");
    }
    WitnessStack w = in.witness();
    if (w.size() != 2) {
      return InputVerification.invalid("P2WPKH witness must have exactly 2 items");
    }
    byte[] sig = w.rawItem(0);
    byte[] pubBytes = w.rawItem(1);
    byte[] hash = prev.scriptPubKey().payload().orElseThrow();
    if (!Arrays.equals(BitcoinCrypto.hash160(pubBytes), hash)) {
      return InputVerification.invalid("public key does not hash to the witness program");
    }
    if (sig.length == 0) {
      return InputVerification.invalid("empty signature");
    }
    int hashType = sig[sig.length - 1] & 0xff;
    if (policy && !isDefinedEcdsaHashType(hashType)) {
      return InputVerification.invalid("undefined sighash type");
    }
    Digest h = SignatureHashes.segwitV0(tx, index, Script.p2pkh(hash), prev.value(), hashType);
    return checkEcdsa(sig, pubBytes, h, policy, true);
  }

  private static InputVerification checkEcdsa(byte[] sigWithType, byte[] pubBytes, Digest h, boolean policy,
      boolean segwit) {
    BitcoinPublicKey pub;
    try {
      pub = BitcoinPublicKey.fromBytes(pubBytes);
    } catch (MalformedEncodingException e) {
      return InputVerification.invalid("bad public key: " + e.getMessage());
    }
    if (policy && segwit && !pub.isCompressed()) {
      return InputVerification.invalid("uncompressed public key in a segwit input");
    }
    EcdsaSignature sig;
    try {
      sig = EcdsaSignature.fromDer(Arrays.copyOf(sigWithType, sigWithType.length - 1));
    } catch (MalformedEncodingException e) {
      return InputVerification.invalid("signature is not strict DER: " + e.getMessage());
    }
    if (policy && !sig.isLowS()) {
      return InputVerification.invalid("signature is not low-S");
    }
    return pub.verifyEcdsa(h, sig, false) ? InputVerification.valid()
        : InputVerification.invalid("ECDSA signature does not verify");
  }

  private static boolean isDefinedEcdsaHashType(int t) {
    int base = t & ~SignatureHashes.SIGHASH_ANYONECANPAY;
    return base >= SignatureHashes.SIGHASH_ALL && base <= SignatureHashes.SIGHASH_SINGLE;
  }

  private static InputVerification checkP2tr(Transaction tx, int index, TxInput in, List<TxOutput> spent) {
    if (in.scriptSig().size() != 0) {
      return InputVerification.invalid("native segwit input with a non-empty scriptSig");
    }
    WitnessStack w = in.witness();
    int n = w.size();
    byte[] annex = null;
    if (n >= 2 && w.rawItem(n - 1).length > 0 && (w.rawItem(n - 1)[0] & 0xff) == 0x50) {
      annex = w.rawItem(n - 1);
      n--;
    }
    if (n == 0) {
      return InputVerification.invalid("empty taproot witness");
    }
    if (n != 1) {
      return InputVerification.unsupported("taproot script-path spend");
    }
    byte[] sig = w.rawItem(0);
    int hashType;
    if (sig.length == 64) {
      hashType = SignatureHashes.SIGHASH_DEFAULT;
    } else if (sig.length == 65 && sig[64] != 0) {
      hashType = sig[64] & 0xff;
    } else {
      return InputVerification.invalid("taproot signature must be 64 bytes, or 65 with a non-zero sighash byte");
    }
    if (!SignatureHashes.isValidTaprootHashType(hashType)) {
      return InputVerification.invalid("invalid taproot sighash type");
    }
    if ((hashType & 3) == SignatureHashes.SIGHASH_SINGLE && index >= tx.outputs().size()) {
      return InputVerification.invalid("SIGHASH_SINGLE without a matching output");
    }
    Digest h = SignatureHashes.taprootKeyPath(tx, index, spent, hashType, annex);
    byte[] key = spent.get(index).scriptPubKey().payload().orElseThrow();
    return SchnorrSignatures.verify(key, h.toByteArray(), Arrays.copyOf(sig, 64)) ? InputVerification.valid()
        : InputVerification.invalid("BIP 340 signature does not verify");
  }
}
