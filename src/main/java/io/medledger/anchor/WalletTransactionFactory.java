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
 * an OP_RETURN output with the commitment, inputs chosen by the builder, change back to one
 * address, replace-by-fee signalled. Thread-safe if the wallet is.
 */
public final class WalletTransactionFactory implements AnchorTransactionFactory {
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
    try {
      AnchorTransaction tx = AnchorTransactionBuilder.create(key, changeAddress)
          .addUtxos(coins)
          .feeRate(FeeRate.ofSatPerVbyte(feeRate))
          .build(commitment);
      return signed(tx, feeRate);
    } catch (InsufficientFundsException e) {
      throw new AnchorException("the anchoring wallet cannot fund a transaction: " + e.getMessage(), e);
    }
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
