package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorWallet;
import io.medledger.anchor.BitcoinCoreBackend;
import io.medledger.anchor.WalletTransactionFactory;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.crypto.Sha256;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegtestChainTest {
  @Test
  void startsAtCoreRegtestGenesisAndConfirmsAboveIt() {
    RegtestChain c = new RegtestChain(new SecureRandom());
    assertEquals(BitcoinChainParams.REGTEST.genesisHash(), c.headerAt(0).orElseThrow().hash());
    RegtestChain.Confirmation one = c.confirm(new AnchorCommitment(Sha256.hash(new byte[] {1}), 1, 1, Sha256.hash(new byte[] {2})));
    assertEquals(1, one.bitcoin().height());
    assertEquals(c.headerAt(0).orElseThrow().hash(), one.header().previousBlockHash());
    assertTrue(one.header().checkProofOfWork(BitcoinChainParams.REGTEST));
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A wallet of {@code key} that sees the chain's confirmed coins as they were when it was made. */
  private static WalletTransactionFactory walletSnapshot(RegtestChain c, BitcoinPrivateKey key) {
    Address a = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    List<Utxo> coins = c.unspent(a.scriptPubKey(), 1).stream().map(RegtestChain.Coin::utxo).toList();
    return new WalletTransactionFactory(key, a, new AnchorWallet() {
      @Override
      public List<Utxo> unspent() {
        return coins;
      }

      @Override
      public Optional<TxOutput> output(OutPoint o) {
        return c.transaction(o.txid()).map(k -> k.transaction().outputs().get((int) o.index()));
      }
    });
  }

  @Test
  void aFundedWalletAnchorsAndADoubleSpendIsRefused() {
    RegtestChain c = new RegtestChain(RANDOM);
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM);
    List<Utxo> funded = c.fund(key.publicKey().p2wpkhScript(), 3, 100_000);
    assertEquals(3, c.unspent(key.publicKey().p2wpkhScript(), 1).size());
    WalletTransactionFactory before = walletSnapshot(c, key);

    byte[] first = before.create(Sha256.hash(new byte[] {1}), 2).raw();
    RegtestChain.Accepted ok = assertInstanceOf(RegtestChain.Accepted.class, c.submit(first));
    assertEquals(List.of(ok.txid()), c.mempool());
    assertEquals(funded.get(0).outPoint(), Transaction.parse(first).inputs().get(0).outPoint(), "the oldest coin");

    // the same coin again at the same fee: a double spend, refused
    byte[] same = before.create(Sha256.hash(new byte[] {2}), 2).raw();
    RegtestChain.Refused r = assertInstanceOf(RegtestChain.Refused.class, c.submit(same));
    assertEquals(RegtestChain.Refusal.INSUFFICIENT_FEE, r.reason(), r.message());
    assertEquals(List.of(ok.txid()), c.mempool());

    // a fee bump replaces it
    byte[] bump = before.create(Sha256.hash(new byte[] {2}), 4).raw();
    RegtestChain.Accepted replaced = assertInstanceOf(RegtestChain.Accepted.class, c.submit(bump));
    assertEquals(List.of(ok.txid()), replaced.replaced());
    c.mine(key.publicKey().p2wpkhScript());
    assertTrue(c.mempool().isEmpty());
    assertEquals(2, c.transaction(replaced.txid()).orElseThrow().height().orElseThrow());

    // once mined, the first spend is refused for good, and the mined one is known
    assertEquals(RegtestChain.Refusal.MISSING_OR_SPENT, ((RegtestChain.Refused) c.submit(first)).reason());
    assertEquals(RegtestChain.Refusal.ALREADY_MINED, ((RegtestChain.Refused) c.submit(bump)).reason());
    // the proof that gettxoutproof serves leads to the block's header
    byte[] proof = c.txOutProof(replaced.txid()).orElseThrow();
    assertEquals(c.headerAt(2).orElseThrow().merkleRoot(),
        BitcoinCoreBackend.branchFromMerkleBlock(proof, replaced.txid()).orElseThrow().computeRoot());
  }

  @Test
  void aSpendSignedByAnotherKeyOrCreatingValueIsRefused() {
    RegtestChain c = new RegtestChain(RANDOM);
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM);
    BitcoinPrivateKey thief = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM);
    Utxo coin = c.fund(key.publicKey().p2wpkhScript(), 1, 100_000).get(0);
    // the thief's wallet claims the coin pays its script: the signature does not match the real output
    Address ta = Address.fromScript(thief.publicKey().p2wpkhScript(), Network.REGTEST);
    Utxo claimed = new Utxo(coin.outPoint(), coin.value(), thief.publicKey().p2wpkhScript());
    byte[] stolen = new WalletTransactionFactory(thief, ta, new AnchorWallet() {
      @Override
      public List<Utxo> unspent() {
        return List.of(claimed);
      }

      @Override
      public Optional<TxOutput> output(OutPoint o) {
        return Optional.of(claimed.toOutput());
      }
    }).create(Sha256.hash(new byte[] {3}), 2).raw();
    RegtestChain.Refused r = assertInstanceOf(RegtestChain.Refused.class, c.submit(stolen));
    assertEquals(RegtestChain.Refusal.INVALID, r.reason(), r.message());
    // an output that does not exist
    Utxo ghost = new Utxo(new OutPoint(Sha256.hash(new byte[] {9}), 0), 100_000, key.publicKey().p2wpkhScript());
    byte[] fromNothing = new WalletTransactionFactory(key, Address.fromScript(key.publicKey().p2wpkhScript(),
        Network.REGTEST), new AnchorWallet() {
          @Override
          public List<Utxo> unspent() {
            return List.of(ghost);
          }

          @Override
          public Optional<TxOutput> output(OutPoint o) {
            return Optional.of(ghost.toOutput());
          }
        }).create(Sha256.hash(new byte[] {4}), 2).raw();
    assertEquals(RegtestChain.Refusal.MISSING_OR_SPENT, ((RegtestChain.Refused) c.submit(fromNothing)).reason());
    assertEquals(RegtestChain.Refusal.MALFORMED, ((RegtestChain.Refused) c.submit(new byte[] {1, 2, 3})).reason());
    assertTrue(c.mempool().isEmpty());
  }
}
