package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.bitcoin.ByteReader;
import io.medledger.internal.bitcoin.ByteWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable Bitcoin transaction with exact legacy and BIP 144 (segwit) serialization.
 *
 * <p>{@link #parse(byte[])} follows Bitcoin Core's deserializer strictly: it rejects truncated
 * input, trailing bytes, non-minimal CompactSize, counts that cannot fit in the remaining bytes,
 * an unknown segwit flag and a witness section whose stacks are all empty. Structural consensus
 * rules that parsing does not cover (empty inputs/outputs, value ranges, duplicate inputs) are
 * checked by {@link #checkSanity()}. Thread-safe.
 */
public final class Transaction {
  /** Largest serialized transaction accepted by {@link #parse}: the block weight limit in bytes. */
  public static final int MAX_SIZE = 4_000_000;
  /** Consensus limit on block (and so transaction) weight. */
  public static final long MAX_WEIGHT = 4_000_000;

  private final int version;
  private final List<TxInput> inputs;
  private final List<TxOutput> outputs;
  private final long lockTime;
  private final byte[] legacyBytes;
  private final byte[] fullBytes;
  private final Digest txid;
  private final Digest wtxid;

  /**
   * Creates a transaction.
   *
   * @param version nVersion (signed 32-bit)
   * @param inputs the inputs (copied)
   * @param outputs the outputs (copied)
   * @param lockTime nLockTime, 0 to 2^32-1
   */
  public Transaction(int version, List<TxInput> inputs, List<TxOutput> outputs, long lockTime) {
    this.version = version;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    if (lockTime < 0 || lockTime > 0xffffffffL) {
      throw new IllegalArgumentException("lock time must be a 32-bit unsigned value");
    }
    this.lockTime = lockTime;
    this.legacyBytes = serialize(false);
    this.fullBytes = hasWitness() ? serialize(true) : legacyBytes;
    this.txid = Sha256.doubleHash(legacyBytes);
    this.wtxid = fullBytes == legacyBytes ? txid : Sha256.doubleHash(fullBytes);
  }

  /**
   * Parses a serialized transaction (legacy or BIP 144).
   *
   * @throws MalformedEncodingException if the bytes are not exactly one valid serialization
   */
  public static Transaction parse(byte[] raw) {
    if (raw.length > MAX_SIZE) {
      throw new MalformedEncodingException("transaction larger than " + MAX_SIZE + " bytes");
    }
    ByteReader r = new ByteReader(raw);
    int version = (int) r.readU32("version");
    int nIn = r.readCount(41, "input count");
    boolean segwit = false;
    TxInput[] ins;
    TxOutput[] outs;
    if (nIn == 0) {
      int flag = r.readU8("segwit flag");
      if (flag == 0) {
        // Core reads this as an empty input list followed by an empty output list.
        ins = new TxInput[0];
        outs = new TxOutput[0];
      } else if (flag != 1) {
        throw new MalformedEncodingException("unknown transaction optional data (flag " + flag + ")");
      } else {
        segwit = true;
        ins = readInputs(r, r.readCount(41, "input count"));
        outs = readOutputs(r);
      }
    } else {
      ins = readInputs(r, nIn);
      outs = readOutputs(r);
    }
    if (segwit) {
      boolean any = false;
      for (int i = 0; i < ins.length; i++) {
        int items = r.readCount(1, "witness item count");
        byte[][] stack = new byte[items][];
        for (int j = 0; j < items; j++) {
          stack[j] = r.readVarBytes("witness item");
        }
        any |= items > 0;
        ins[i] = ins[i].withWitness(WitnessStack.wrap(stack));
      }
      if (!any) {
        throw new MalformedEncodingException("superfluous witness record: every witness is empty");
      }
    }
    long lockTime = r.readU32("lock time");
    r.expectEnd("transaction");
    return new Transaction(version, List.of(ins), List.of(outs), lockTime);
  }

  private static TxInput[] readInputs(ByteReader r, int n) {
    TxInput[] ins = new TxInput[n];
    for (int i = 0; i < n; i++) {
      Digest prev = Digest.of(r.readBytes(32, "previous txid"), 0);
      long index = r.readU32("previous output index");
      Script scriptSig = Script.wrap(r.readVarBytes("scriptSig"));
      long seq = r.readU32("sequence");
      ins[i] = new TxInput(new OutPoint(prev, index), scriptSig, seq, WitnessStack.EMPTY);
    }
    return ins;
  }

  private static TxOutput[] readOutputs(ByteReader r) {
    int n = r.readCount(9, "output count");
    TxOutput[] outs = new TxOutput[n];
    for (int i = 0; i < n; i++) {
      long value = r.readI64("output value");
      outs[i] = new TxOutput(value, Script.wrap(r.readVarBytes("scriptPubKey")));
    }
    return outs;
  }

  /** Parses hex; see {@link #parse(byte[])}. */
  public static Transaction fromHex(String hex) {
    byte[] raw;
    try {
      raw = Hex.decode(hex);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("transaction is not hex: " + e.getMessage());
    }
    return parse(raw);
  }

  private byte[] serialize(boolean withWitness) {
    ByteWriter w = new ByteWriter(256);
    w.u32(version);
    if (withWitness) {
      w.u8(0).u8(1);
    }
    w.compactSize(inputs.size());
    for (TxInput in : inputs) {
      w.bytes(in.outPoint().txid().toByteArray());
      w.u32(in.outPoint().index());
      w.varBytes(in.scriptSig().raw());
      w.u32(in.sequence());
    }
    w.compactSize(outputs.size());
    for (TxOutput out : outputs) {
      w.i64(out.value());
      w.varBytes(out.scriptPubKey().raw());
    }
    if (withWitness) {
      for (TxInput in : inputs) {
        WitnessStack wit = in.witness();
        w.compactSize(wit.size());
        for (int j = 0; j < wit.size(); j++) {
          w.varBytes(wit.rawItem(j));
        }
      }
    }
    w.u32(lockTime);
    return w.toByteArray();
  }

  /** nVersion. */
  public int version() {
    return version;
  }

  /** The inputs (unmodifiable). */
  public List<TxInput> inputs() {
    return inputs;
  }

  /** The outputs (unmodifiable). */
  public List<TxOutput> outputs() {
    return outputs;
  }

  /** nLockTime. */
  public long lockTime() {
    return lockTime;
  }

  /** True if any input has a non-empty witness (then {@link #serialize()} uses BIP 144). */
  public boolean hasWitness() {
    for (TxInput in : inputs) {
      if (!in.witness().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The network serialization: BIP 144 if any witness is present, legacy otherwise. */
  public byte[] serialize() {
    return fullBytes.clone();
  }

  /** The serialization without witness data (what the txid commits to). */
  public byte[] serializeWithoutWitness() {
    return legacyBytes.clone();
  }

  /** Lowercase hex of {@link #serialize()}. */
  public String toHex() {
    return Hex.encode(fullBytes);
  }

  /** The txid in internal byte order: SHA256d of the serialization without witness. */
  public Digest txid() {
    return txid;
  }

  /** The txid as shown by Bitcoin Core and explorers (byte-reversed hex). */
  public String txidHex() {
    return txid.reversed().toHex();
  }

  /** The wtxid (BIP 141) in internal byte order; equal to the txid without witness. */
  public Digest wtxid() {
    return wtxid;
  }

  /** The wtxid in display (byte-reversed) hex. */
  public String wtxidHex() {
    return wtxid.reversed().toHex();
  }

  /** Size in bytes of the full serialization. */
  public int totalSize() {
    return fullBytes.length;
  }

  /** Size in bytes without witness data. */
  public int baseSize() {
    return legacyBytes.length;
  }

  /** BIP 141 weight: base size × 3 + total size. */
  public long weight() {
    return 3L * legacyBytes.length + fullBytes.length;
  }

  /** Virtual size: weight / 4 rounded up. */
  public long vsize() {
    return (weight() + 3) / 4;
  }

  /** Sum of output values. */
  public long outputValue() {
    long sum = 0;
    for (TxOutput o : outputs) {
      sum = Math.addExact(sum, o.value());
    }
    return sum;
  }

  /**
   * The fee given the outputs this transaction spends (one per input, in input order).
   *
   * @throws IllegalArgumentException if the list does not match the inputs
   */
  public long fee(List<TxOutput> spentOutputs) {
    if (spentOutputs.size() != inputs.size()) {
      throw new IllegalArgumentException("need one spent output per input");
    }
    long in = 0;
    for (TxOutput o : spentOutputs) {
      in = Math.addExact(in, o.value());
    }
    return in - outputValue();
  }

  /** Fee rate in satoshis per virtual byte given the spent outputs. */
  public double feeRate(List<TxOutput> spentOutputs) {
    return (double) fee(spentOutputs) / vsize();
  }

  /** True if this is a coinbase (one input spending the null outpoint). */
  public boolean isCoinbase() {
    return inputs.size() == 1 && inputs.get(0).outPoint().isNull();
  }

  /** True if any input signals BIP 125 replaceability (nSequence below 0xfffffffe). */
  public boolean signalsRbf() {
    for (TxInput in : inputs) {
      if (in.sequence() < 0xfffffffeL) {
        return true;
      }
    }
    return false;
  }

  /**
   * Bitcoin Core's context-free CheckTransaction rules.
   *
   * @return empty if the transaction passes, else Core's reject reason
   */
  public Optional<String> checkSanity() {
    if (inputs.isEmpty()) {
      return Optional.of("bad-txns-vin-empty");
    }
    if (outputs.isEmpty()) {
      return Optional.of("bad-txns-vout-empty");
    }
    if (legacyBytes.length * 4L > MAX_WEIGHT) {
      return Optional.of("bad-txns-oversize");
    }
    long total = 0;
    for (TxOutput o : outputs) {
      if (o.value() < 0) {
        return Optional.of("bad-txns-vout-negative");
      }
      if (o.value() > TxOutput.MAX_MONEY) {
        return Optional.of("bad-txns-vout-toolarge");
      }
      total += o.value();
      if (total > TxOutput.MAX_MONEY) {
        return Optional.of("bad-txns-txouttotal-toolarge");
      }
    }
    Set<OutPoint> seen = new HashSet<>();
    for (TxInput in : inputs) {
      if (!seen.add(in.outPoint())) {
        return Optional.of("bad-txns-inputs-duplicate");
      }
    }
    if (isCoinbase()) {
      int n = inputs.get(0).scriptSig().size();
      if (n < 2 || n > 100) {
        return Optional.of("bad-cb-length");
      }
    } else {
      for (TxInput in : inputs) {
        if (in.outPoint().isNull()) {
          return Optional.of("bad-txns-prevout-null");
        }
      }
    }
    return Optional.empty();
  }

  /** Whether this transaction and {@code other} spend a common output (at most one of them can confirm). */
  public boolean conflictsWith(Transaction other) {
    Set<OutPoint> mine = new HashSet<>();
    inputs.forEach(i -> mine.add(i.outPoint()));
    return other.inputs.stream().anyMatch(i -> mine.contains(i.outPoint()));
  }

  /** This transaction with input {@code i} replaced. */
  public Transaction withInput(int i, TxInput input) {
    TxInput[] ins = inputs.toArray(new TxInput[0]);
    ins[i] = Objects.requireNonNull(input);
    return new Transaction(version, List.of(ins), outputs, lockTime);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Transaction t && java.util.Arrays.equals(fullBytes, t.fullBytes);
  }

  @Override
  public int hashCode() {
    return wtxid.hashCode();
  }

  @Override
  public String toString() {
    return "Transaction[txid=" + txidHex() + ", inputs=" + inputs.size() + ", outputs=" + outputs.size()
        + ", vsize=" + vsize() + "]";
  }
}
