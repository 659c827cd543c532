package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Builds and signs anchor transactions: one OP_RETURN output carrying a commitment
 * ({@link OpReturnAnchor}) plus change, spending UTXOs of one key (P2PKH, P2WPKH or P2TR key path).
 *
 * <ul>
 *   <li>Inputs are chosen largest-first (ties: txid bytes, then index), adding UTXOs until they
 *       pay the fee of the transaction without change, estimated with maximum-size signatures.
 *   <li>The fee is computed from the vsize of the actually signed transaction and rounded up;
 *       signing repeats until the fee covers the final size.
 *   <li>Change goes to the change address only if it is at least that output's dust threshold;
 *       otherwise the remainder is added to the fee.
 *   <li>Version 2, lock time 0, every input's nSequence is 0xfffffffd (BIP 125 RBF signal);
 *       output 0 is the anchor, output 1 the change.
 * </ul>
 *
 * <p>Not thread-safe: configure and use from one thread.
 */
public final class AnchorTransactionBuilder {
  /** nVersion of anchor transactions. */
  public static final int TX_VERSION = 2;
  /** Bitcoin Core's largest standard transaction weight; larger selections are refused. */
  public static final long MAX_STANDARD_WEIGHT = 400_000;

  private final BitcoinPrivateKey key;
  private final Address changeAddress;
  private final List<Utxo> utxos = new ArrayList<>();
  private FeeRate feeRate;
  private SecureRandom random = new SecureRandom();

  private AnchorTransactionBuilder(BitcoinPrivateKey key, Address changeAddress) {
    this.key = Objects.requireNonNull(key, "key");
    this.changeAddress = Objects.requireNonNull(changeAddress, "changeAddress");
    if (!key.network().isCompatibleWith(changeAddress.network())) {
      throw new IllegalArgumentException("mixed networks: the key is for " + key.network()
          + " but the change address is for " + changeAddress.network());
    }
  }

  /**
   * A builder spending with {@code key} and sending change to {@code changeAddress}.
   *
   * @throws IllegalArgumentException if the key and address belong to different networks
   */
  public static AnchorTransactionBuilder create(BitcoinPrivateKey key, Address changeAddress) {
    return new AnchorTransactionBuilder(key, changeAddress);
  }

  /**
   * Adds a spendable UTXO.
   *
   * @throws IllegalArgumentException if the key cannot spend it or it was already added
   */
  public AnchorTransactionBuilder addUtxo(Utxo utxo) {
    Objects.requireNonNull(utxo, "utxo");
    try {
      InputSigner.requireSpendable(key, utxo.scriptPubKey());
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new IllegalArgumentException("key does not match UTXO " + utxo.outPoint() + ": " + e.getMessage(), e);
    }
    for (Utxo u : utxos) {
      if (u.outPoint().equals(utxo.outPoint())) {
        throw new IllegalArgumentException("UTXO " + utxo.outPoint() + " given twice");
      }
    }
    utxos.add(utxo);
    return this;
  }

  /** Adds several UTXOs; see {@link #addUtxo}. */
  public AnchorTransactionBuilder addUtxos(List<Utxo> list) {
    list.forEach(this::addUtxo);
    return this;
  }

  /** Sets the target fee rate. */
  public AnchorTransactionBuilder feeRate(FeeRate rate) {
    this.feeRate = Objects.requireNonNull(rate, "rate");
    return this;
  }

  /** Replaces the source of BIP 340 auxiliary randomness (taproot inputs); for reproducible tests. */
  public AnchorTransactionBuilder random(SecureRandom r) {
    this.random = Objects.requireNonNull(r, "random");
    return this;
  }

  /**
   * Selects inputs, computes the fee from the signed size, adds change above dust and signs.
   *
   * @throws InsufficientFundsException if all UTXOs together cannot pay the fee
   * @throws IllegalStateException if no fee rate or no UTXO was given
   */
  public AnchorTransaction build(Digest commitment) {
    Objects.requireNonNull(commitment, "commitment");
    if (feeRate == null) {
      throw new IllegalStateException("no fee rate set");
    }
    if (utxos.isEmpty()) {
      throw new IllegalStateException("no UTXOs given");
    }
    List<Utxo> sorted = new ArrayList<>(utxos);
    sorted.sort(Comparator.comparingLong(Utxo::value).reversed()
        .thenComparing(u -> u.outPoint().txid())
        .thenComparingLong(u -> u.outPoint().index()));
    List<Utxo> selected = new ArrayList<>();
    long total = 0;
    long need = 0;
    for (Utxo u : sorted) {
      selected.add(u);
      total = Math.addExact(total, u.value());
      need = feeRate.feeFor(estimateVsize(selected, commitment, false));
      if (total >= need) {
        return assemble(selected, commitment, feeRate, 0);
      }
    }
    throw new InsufficientFundsException(need, total);
  }

