package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.InputVerifier;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OpReturnAnchor;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WalletTransactionFactoryTest {
  private final BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
  private final Address change = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
  private final Map<OutPoint, Utxo> coins = new HashMap<>();

  private final AnchorWallet wallet = new AnchorWallet() {
    @Override
    public List<Utxo> unspent() {
      return new ArrayList<>(coins.values());
    }

    @Override
    public Optional<TxOutput> output(OutPoint o) {
      return Optional.ofNullable(coins.get(o)).map(Utxo::toOutput);
    }
  };

  private void fund(int n, long sats) {
    for (int i = 0; i < n; i++) {
      OutPoint op = new OutPoint(Sha256.hash(new byte[] {(byte) i, (byte) n}), i);
      coins.put(op, new Utxo(op, sats, key.publicKey().p2wpkhScript()));
    }
  }

  private List<TxOutput> spent(Transaction tx) {
    List<TxOutput> out = new ArrayList<>();
    for (TxInput in : tx.inputs()) {
      out.add(coins.get(in.outPoint()).toOutput());
    }
    return out;
  }

  @Test
  void createsAndReplacesSignedAnchors() {
    fund(3, 20_000);
    WalletTransactionFactory f = new WalletTransactionFactory(key, change, wallet);
    Digest commitment = Sha256.hash(new byte[] {42});
    SignedTransaction first = f.create(commitment, 4);
    Transaction t1 = Transaction.parse(first.raw());
    assertEquals(first.txid(), t1.txid());
    assertEquals(Optional.of(commitment), OpReturnAnchor.find(t1));
    assertTrue(InputVerifier.verifyAllStandard(t1, spent(t1)));
    assertTrue(first.fee() >= 4 * t1.vsize());

    SignedTransaction second = f.replace(first, commitment, 9);
    Transaction t2 = Transaction.parse(second.raw());
    assertEquals(t1.inputs().stream().map(TxInput::outPoint).toList(), t2.inputs().stream().map(TxInput::outPoint).toList());
    assertTrue(second.fee() > first.fee());
    assertTrue(second.fee() >= 9 * t2.vsize());
    assertEquals(Optional.of(commitment), OpReturnAnchor.find(t2));
    assertTrue(InputVerifier.verifyAllStandard(t2, spent(t2)));
  }

  @Test
  void emptyWalletIsAnAnchorException() {
    WalletTransactionFactory f = new WalletTransactionFactory(key, change, wallet);
    assertThrows(AnchorException.class, () -> f.create(Sha256.hash(new byte[] {1}), 2));
    fund(1, 700);
    assertThrows(AnchorException.class, () -> f.create(Sha256.hash(new byte[] {1}), 50));
  }
}
