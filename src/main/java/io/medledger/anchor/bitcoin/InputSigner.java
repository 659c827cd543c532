package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * Signs inputs that spend P2PKH, P2WPKH and P2TR (key path, no script tree) outputs with one key.
 * ECDSA inputs use SIGHASH_ALL; taproot inputs use SIGHASH_DEFAULT (64-byte signatures).
 *
 * <p>Stateless and thread-safe given a thread-safe {@link SecureRandom}.
 */
public final class InputSigner {
  private InputSigner() {}

  /**
   * Checks that {@code key} can spend {@code scriptPubKey}.
   *
   * @throws IllegalArgumentException naming the reason if it cannot
   */
  public static void requireSpendable(BitcoinPrivateKey key, Script scriptPubKey) {
    BitcoinPublicKey pub = key.publicKey();
    byte[] payload = scriptPubKey.payload().orElse(null);
    switch (scriptPubKey.type()) {
      case P2PKH:
        if (!Arrays.equals(payload, pub.hash160())) {
          throw new IllegalArgumentException("P2PKH output pays to another key hash"
              + (pub.withCompression(!pub.isCompressed()).p2pkhScript().equals(scriptPubKey)
                  ? " (it matches the key in the other compression form)" : ""));
        }
        return;
      case P2WPKH:
        if (!pub.isCompressed()) {
          throw new IllegalArgumentException("P2WPKH outputs need a compressed key, the WIF key is uncompressed");
        }
        if (!Arrays.equals(payload, pub.hash160())) {
          throw new IllegalArgumentException("P2WPKH output pays to another key hash");
        }
        return;
      case P2TR:
        if (!Arrays.equals(payload, pub.taprootOutputKey())) {
          throw new IllegalArgumentException("P2TR output key is not this key's key-path-only taproot key");
        }
        return;
      default:
        throw new IllegalArgumentException("cannot sign for script type " + scriptPubKey.type()
            + " (supported: P2PKH, P2WPKH, P2TR key path)");
    }
  }

  /**
   * Signs every input of {@code unsigned}, which spends {@code spent} (one output per input, in
   * order), and returns the signed transaction.
   *
   * @param auxRandom source of BIP 340 auxiliary randomness for taproot inputs (may be null if no
   *     input spends P2TR)
   * @throws IllegalArgumentException if an input is not spendable by {@code key}
   */
  public static Transaction signAll(Transaction unsigned, List<TxOutput> spent, BitcoinPrivateKey key,
      SecureRandom auxRandom) {
    if (spent.size() != unsigned.inputs().size()) {
      throw new IllegalArgumentException("need one spent output per input");
    }
    TxInput[] signed = unsigned.inputs().toArray(new TxInput[0]);
    for (int i = 0; i < signed.length; i++) {
      signed[i] = signInput(unsigned, i, spent, key, auxRandom);
    }
    return new Transaction(unsigned.version(), List.of(signed), unsigned.outputs(), unsigned.lockTime());
  }

  /** Returns input {@code i} of {@code tx} with its scriptSig and witness filled in. */
  public static TxInput signInput(Transaction tx, int i, List<TxOutput> spent, BitcoinPrivateKey key,
      SecureRandom auxRandom) {
    TxOutput prev = spent.get(i);
    Script spk = prev.scriptPubKey();
    requireSpendable(key, spk);
    TxInput in = tx.inputs().get(i);
    byte[] pub = key.publicKey().toBytes();
    switch (spk.type()) {
      case P2PKH: {
        Digest h = SignatureHashes.legacy(tx, i, spk, SignatureHashes.SIGHASH_ALL);
        byte[] sig = withHashType(key.signEcdsa(h).toDer(), SignatureHashes.SIGHASH_ALL);
        return in.withScriptSig(Script.ofPushes(sig, pub)).withWitness(WitnessStack.EMPTY);
      }
      case P2WPKH: {
        Script code = Script.p2pkh(key.publicKey().hash160());
        Digest h = SignatureHashes.segwitV0(tx, i, code, prev.value(), SignatureHashes.SIGHASH_ALL);
        byte[] sig = withHashType(key.signEcdsa(h).toDer(), SignatureHashes.SIGHASH_ALL);
        return in.withScriptSig(Script.EMPTY).withWitness(WitnessStack.of(sig, pub));
      }
      default: {
        Digest h = SignatureHashes.taprootKeyPath(tx, i, spent, SignatureHashes.SIGHASH_DEFAULT, null);
        byte[] aux = new byte[32];
        auxRandom.nextBytes(aux);
        byte[] sig = key.signTaprootKeyPath(h, null, aux);
        return in.withScriptSig(Script.EMPTY).withWitness(WitnessStack.of(sig));
      }
    }
  }

  static byte[] withHashType(byte[] der, int hashType) {
    byte[] out = Arrays.copyOf(der, der.length + 1);
    out[der.length] = (byte) hashType;
    return out;
  }
}