  /**
   * Rebuilds {@code previous} at a higher fee rate, spending exactly the same inputs (a BIP 125
   * replacement): the new fee is at least the rate times the new vsize and at least the old fee
   * plus 1 sat/vB of the new vsize. Change shrinks, and is dropped if it falls below dust.
   *
   * @throws IllegalArgumentException if the rate is not higher or the transaction was not built
   *     for this builder's key and change address
   * @throws InsufficientFundsException if the inputs cannot pay the higher fee
   */
  public AnchorTransaction bumpFee(AnchorTransaction previous, FeeRate newRate) {
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(newRate, "newRate");
    if (newRate.compareTo(previous.feeRate()) <= 0) {
      throw new IllegalArgumentException("a fee bump needs a higher rate than " + previous.feeRate());
    }
    if (!previous.changeAddress().equals(changeAddress)) {
      throw new IllegalArgumentException("the previous transaction used another change address");
    }
    for (Utxo u : previous.spent()) {
      try {
        InputSigner.requireSpendable(key, u.scriptPubKey());
      } catch (IllegalArgumentException | MalformedEncodingException e) {
        throw new IllegalArgumentException("key does not match UTXO " + u.outPoint() + ": " + e.getMessage(), e);
      }
    }
    return assemble(previous.spent(), previous.commitment(), newRate, previous.fee());
  }

  /** Signs with a fixed selection; {@code replacedFee} > 0 applies the BIP 125 fee rules. */
  private AnchorTransaction assemble(List<Utxo> selected, Digest commitment, FeeRate rate, long replacedFee) {
    long total = 0;
    for (Utxo u : selected) {
      total = Math.addExact(total, u.value());
    }
    List<TxOutput> spent = new ArrayList<>();
    for (Utxo u : selected) {
      spent.add(u.toOutput());
    }
    TxOutput anchor = new TxOutput(0, OpReturnAnchor.script(commitment));
    Script changeScript = changeAddress.scriptPubKey();
    long dust = new TxOutput(0, changeScript).dustThreshold();

    // Upper bound from maximum-size signatures; then the fee follows the signed size. After the
    // first re-sign the fee only grows, so the loop ends; the bound is the fallback.
    long bound = requiredFee(rate, estimateVsize(selected, commitment, true), replacedFee);
    if (total - bound >= dust) {
      long fee = bound;
      for (int round = 0; round < 16; round++) {
        Transaction signed = sign(selected, spent, List.of(anchor, new TxOutput(total - fee, changeScript)));
        long needed = requiredFee(rate, signed.vsize(), replacedFee);
        if (needed == fee || (round > 0 && needed < fee)) {
          return new AnchorTransaction(signed, selected, fee, rate, commitment, changeAddress, 1);
        }
        fee = Math.min(needed, bound);
      }
      Transaction signed = sign(selected, spent, List.of(anchor, new TxOutput(total - bound, changeScript)));
      return new AnchorTransaction(signed, selected, bound, rate, commitment, changeAddress, 1);
    }
    Transaction signed = sign(selected, spent, List.of(anchor));
    long needed = requiredFee(rate, signed.vsize(), replacedFee);
    if (total < needed) {
      throw new InsufficientFundsException(needed, total);
    }
    return new AnchorTransaction(signed, selected, total, rate, commitment, changeAddress, -1);
  }

  private static long requiredFee(FeeRate rate, long vsize, long replacedFee) {
    long fee = rate.feeFor(vsize);
    if (replacedFee > 0) {
      fee = Math.max(fee, replacedFee + FeeRate.INCREMENTAL_RELAY.feeFor(vsize));
    }
    return fee;
  }

  private Transaction sign(List<Utxo> selected, List<TxOutput> spent, List<TxOutput> outputs) {
    if (selected.size() * 41L * 4 > MAX_STANDARD_WEIGHT) {
      throw new IllegalArgumentException("too many inputs for a standard transaction: " + selected.size());
    }
    List<TxInput> ins = new ArrayList<>();
    for (Utxo u : selected) {
      ins.add(TxInput.unsigned(u.outPoint(), TxInput.SEQUENCE_RBF));
    }
    Transaction unsigned = new Transaction(TX_VERSION, ins, outputs, 0);
    Transaction signed = InputSigner.signAll(unsigned, spent, key, random);
    if (signed.weight() > MAX_STANDARD_WEIGHT) {
      throw new IllegalArgumentException("anchor transaction would exceed the standard weight limit");
    }
    if (!InputVerifier.verifyAllStandard(signed, spent)) {
      throw new IllegalStateException("a freshly signed input failed verification");
    }
    return signed;
  }

  /** vsize with maximum-size signatures: an upper bound of the signed size. */
  private long estimateVsize(List<Utxo> selected, Digest commitment, boolean withChange) {
    byte[] pub = key.publicKey().toBytes();
    byte[] maxSig = new byte[72];
    maxSig[0] = 0x30;
    List<TxInput> ins = new ArrayList<>();
    for (Utxo u : selected) {
      TxInput in = TxInput.unsigned(u.outPoint(), TxInput.SEQUENCE_RBF);
      switch (u.scriptPubKey().type()) {
        case P2PKH:
          in = in.withScriptSig(Script.ofPushes(maxSig, pub));
          break;
        case P2WPKH:
          in = in.withWitness(Witness.of(maxSig, pub));
          break;
        default:
          in = in.withWitness(Witness.of(new byte[64]));
      }
      ins.add(in);
    }
    List<TxOutput> outs = new ArrayList<>();
    outs.add(new TxOutput(0, OpReturnAnchor.script(commitment)));
    if (withChange) {
      outs.add(new TxOutput(0, changeAddress.scriptPubKey()));
    }
    return new Transaction(TX_VERSION, ins, outs, 0).vsize();
  }
}
