package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A signed anchor transaction with what produced it: the spent UTXOs (in input order), the fee
 * actually paid, the target fee rate, the commitment and the change output (if any).
 * Immutable and thread-safe.
 *
 * @param transaction the signed transaction (output 0 is the OP_RETURN anchor)
 * @param spent the UTXOs spent, in input order
 * @param fee the fee paid in satoshis
 * @param feeRate the rate the fee was computed for
 * @param commitment the 32-byte commitment carried in output 0
 * @param changeAddress where change goes
 * @param changeIndex index of the change output, or -1 if the transaction has none
 */
public record AnchorTransaction(Transaction transaction, List<Utxo> spent, long fee, FeeRate feeRate,
    Digest commitment, Address changeAddress, int changeIndex) {
  /** Validates and copies the fields. */
  public AnchorTransaction {
    Objects.requireNonNull(transaction, "transaction");
    Objects.requireNonNull(feeRate, "feeRate");
    Objects.requireNonNull(commitment, "commitment");
    Objects.requireNonNull(changeAddress, "changeAddress");
    spent = List.copyOf(spent);
    if (spent.size() != transaction.inputs().size()) {
      throw new IllegalArgumentException("one spent UTXO per input required");
    }
  }

  /** The spent outputs in input order (for verification and taproot sighashes). */
  public List<TxOutput> spentOutputs() {
    List<TxOutput> out = new ArrayList<>(spent.size());
    for (Utxo u : spent) {
      out.add(u.toOutput());
    }
    return out;
  }

  /** The change output, if any. */
  public Optional<TxOutput> changeOutput() {
    return changeIndex < 0 ? Optional.empty() : Optional.of(transaction.outputs().get(changeIndex));
  }

  /** The txid in display hex. */
  public String txidHex() {
    return transaction.txidHex();
  }

  /** The raw signed transaction in hex, ready for {@code sendrawtransaction}. */
  public String toHex() {
    return transaction.toHex();
  }
}
