package io.medledger.anchor;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.AnchorTransaction;
import io.medledger.anchor.bitcoin.AnchorTransactionBuilder;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.FeeRate;
import io.medledger.anchor.bitcoin.InsufficientFundsException;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds anchoring transactions with {@link AnchorTransactionBuilder} from an {@link AnchorWallet}:
 * an OP_RETURN output with the commitment, change back to one address, replace-by-fee signalled.
 *
 * <p>Inputs are the wallet's oldest coins: the oldest alone if it pays, else the oldest two, and
 * so on. So any two transactions built from views of the wallet that share its oldest coin spend
 * that coin, conflict, and at most one of them can confirm: two anchorers that do not know of
 * each other's transaction cannot both spend. Every transaction keeps a change output, so the
 * wallet (listing its unspent outputs, unconfirmed included) shows the anchoring transaction in
 * flight to whoever takes over. Thread-safe if the wallet is.
 */
public final class WalletTransactionFactory implements AnchorTransactionFactory {
  /** Most coins one anchoring transaction spends. */
  public static final int MAX_INPUTS = 50;

  private final BitcoinPrivateKey key;
  private final Address changeAddress;
  private final AnchorWallet wallet;

  /** Creates a factory that signs with {@code key} and returns change to {@code changeAddress}. */
  public WalletTransactionFactory(BitcoinPrivateKey key, Address changeAddress, AnchorWallet wallet) {
    this.key = Objects.requireNonNull(key, "key");
    this.changeAddress = Objects.requireNonNull(changeAddress, "changeAddress");
    this.wallet = Objects.requireNonNull(wallet, "wallet");
  }

  @Override
  public SignedTransaction create(Digest commitment, long feeRate) {
    List<Utxo> coins = wallet.unspent();
    if (coins.isEmpty()) {
      throw new AnchorException("the anchoring wallet has no spendable outputs");
    }
    InsufficientFundsException last = null;
    for (int k = 1; k <= Math.min(coins.size(), MAX_INPUTS); k++) {
      try {
        AnchorTransaction tx = AnchorTransactionBuilder.create(key, changeAddress)
            .addUtxos(coins.subList(0, k))
            .feeRate(FeeRate.ofSatPerVbyte(feeRate))
            .buildSpendingAll(commitment);
        if (tx.changeOutput().isPresent()) {
          return signed(tx, feeRate);
        }
      } catch (InsufficientFundsException e) {
        last = e;
      }
    }
    throw new AnchorException("the anchoring wallet cannot fund a transaction with change from its oldest "
        + MAX_INPUTS + " coins" + (last == null ? "" : ": " + last.getMessage()), last);
  }

  @Override
  public SignedTransaction replace(SignedTransaction previous, Digest commitment, long feeRate) {
    Transaction prev = Transaction.parse(previous.raw());
    List<Utxo> spent = new ArrayList<>();
    for (TxInput in : prev.inputs()) {
      TxOutput out = wallet.output(in.outPoint()).orElseThrow(() -> new AnchorException(
          "cannot replace " + prev.txidHex() + ": the wallet does not know the output " + in.outPoint()));
      spent.add(new Utxo(in.outPoint(), out.value(), out.scriptPubKey()));
    }
    int changeIndex = -1;
    for (int i = 0; i < prev.outputs().size(); i++) {
      if (prev.outputs().get(i).scriptPubKey().equals(changeAddress.scriptPubKey())) {
        changeIndex = i;
      }
    }
    AnchorTransaction old = new AnchorTransaction(prev, spent, previous.fee(),
        FeeRate.ofSatPerVbyte(previous.feeRate()), commitment, changeAddress, changeIndex);
    try {
      AnchorTransaction bumped = AnchorTransactionBuilder.create(key, changeAddress)
          .bumpFee(old, FeeRate.ofSatPerVbyte(feeRate));
      if (bumped.changeOutput().isEmpty()) {
        throw new AnchorException("the fee bump would spend the change; fund the anchoring address");
      }
      return signed(bumped, feeRate);
    } catch (InsufficientFundsException e) {
      throw new AnchorException("the anchoring wallet cannot fund the fee bump: " + e.getMessage(), e);
    }
  }

  private static SignedTransaction signed(AnchorTransaction tx, long feeRate) {
    return new SignedTransaction(tx.transaction().txid(), tx.transaction().serialize(), feeRate, tx.fee());
  }

  @Override
  public String toString() {
    return "WalletTransactionFactory[change=" + changeAddress + "]";
  }
}
