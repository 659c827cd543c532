package io.medledger.federation;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorWallet;
import io.medledger.anchor.SignedTransaction;
import io.medledger.anchor.WalletTransactionFactory;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.HeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.crypto.Digest;
import io.medledger.anchor.bitcoin.InputVerification;
import io.medledger.anchor.bitcoin.InputVerifier;
import io.medledger.anchor.bitcoin.Script;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.merkle.MerkleBlock;
import io.medledger.merkle.BitcoinMerkle;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A private, in-process Bitcoin regtest chain for demos and tests without a network. It mines its
 * own blocks (real proof of work at regtest difficulty, headers linked by hash, a real coinbase
 * transaction first) and serves its headers as a {@link HeaderSource}, so receipts verify offline
 * exactly as against Bitcoin Core. Nothing here is a mainnet or testnet confirmation.
 *
 * <p>Two ways to anchor into it:
 * <ul>
 *   <li>{@link #confirm}: the chain builds and signs an anchor transaction (OP_RETURN commitment,
 *       P2WPKH input, change) with {@link WalletTransactionFactory} from a coin it makes for the
 *       purpose, and mines a block around it: the in-process pilot.
 *   <li>{@link #fund}, {@link #submit} and {@link #mine}: a wallet funded by a coinbase sends its own
 *       transactions, which the chain's mempool accepts by Bitcoin's rules for the outputs it
 *       knows (inputs unspent, standard P2PKH, P2WPKH and P2TR key-path signatures verified, no
 *       value created, replace-by-fee only for a higher fee), and mines them: what the Bitcoin Core
 *       stand-in of {@code medledger regtest run} serves over JSON-RPC.
 * </ul>
 * Simplifications, all in the direction of a quicker demo: no coinbase maturity, no subsidy
 * schedule, no lock times, no package or ancestor limits; the whole chain is in memory.
 *
 * <p>Thread-safe (synchronized).
 */
public final class RegtestChain implements HeaderSource {
  private static final long FUNDING = 100_000;
  /** The coinbase value of a block mined by {@link #mine}, as in the first regtest halving period. */
  public static final long BLOCK_REWARD = 50 * 100_000_000L;
  /** Most transactions accepted into the mempool. */
  public static final int MAX_MEMPOOL = 1_000;
  /** Most blocks; a demo chain that grows past it refuses to mine. */
  public static final int MAX_BLOCKS = 100_000;
  private final SecureRandom random;
  private final BitcoinPrivateKey key;
  private final Address change;
  private final List<BitcoinBlockHeader> headers = new ArrayList<>();
  /** The txids of each block, coinbase first (the genesis block's is Bitcoin's). */
  private final List<List<Digest>> blockTxids = new ArrayList<>();
  /** Every transaction mined or in the mempool, by txid. */
  private final Map<Digest, Transaction> transactions = new HashMap<>();
  /** The height of each mined transaction. */
  private final Map<Digest, Long> minedAt = new HashMap<>();
  /** The unspent outputs of the chain (not of the mempool), in creation order. */
  private final Map<OutPoint, TxOutput> unspent = new LinkedHashMap<>();
  /** The mempool, in acceptance order (parents before children). */
  private final Map<Digest, Transaction> mempool = new LinkedHashMap<>();
  private long time = 1_780_000_000L;

  /**
   * One anchor transaction confirmed in a mined block.
   *
   * @param txid the anchor transaction id
   * @param bitcoin where it confirmed, for {@link AnchorReceipt#complete}
   * @param header the mined block header
   */
  public record Confirmation(Digest txid, AnchorReceipt.BitcoinPart bitcoin, BitcoinBlockHeader header) {
    /** Checks that no required component is null. */
    public Confirmation {
      java.util.Objects.requireNonNull(txid, "txid");
      java.util.Objects.requireNonNull(bitcoin, "bitcoin");
      java.util.Objects.requireNonNull(header, "header");
    }
  }

  /**
   * A transaction the chain knows.
   *
   * @param transaction the transaction
   * @param height the height of its block, empty while it is in the mempool
   */
  public record Known(Transaction transaction, OptionalLong height) {
    /** Checks for nulls. */
    public Known {
      java.util.Objects.requireNonNull(transaction, "transaction");
      java.util.Objects.requireNonNull(height, "height");
    }
  }

  /**
   * An unspent output, as a wallet lists it.
   *
   * @param utxo the output
   * @param confirmations the depth of the transaction that made it, 0 in the mempool
   */
  public record Coin(Utxo utxo, long confirmations) {
    /** Checks that no required component is null. */
    public Coin {
      java.util.Objects.requireNonNull(utxo, "utxo");
    }
  }

  /** What the mempool did with a transaction ({@link #submit}). */
  public sealed interface Acceptance {}

  /**
   * Accepted (or already in the mempool).
   *
   * @param txid its txid
   * @param replaced the mempool transactions it replaced, with their descendants
   */
  public record Accepted(Digest txid, List<Digest> replaced) implements Acceptance {
    /** Copies the list. */
    public Accepted {
      replaced = List.copyOf(replaced);
    }
  }

  /**
   * Refused.
   *
   * @param reason the rule it broke
   * @param message Bitcoin Core's reject reason where there is one
   */
  public record Refused(Refusal reason, String message) implements Acceptance {
    /** Checks that no required component is null. */
    public Refused {
      java.util.Objects.requireNonNull(reason, "reason");
      java.util.Objects.requireNonNull(message, "message");
    }
  }

  /** Why a transaction was refused. */
  public enum Refusal {
    /** The bytes are not a transaction. */
    MALFORMED,
    /** The transaction is already in a block. */
    ALREADY_MINED,
    /** An input spends an output that does not exist or that a block already spends. */
    MISSING_OR_SPENT,
    /** It breaks a consensus or standardness rule (a bad signature, value created, a coinbase). */
    INVALID,
    /** It conflicts with mempool transactions and does not pay more than they do, or the mempool is full. */
    INSUFFICIENT_FEE
  }

  /** A chain with a fresh regtest key drawn from {@code random}. */
  public RegtestChain(SecureRandom random) {
    this.random = random;
    this.key = BitcoinPrivateKey.generate(Network.REGTEST, random);
    this.change = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    // Bitcoin Core's regtest genesis block; anchors confirm from height 1 on.
    Digest genesisCoinbase = Digest.fromHex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b").reversed();
    headers.add(BitcoinBlockHeader.of(1, Digest.of(new byte[32]), genesisCoinbase, 1_296_688_602L, 0x207fffff, 2));
    blockTxids.add(List.of(genesisCoinbase));
  }

  /** Builds and signs an anchor transaction for {@code commitment} and mines a block around it. */
  public synchronized Confirmation confirm(AnchorCommitment commitment) {
    byte[] op = new byte[32];
    random.nextBytes(op);
    Utxo coin = new Utxo(new OutPoint(Digest.of(op), 0), FUNDING, key.publicKey().p2wpkhScript());
    AnchorWallet wallet = new AnchorWallet() {
      @Override
      public List<Utxo> unspent() {
        return List.of(coin);
      }

      @Override
      public Optional<TxOutput> output(OutPoint o) {
        return o.equals(coin.outPoint()) ? Optional.of(coin.toOutput()) : Optional.empty();
      }
    };
    SignedTransaction signed = new WalletTransactionFactory(key, change, wallet).create(commitment.digest(), 2);
    Transaction tx = Transaction.parse(signed.raw());
    long height = headers.size();
    BitcoinBlockHeader h = mineBlock(coinbase(height, List.of(new TxOutput(0, change.scriptPubKey()))), List.of(tx));
    AnchorReceipt.BitcoinPart part = new AnchorReceipt.BitcoinPart("regtest", tx.serializeWithoutWitness(),
        MerkleBranch.fromTxids(blockTxids.get((int) height), 1), height);
    return new Confirmation(tx.txid(), part, h);
  }

  /**
   * Mines a block whose coinbase pays {@code coins} outputs of {@code sats} each to {@code script}:
   * a wallet's funding. Returns the new outputs, oldest first.
   *
   * @throws IllegalArgumentException if the amounts are out of range
   */
  public synchronized List<Utxo> fund(Script script, int coins, long sats) {
    if (coins < 1 || coins > 1000 || sats < 1 || sats > TxOutput.MAX_MONEY / coins) {
      throw new IllegalArgumentException("fund 1..1000 coins of at most " + TxOutput.MAX_MONEY / Math.max(1, coins) + " sat");
    }
    List<TxOutput> outs = new ArrayList<>();
    for (int i = 0; i < coins; i++) {
      outs.add(new TxOutput(sats, script));
    }
    Transaction cb = coinbase(headers.size(), outs);
    mineBlock(cb, List.of());
    List<Utxo> out = new ArrayList<>();
    for (int i = 0; i < coins; i++) {
      out.add(new Utxo(new OutPoint(cb.txid(), i), sats, script));
    }
    return out;
  }

  /**
   * Offers a transaction to the mempool, as {@code sendrawtransaction} does: accepted if every
   * input spends an output of the chain or the mempool that no block spends, its signature
   * verifies, it creates no value and, when it conflicts with mempool transactions, it pays more
   * than them by at least 1 sat/vB of its size (they are then evicted with their descendants).
   */
  public synchronized Acceptance submit(byte[] raw) {
    Transaction tx;
    try {
      tx = Transaction.parse(raw);
    } catch (MalformedEncodingException | IllegalArgumentException e) {
      return new Refused(Refusal.MALFORMED, "TX decode failed");
    }
    Digest txid = tx.txid();
    if (minedAt.containsKey(txid)) {
      return new Refused(Refusal.ALREADY_MINED, "Transaction already in block chain");
    }
    if (mempool.containsKey(txid)) {
      return new Accepted(txid, List.of());
    }
    Optional<String> insane = tx.checkSanity();
    if (insane.isPresent()) {
      return new Refused(Refusal.INVALID, insane.get());
    }
    if (tx.isCoinbase()) {
      return new Refused(Refusal.INVALID, "coinbase");
    }
    List<TxOutput> spent = new ArrayList<>();
    for (TxInput in : tx.inputs()) {
      TxOutput o = unspent.get(in.outPoint());
      if (o == null) {
        Transaction parent = mempool.get(in.outPoint().txid());
        if (parent == null || in.outPoint().index() >= parent.outputs().size()) {
          return new Refused(Refusal.MISSING_OR_SPENT, "bad-txns-inputs-missingorspent");
        }
        o = parent.outputs().get((int) in.outPoint().index());
      }
      spent.add(o);
    }
    for (int i = 0; i < tx.inputs().size(); i++) {
      InputVerification v = InputVerifier.verifyStandard(tx, i, spent);
      if (!v.isValid()) {
        return new Refused(Refusal.INVALID, "mandatory-script-verify-flag-failed (" + v.reason() + ")");
      }
    }
    long fee = tx.fee(spent);
    if (fee < 0) {
      return new Refused(Refusal.INVALID, "bad-txns-in-belowout");
    }
    if (fee < tx.vsize()) {
      return new Refused(Refusal.INSUFFICIENT_FEE, "min relay fee not met, " + fee + " < " + tx.vsize());
    }
    Set<Digest> evicted = new LinkedHashSet<>();
    for (Map.Entry<Digest, Transaction> e : mempool.entrySet()) {
      if (e.getValue().conflictsWith(tx)) {
        evicted.add(e.getKey());
      }
    }
    if (evicted.stream().anyMatch(d -> spendsFrom(tx, d))) {
      return new Refused(Refusal.INVALID, "bad-txns-spends-conflicting-tx");
    }
    descendants(evicted);
    long evictedFees = 0;
    for (Digest d : evicted) {
      evictedFees += mempoolFee(mempool.get(d));
    }
    if (!evicted.isEmpty() && fee < evictedFees + tx.vsize()) {
      return new Refused(Refusal.INSUFFICIENT_FEE, "insufficient fee, rejecting replacement " + tx.txidHex()
          + "; new fee " + fee + " < old fees " + evictedFees + " + " + tx.vsize());
    }
    if (evicted.isEmpty() && mempool.size() >= MAX_MEMPOOL) {
      return new Refused(Refusal.INSUFFICIENT_FEE, "mempool full");
    }
    evicted.forEach(d -> {
      mempool.remove(d);
      transactions.remove(d);
    });
    mempool.put(txid, tx);
    transactions.put(txid, tx);
    return new Accepted(txid, List.copyOf(evicted));
  }

  private static boolean spendsFrom(Transaction tx, Digest parent) {
    return tx.inputs().stream().anyMatch(i -> i.outPoint().txid().equals(parent));
  }

  /** Adds to {@code set} every mempool transaction that spends from one in it. */
  private void descendants(Set<Digest> set) {
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Map.Entry<Digest, Transaction> e : mempool.entrySet()) {
        if (!set.contains(e.getKey()) && set.stream().anyMatch(d -> spendsFrom(e.getValue(), d))) {
          set.add(e.getKey());
          grew = true;
        }
      }
    }
  }

  private long mempoolFee(Transaction tx) {
    long in = 0;
    for (TxInput i : tx.inputs()) {
      TxOutput o = unspent.get(i.outPoint());
      if (o == null) {
        o = mempool.get(i.outPoint().txid()).outputs().get((int) i.outPoint().index());
      }
      in += o.value();
    }
    return in - tx.outputValue();
  }

  /**
   * Mines every mempool transaction into a new block whose coinbase pays {@link #BLOCK_REWARD} to
   * {@code payTo}; returns the block's header.
   *
   * @throws IllegalStateException if the chain has {@link #MAX_BLOCKS} blocks
   */
  public synchronized BitcoinBlockHeader mine(Script payTo) {
    List<Transaction> txs = new ArrayList<>(mempool.values());
    return mineBlock(coinbase(headers.size(), List.of(new TxOutput(BLOCK_REWARD, payTo))), txs);
  }

  private Transaction coinbase(long height, List<TxOutput> outputs) {
    byte[] h = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(height).array();
    byte[] nonce = new byte[8];
    random.nextBytes(nonce);
    TxInput in = new TxInput(new OutPoint(Digest.of(new byte[32]), OutPoint.NULL_INDEX),
        Script.ofPushes(java.util.Arrays.copyOf(h, 4), nonce), TxInput.SEQUENCE_FINAL, io.medledger.anchor.bitcoin.WitnessStack.EMPTY);
    return new Transaction(2, List.of(in), outputs, 0);
  }

  private BitcoinBlockHeader mineBlock(Transaction coinbase, List<Transaction> txs) {
    if (headers.size() >= MAX_BLOCKS) {
      throw new IllegalStateException("the regtest chain has " + MAX_BLOCKS + " blocks; start a new one");
    }
    long height = headers.size();
    List<Transaction> all = new ArrayList<>();
    all.add(coinbase);
    all.addAll(txs);
    List<Digest> txids = all.stream().map(Transaction::txid).toList();
    Digest prev = headers.get(headers.size() - 1).hash();
    BitcoinBlockHeader h;
    for (long nonce = 0; ; nonce++) {
      h = BitcoinBlockHeader.of(0x20000000, prev, BitcoinMerkle.root(txids), time, 0x207fffff, nonce);
      if (h.checkProofOfWork(BitcoinChainParams.REGTEST)) {
        break;
      }
    }
    for (Transaction t : all) {
      Digest id = t.txid();
      mempool.remove(id);
      transactions.put(id, t);
      minedAt.put(id, height);
      if (!t.isCoinbase()) {
        t.inputs().forEach(i -> unspent.remove(i.outPoint()));
      }
      for (int i = 0; i < t.outputs().size(); i++) {
        if (t.outputs().get(i).scriptPubKey().type() != io.medledger.anchor.bitcoin.ScriptType.OP_RETURN) {
          unspent.put(new OutPoint(id, i), t.outputs().get(i));
        }
      }
    }
    headers.add(h);
    blockTxids.add(List.copyOf(txids));
    time += 600;
    return h;
  }

  /** The transactions in the mempool, in acceptance order. */
  public synchronized List<Digest> mempool() {
    return List.copyOf(mempool.keySet());
  }

  /** A mined or mempool transaction, if the chain knows it. */
  public synchronized Optional<Known> transaction(Digest txid) {
    Transaction t = transactions.get(txid);
    if (t == null) {
      return Optional.empty();
    }
    Long h = minedAt.get(txid);
    return Optional.of(new Known(t, h == null ? OptionalLong.empty() : OptionalLong.of(h)));
  }

  /** The txids of the block at {@code height}, coinbase first; empty above the tip. */
  public synchronized List<Digest> blockTransactions(long height) {
    return height >= 0 && height < blockTxids.size() ? blockTxids.get((int) height) : List.of();
  }

  /**
   * The outputs paying {@code script} that nothing spends, oldest first, with at least
   * {@code minConfirmations} confirmations (0 includes the mempool's, and leaves out outputs a
   * mempool transaction spends), as {@code listunspent} lists a wallet's.
   */
  public synchronized List<Coin> unspent(Script script, int minConfirmations) {
    Set<OutPoint> spentInMempool = new HashSet<>();
    mempool.values().forEach(t -> t.inputs().forEach(i -> spentInMempool.add(i.outPoint())));
    List<Coin> out = new ArrayList<>();
    for (Map.Entry<OutPoint, TxOutput> e : unspent.entrySet()) {
      if (e.getValue().scriptPubKey().equals(script) && !spentInMempool.contains(e.getKey())) {
        long conf = headers.size() - minedAt.get(e.getKey().txid());
        if (conf >= minConfirmations) {
          out.add(new Coin(new Utxo(e.getKey(), e.getValue().value(), script), conf));
        }
      }
    }
    if (minConfirmations <= 0) {
      for (Transaction t : mempool.values()) {
        for (int i = 0; i < t.outputs().size(); i++) {
          OutPoint o = new OutPoint(t.txid(), i);
          if (t.outputs().get(i).scriptPubKey().equals(script) && !spentInMempool.contains(o)) {
            out.add(new Coin(new Utxo(o, t.outputs().get(i).value(), script), 0));
          }
        }
      }
    }
    return out;
  }

  /** The BIP 37 {@code merkleblock} proving a mined transaction, as {@code gettxoutproof} returns it. */
  public synchronized Optional<byte[]> txOutProof(Digest txid) {
    Long h = minedAt.get(txid);
    if (h == null) {
      return Optional.empty();
    }
    List<Digest> txids = blockTxids.get(h.intValue());
    return Optional.of(MerkleBlock.of(headers.get(h.intValue()).serialize(), txids, txids.indexOf(txid)).encode());
  }

  @Override
  public synchronized Optional<BitcoinBlockHeader> headerAt(long height) {
    return height >= 0 && height < headers.size() ? Optional.of(headers.get((int) height)) : Optional.empty();
  }

  @Override
  public synchronized Optional<HeightAndHeader> headerByHash(Digest blockHash) {
    for (int i = 0; i < headers.size(); i++) {
      if (headers.get(i).hash().equals(blockHash)) {
        return Optional.of(new HeightAndHeader(i, headers.get(i)));
      }
    }
    return Optional.empty();
  }

  @Override
  public synchronized OptionalLong bestHeight() {
    return headers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(headers.size() - 1);
  }

  @Override
  public String toString() {
    return "RegtestChain[" + headers.size() + " blocks]";
  }
}
