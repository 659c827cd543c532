package io.medledger.anchor;

import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import java.util.List;
import java.util.Optional;

/**
 * The coins an anchorer may spend: the unspent outputs of its key, and a look-up of any output it
 * spent before (needed to replace a transaction by fee after a restart). Implementations say
 * their thread safety.
 */
public interface AnchorWallet {
  /**
   * The confirmed spendable outputs now, oldest first (by depth, then outpoint), without those
   * that a transaction in flight spends.
   *
   * @throws AnchorException if the wallet cannot be asked
   */
  List<Utxo> unspent();

  /**
   * The output at {@code outPoint}, spent or not, if known.
   *
   * @throws AnchorException if the wallet cannot be asked
   */
  Optional<TxOutput> output(OutPoint outPoint);
}
