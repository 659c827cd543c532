package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.bitcoin.ByteWriter;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.util.List;
import java.util.Objects;

/**
 * Signature hashes: legacy (pre-segwit), BIP 143 (segwit v0) and BIP 341 (taproot key path).
 * Results are in internal byte order (what is signed). Stateless and thread-safe.
 */
public final class SignatureHashes {
  /** Taproot only: like ALL, with a 64-byte signature (no sighash byte). */
  public static final int SIGHASH_DEFAULT = 0x00;
  /** Sign all inputs and outputs. */
  public static final int SIGHASH_ALL = 0x01;
  /** Sign all inputs, no outputs. */
  public static final int SIGHASH_NONE = 0x02;
  /** Sign all inputs and the output with the same index. */
  public static final int SIGHASH_SINGLE = 0x03;
  /** Modifier: sign only this input. */
  public static final int SIGHASH_ANYONECANPAY = 0x80;

  private static final Digest ONE;

  static {
    byte[] one = new byte[32];
    one[0] = 1;
    ONE = Digest.of(one);
  }

  private SignatureHashes() {}

  /**
   * Bitcoin Core's legacy SignatureHash for input {@code inputIndex} with the given script code
   * (OP_CODESEPARATORs are removed from it as Core does) and the full signed 32-bit hash type.
   * SIGHASH_SINGLE without a matching output returns the value 1, as Core does.
   */
  public static Digest legacy(Transaction tx, int inputIndex, Script scriptCode, int hashType) {
    List<TxInput> ins = tx.inputs();
    List<TxOutput> outs = tx.outputs();
    Objects.checkIndex(inputIndex, ins.size());
    int base = hashType & 0x1f;
    boolean single = base == SIGHASH_SINGLE;
    boolean none = base == SIGHASH_NONE;
    boolean anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) != 0;
    if (single && inputIndex >= outs.size()) {
      return ONE;
    }
    ByteWriter w = new ByteWriter(256);
    w.u32(tx.version());
    int nIn = anyoneCanPay ? 1 : ins.size();
    w.compactSize(nIn);
    for (int k = 0; k < nIn; k++) {
      int i = anyoneCanPay ? inputIndex : k;
      TxInput in = ins.get(i);
      w.bytes(in.outPoint().txid().toByteArray()).u32(in.outPoint().index());
      if (i == inputIndex) {
        writeScriptCodeWithoutSeparators(w, scriptCode);
      } else {
        w.compactSize(0);
      }
      w.u32(i != inputIndex && (single || none) ? 0 : in.sequence());
    }
    int nOut = none ? 0 : single ? inputIndex + 1 : outs.size();
    w.compactSize(nOut);
    for (int o = 0; o < nOut; o++) {
      if (single && o != inputIndex) {
        w.i64(-1).compactSize(0);
      } else {
        TxOutput out = outs.get(o);
        w.i64(out.value()).varBytes(out.scriptPubKey().raw());
      }
    }
    w.u32(tx.lockTime());
    w.u32(hashType);
    return Sha256.doubleHash(w.toByteArray());
  }

  /** Core's SerializeScriptCode: the script with every OP_CODESEPARATOR opcode removed. */
  private static void writeScriptCodeWithoutSeparators(ByteWriter w, Script script) {
    byte[] s = script.raw();
    int separators = 0;
    int pc = 0;
    while (pc < s.length) {
      if ((s[pc] & 0xff) == Script.OP_CODESEPARATOR) {
        separators++;
      }
      pc = script.nextOp(pc);
      if (pc < 0) {
        break;
      }
    }
    w.compactSize(s.length - separators);
    int begin = 0;
    pc = 0;
    while (pc < s.length) {
      boolean sep = (s[pc] & 0xff) == Script.OP_CODESEPARATOR;
      int next = script.nextOp(pc);
      if (next < 0) {
        // Core stops at a truncated push, having consumed its opcode and length bytes.
        pc = -next - 1;
        break;
      }
      if (sep) {
        w.bytes(s, begin, pc - begin);
        begin = next;
      }
      pc = next;
    }
    if (begin != s.length) {
      w.bytes(s, begin, pc - begin);
    }
  }

  /**
   * The BIP 143 signature hash (segwit version 0) for input {@code inputIndex} spending
   * {@code amount} satoshis with {@code scriptCode} (for P2WPKH: the P2PKH script of the key hash).
   */
  public static Digest segwitV0(Transaction tx, int inputIndex, Script scriptCode, long amount, int hashType) {
    List<TxInput> ins = tx.inputs();
    List<TxOutput> outs = tx.outputs();
    Objects.checkIndex(inputIndex, ins.size());
    int base = hashType & 0x1f;
    boolean anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) != 0;
    byte[] zero = new byte[32];
    byte[] hashPrevouts = zero;
    byte[] hashSequence = zero;
    byte[] hashOutputs = zero;
    if (!anyoneCanPay) {
      ByteWriter p = new ByteWriter(36 * ins.size());
      for (TxInput in : ins) {
        p.bytes(in.outPoint().txid().toByteArray()).u32(in.outPoint().index());
      }
      hashPrevouts = Sha256.doubleHash(p.toByteArray()).toByteArray();
    }
    if (!anyoneCanPay && base != SIGHASH_SINGLE && base != SIGHASH_NONE) {
      ByteWriter q = new ByteWriter(4 * ins.size());
      for (TxInput in : ins) {
        q.u32(in.sequence());
      }
      hashSequence = Sha256.doubleHash(q.toByteArray()).toByteArray();
    }
    if (base != SIGHASH_SINGLE && base != SIGHASH_NONE) {
      hashOutputs = Sha256.doubleHash(outputsBytes(outs, 0, outs.size())).toByteArray();
    } else if (base == SIGHASH_SINGLE && inputIndex < outs.size()) {
      hashOutputs = Sha256.doubleHash(outputsBytes(outs, inputIndex, inputIndex + 1)).toByteArray();
    }
    TxInput in = ins.get(inputIndex);
    ByteWriter w = new ByteWriter(200 + scriptCode.size());
    w.u32(tx.version()).bytes(hashPrevouts).bytes(hashSequence);
    w.bytes(in.outPoint().txid().toByteArray()).u32(in.outPoint().index());
    w.varBytes(scriptCode.raw());
    w.i64(amount).u32(in.sequence()).bytes(hashOutputs).u32(tx.lockTime()).u32(hashType);
    return Sha256.doubleHash(w.toByteArray());
  }

  private static byte[] outputsBytes(List<TxOutput> outs, int from, int to) {
    ByteWriter w = new ByteWriter();
    for (int i = from; i < to; i++) {
      TxOutput o = outs.get(i);
      w.i64(o.value()).varBytes(o.scriptPubKey().raw());
    }
    return w.toByteArray();
  }

  /** True if {@code hashType} is one BIP 341 allows (0x00-0x03, 0x81-0x83). */
  public static boolean isValidTaprootHashType(int hashType) {
    return hashType == 0 || (hashType >= 1 && hashType <= 3) || (hashType >= 0x81 && hashType <= 0x83);
  }

  /**
   * The BIP 341 signature message for a key-path spend of input {@code inputIndex}, including
   * the leading epoch byte 0x00. {@code spentOutputs} holds the output spent by every input.
   *
   * @param annex the annex (starting with 0x50) or {@code null} if absent
   * @throws IllegalArgumentException for an invalid hash type, a spent-output list that does not
   *     match the inputs, or SIGHASH_SINGLE without a matching output
   */
  public static byte[] taprootSignatureMessage(Transaction tx, int inputIndex, List<TxOutput> spentOutputs,
      int hashType, byte[] annex) {
    List<TxInput> ins = tx.inputs();
    List<TxOutput> outs = tx.outputs();
    Objects.checkIndex(inputIndex, ins.size());
    if (!isValidTaprootHashType(hashType)) {
      throw new IllegalArgumentException("invalid taproot sighash type 0x" + Integer.toHexString(hashType));
    }
    if (spentOutputs.size() != ins.size()) {
      throw new IllegalArgumentException("taproot signing needs the spent output of every input");
    }
    int outType = hashType == 0 ? SIGHASH_ALL : hashType & 3;
    boolean anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) != 0;
    ByteWriter w = new ByteWriter(256);
    w.u8(0x00).u8(hashType).u32(tx.version()).u32(tx.lockTime());
    if (!anyoneCanPay) {
      ByteWriter prevouts = new ByteWriter(36 * ins.size());
      ByteWriter amounts = new ByteWriter(8 * ins.size());
      ByteWriter scripts = new ByteWriter();
      ByteWriter sequences = new ByteWriter(4 * ins.size());
      for (int i = 0; i < ins.size(); i++) {
        TxInput in = ins.get(i);
        prevouts.bytes(in.outPoint().txid().toByteArray()).u32(in.outPoint().index());
        amounts.i64(spentOutputs.get(i).value());
        scripts.varBytes(spentOutputs.get(i).scriptPubKey().raw());
        sequences.u32(in.sequence());
      }
      w.bytes(Sha256.hash(prevouts.toByteArray()).toByteArray());
      w.bytes(Sha256.hash(amounts.toByteArray()).toByteArray());
      w.bytes(Sha256.hash(scripts.toByteArray()).toByteArray());
      w.bytes(Sha256.hash(sequences.toByteArray()).toByteArray());
    }
    if (outType != SIGHASH_NONE && outType != SIGHASH_SINGLE) {
      w.bytes(Sha256.hash(outputsBytes(outs, 0, outs.size())).toByteArray());
    }
    w.u8(annex != null ? 1 : 0);
    if (anyoneCanPay) {
      TxInput in = ins.get(inputIndex);
      TxOutput spent = spentOutputs.get(inputIndex);
      w.bytes(in.outPoint().txid().toByteArray()).u32(in.outPoint().index());
      w.i64(spent.value()).varBytes(spent.scriptPubKey().raw()).u32(in.sequence());
    } else {
      w.u32(inputIndex);
    }
    if (annex != null) {
      w.bytes(Sha256.hash(new ByteWriter(annex.length + 9).varBytes(annex).toByteArray()).toByteArray());
    }
    if (outType == SIGHASH_SINGLE) {
      if (inputIndex >= outs.size()) {
        throw new IllegalArgumentException("SIGHASH_SINGLE without an output at index " + inputIndex);
      }
      w.bytes(Sha256.hash(outputsBytes(outs, inputIndex, inputIndex + 1)).toByteArray());
    }
    return w.toByteArray();
  }

  /** The BIP 341 key-path signature hash: TapSighash tagged hash of the signature message. */
  public static Digest taprootKeyPath(Transaction tx, int inputIndex, List<TxOutput> spentOutputs, int hashType,
      byte[] annex) {
    return BitcoinCrypto.taggedHash("TapSighash", taprootSignatureMessage(tx, inputIndex, spentOutputs, hashType, annex));
  }
}
