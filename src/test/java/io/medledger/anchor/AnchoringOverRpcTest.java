package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.MerkleLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole anchoring path against a Bitcoin Core stand-in over real HTTP JSON-RPC: plan, sign,
 * broadcast, fee bump, confirm, reorganize, restart, finalize, and complete a receipt from the
 * node's gettxoutproof that verifies offline.
 */
class AnchoringOverRpcTest {
  @TempDir Path dir;

  @Test
  void anchorLifecycleThroughBitcoinCore() throws Exception {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    try (FakeBitcoinCore core = new FakeBitcoinCore(address.toString())) {
      for (int i = 0; i < 2; i++) {
        Transaction parent = new Transaction(2,
            List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {(byte) i}), 0), TxInput.SEQUENCE_FINAL)),
            List.of(new TxOutput(30_000 + i, key.publicKey().p2wpkhScript())), 0);
        core.fund(new Utxo(new OutPoint(parent.txid(), 0), 30_000 + i, key.publicKey().p2wpkhScript()), parent.serialize());
      }
      BitcoinRpcClient rpc = BitcoinRpcClient.builder(core.server.uri()).credentials("u", "p".toCharArray())
          .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(2)).build();
      BitcoinCoreBackend backend = new BitcoinCoreBackend(rpc, address, 2);
      AnchorerTest.ManualClock clock = new AnchorerTest.ManualClock();
      AnchorPolicy policy = new AnchorPolicy(1, null, 2, Duration.ofHours(1), Duration.ofMinutes(10), 1.5, 100);
      WalletTransactionFactory factory = new WalletTransactionFactory(key, address, backend);

      MerkleLog log = new MerkleLog();
      for (int i = 0; i < 9; i++) {
        log.append(("entry " + i).getBytes(StandardCharsets.UTF_8));
      }
      AnchorCommitment c = new AnchorCommitment(Sha256.hash(new byte[] {5}), 3, log.size(), log.root());
      Anchorer a = new Anchorer(policy, backend, factory, AnchorJournal.inDirectory(dir), clock);
      a.planIfDue(c).orElseThrow();

      assertInstanceOf(AnchorEvent.Sent.class, a.tick().get(0));
      assertEquals(1, core.mempool.size());
      assertInstanceOf(AnchorEvent.SeenInMempool.class, a.tick().get(0));

      clock.advance(Duration.ofHours(2));
      AnchorEvent.Sent bump = assertInstanceOf(AnchorEvent.Sent.class, a.tick().get(0));
      assertTrue(bump.feeBump());
      assertEquals(1, core.mempool.size(), "the replacement evicted the original");
      assertTrue(core.mempool.containsKey(bump.txid()));

      core.mine();
      assertInstanceOf(AnchorEvent.Confirmed.class, a.tick().get(0));
      core.dropTip();
      assertInstanceOf(AnchorEvent.Reorganized.class, a.tick().get(0));

      // restart from the journal, then the transaction is mined again and buried
      Anchorer b = new Anchorer(policy, backend, factory, AnchorJournal.inDirectory(dir), clock);
      core.mempool.put(bump.txid(), core.known.get(bump.txid()));
      core.mine();
      core.mine();
      List<AnchorEvent> ev = b.tick();
      AnchorEvent.Final fin = assertInstanceOf(AnchorEvent.Final.class, ev.get(ev.size() - 1));
      AnchorRecord.Confirmation where = fin.anchor().confirmation();
      assertEquals(bump.txid(), where.txid());

      AnchorReceipt pending = AnchorReceipt.pending("entry 4".getBytes(StandardCharsets.UTF_8), log.inclusionProof(4, log.size()), c);
      AnchorReceipt done = backend.complete(pending, where, "regtest");
      ReceiptVerdict v = done.verify(FileHeaderSource.of(core.headers()));
      ReceiptVerdict.Anchored an = assertInstanceOf(ReceiptVerdict.Anchored.class, v, v.toString());
      assertEquals(where.height(), an.height());
      // the node itself is also a header source
      assertTrue(done.verify(rpc).holds());

      core.down = true;
      AnchorEvent failed = failTick(policy, backend, factory, clock, c);
      assertInstanceOf(AnchorEvent.Failed.class, failed);
    }
  }

  @Test
  void theWalletShowsItsOwnAnchorInFlightAndNothingElse() throws Exception {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    try (FakeBitcoinCore core = new FakeBitcoinCore(address.toString())) {
      // a coin whose funding transaction carries an anchor output but spends nothing of ours: not our anchor
      Transaction foreign = new Transaction(2,
          List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {9}), 0), TxInput.SEQUENCE_FINAL)),
          List.of(new TxOutput(0, io.medledger.anchor.bitcoin.OpReturnAnchor.script(Sha256.hash(new byte[] {1}))),
              new TxOutput(40_000, key.publicKey().p2wpkhScript())), 0);
      core.fund(new Utxo(new OutPoint(foreign.txid(), 1), 40_000, key.publicKey().p2wpkhScript()), foreign.serialize());
      BitcoinRpcClient rpc = core.client();
      BitcoinCoreBackend backend = new BitcoinCoreBackend(rpc, address, 2);
      assertEquals(List.of(), backend.walletAnchors(), "a foreign transaction is not an anchor in flight");

      WalletTransactionFactory factory = new WalletTransactionFactory(key, address, backend);
      SignedTransaction tx = factory.create(Sha256.hash(new byte[] {2}), 3);
      backend.broadcast(tx.raw());
      List<BitcoinCoreBackend.WalletAnchor> seen = backend.walletAnchors();
      assertEquals(1, seen.size());
      assertEquals(Sha256.hash(new byte[] {2}), seen.get(0).commitment());
      assertEquals(tx.txid(), seen.get(0).transaction().txid());
      assertEquals(tx.fee(), seen.get(0).transaction().fee(), "the fee comes from the outputs it spends");
      assertEquals(0, seen.get(0).confirmations());
      assertEquals(List.of(), backend.unspent(), "the coin in flight is not spendable again");
      core.mine();
      assertEquals(1, backend.walletAnchors().get(0).confirmations());
      assertEquals(1, backend.unspent().size(), "the change is the next coin");
    }
  }

  @Test
  void anAnchorInFlightSpendingCoinsOfImpossibleValueIsNotTheWallets() throws Exception {
    // Its inputs' values overflowed in walletAnchors (ArithmeticException) or broke Utxo's range in
    // spentInFlight (IllegalArgumentException), out of WalletTransactionFactory.create and Anchorer.tick.
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    io.medledger.anchor.bitcoin.Script ours = key.publicKey().p2wpkhScript();
    try (FakeBitcoinCore core = new FakeBitcoinCore(address.toString())) {
      Transaction funding = new Transaction(2,
          List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {8}), 0), TxInput.SEQUENCE_FINAL)),
          List.of(new TxOutput(50_000, ours)), 0);
      core.fund(new Utxo(new OutPoint(funding.txid(), 0), 50_000, ours), funding.serialize());
      BitcoinRpcClient rpc = core.client();
      BitcoinCoreBackend backend = new BitcoinCoreBackend(rpc, address, 2);
      long[][] made = {{Long.MAX_VALUE}, {Long.MAX_VALUE / 2 + 1, Long.MAX_VALUE / 2 + 1}, {TxOutput.MAX_MONEY + 1}, {-5}};
      for (int m = 0; m < made.length; m++) {
        List<TxOutput> outs = new java.util.ArrayList<>();
        for (long v : made[m]) {
          outs.add(new TxOutput(v, ours));
        }
        List<TxInput> ins = new java.util.ArrayList<>();
        Transaction parent = new Transaction(2, List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {9, (byte) m}), 0),
            TxInput.SEQUENCE_FINAL)), outs, 0);
        for (int k = 0; k < outs.size(); k++) {
          ins.add(TxInput.unsigned(new OutPoint(parent.txid(), k), TxInput.SEQUENCE_FINAL));
        }
        Transaction madeUp = new Transaction(2, ins, List.of(
            new TxOutput(0, io.medledger.anchor.bitcoin.OpReturnAnchor.script(Sha256.hash(new byte[] {3, (byte) m}))),
            new TxOutput(1_000, ours)), 0);
        synchronized (core) {
          core.known.put(parent.txid(), parent.serialize());
          core.mempool.put(parent.txid(), parent.serialize());
          core.known.put(madeUp.txid(), madeUp.serialize());
          core.mempool.put(madeUp.txid(), madeUp.serialize());
        }
        assertEquals(List.of(), backend.walletAnchors(), "values " + java.util.Arrays.toString(made[m]));
        assertEquals(List.of(), backend.spentInFlight(), "values " + java.util.Arrays.toString(made[m]));
      }
      SignedTransaction tx = new WalletTransactionFactory(key, address, backend).create(Sha256.hash(new byte[] {4}), 3);
      assertEquals(funding.txid(), Transaction.parse(tx.raw()).inputs().get(0).outPoint().txid(), "the real coin is spent");
    }
  }

  @Test
  void aSecondAnchorerThatMissedTheFirstTransactionStillConflictsWithIt() throws Exception {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    try (FakeBitcoinCore core = new FakeBitcoinCore(address.toString())) {
      for (int i = 0; i < 3; i++) {
        Transaction parent = new Transaction(2,
            List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {(byte) i, 3}), 0), TxInput.SEQUENCE_FINAL)),
            List.of(new TxOutput(30_000 + i, key.publicKey().p2wpkhScript())), 0);
        core.fund(new Utxo(new OutPoint(parent.txid(), 0), 30_000 + i, key.publicKey().p2wpkhScript()), parent.serialize());
      }
      BitcoinRpcClient rpc = core.client();
      BitcoinCoreBackend backend = new BitcoinCoreBackend(rpc, address, 2);
      // two servers at a turn boundary: the first sends, the second builds without having adopted it
      SignedTransaction first = new WalletTransactionFactory(key, address, backend).create(Sha256.hash(new byte[] {1}), 3);
      backend.broadcast(first.raw());
      SignedTransaction second = new WalletTransactionFactory(key, address, backend).create(Sha256.hash(new byte[] {2}), 5);
      OutPoint spent = Transaction.parse(first.raw()).inputs().get(0).outPoint();
      assertTrue(Transaction.parse(second.raw()).inputs().stream().anyMatch(in -> in.outPoint().equals(spent)),
          "the wallet no longer lists the coin the first spends, yet the second spends it too");
      backend.broadcast(second.raw());
      assertEquals(0, core.doubleSpends(), core.log()::toString);
      assertEquals(List.of(second.txid()), core.mempoolTxids(), "the second replaced the first");
    }
  }

  private static AnchorEvent failTick(AnchorPolicy policy, BitcoinCoreBackend backend, WalletTransactionFactory f,
      AnchorerTest.ManualClock clock, AnchorCommitment c) {
    Anchorer x = new Anchorer(policy, backend, f, AnchorJournal.inMemory(), clock);
    x.plan(new AnchorCommitment(c.chainId(), c.height() + 1, c.logSize(), c.logRoot()));
    return x.tick().get(0);
  }
}
