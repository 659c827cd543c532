package io.medledger.anchor;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.BitcoinRpcException;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Script;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.merkle.MerkleBlock;
import io.medledger.merkle.PartialMerkleTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The anchorer's Bitcoin network and wallet through a Bitcoin Core node's JSON-RPC interface.
 * Looking up arbitrary transactions needs the node's {@code -txindex} (or the transactions in its
 * wallet); unspent outputs come from {@code listunspent} for the anchoring address. Thread-safe.
 */
public final class BitcoinCoreBackend implements BitcoinPort, AnchorWallet {
  /** Core's "transaction already in block chain" error. */
  private static final int RPC_VERIFY_ALREADY_IN_CHAIN = -27;
  /** Core's "no such mempool or blockchain transaction" error. */
  private static final int RPC_INVALID_ADDRESS_OR_KEY = -5;

  /** Most unspent outputs of the anchoring address examined per call. */
  public static final int MAX_LISTED = 1000;

  private final BitcoinRpcClient rpc;
  private final Address address;
  private final long fallbackFeeRate;

  /**
   * A backend over {@code rpc} spending the outputs of {@code address}; {@code fallbackFeeRate}
   * (sat/vB) is used when the node has no fee estimate (a fresh regtest or signet node).
   */
  public BitcoinCoreBackend(BitcoinRpcClient rpc, Address address, long fallbackFeeRate) {
    this.rpc = Objects.requireNonNull(rpc, "rpc");
    this.address = Objects.requireNonNull(address, "address");
    if (fallbackFeeRate < 1) {
      throw new IllegalArgumentException("fallbackFeeRate must be at least 1 sat/vB");
    }
    this.fallbackFeeRate = fallbackFeeRate;
  }

  @Override
  public TxObservation observe(Digest txid) {
    try {
      BitcoinRpcClient.RawTransaction t = rpc.getRawTransaction(txid);
      if (t.blockHash().isEmpty() || t.confirmations() < 1) {
        return new TxObservation.InMempool();
      }
      long height = rpc.getBlockHeaderInfo(t.blockHash().get()).height();
      return new TxObservation.Confirmed(t.blockHash().get(), height, (int) Math.min(Integer.MAX_VALUE, t.confirmations()));
    } catch (BitcoinRpcException e) {
      if (e.kind() == BitcoinRpcException.Kind.RPC_ERROR && e.code() == RPC_INVALID_ADDRESS_OR_KEY) {
        return new TxObservation.Unknown();
      }
      throw new AnchorException("bitcoin node: " + e.getMessage(), e);
    }
  }

  @Override
  public void broadcast(byte[] rawTransaction) {
    try {
      rpc.sendRawTransaction(rawTransaction);
    } catch (BitcoinRpcException e) {
      boolean known = e.kind() == BitcoinRpcException.Kind.RPC_ERROR
          && (e.code() == RPC_VERIFY_ALREADY_IN_CHAIN || String.valueOf(e.getMessage()).contains("already"));
      if (!known) {
        throw new AnchorException("bitcoin node refused the transaction: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public long feeRate() {
    try {
      return rpc.estimateSmartFee(6).satPerVByteCeil().orElse(fallbackFeeRate);
    } catch (BitcoinRpcException e) {
      throw new AnchorException("bitcoin node: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Utxo> unspent() {
    List<BitcoinRpcClient.UnspentOutput> listed = new ArrayList<>(listed(1));
    listed.sort(java.util.Comparator.comparingLong(BitcoinRpcClient.UnspentOutput::confirmations).reversed()
        .thenComparing(u -> u.txid().toHex()).thenComparingInt(BitcoinRpcClient.UnspentOutput::vout));
    List<Utxo> out = new ArrayList<>();
    for (BitcoinRpcClient.UnspentOutput u : listed) {
      if (u.spendable() || u.safe()) {
        out.add(new Utxo(new OutPoint(u.txid(), u.vout()), u.amountSats(), Script.of(u.scriptPubKey())));
      }
    }
    return out;
  }

  /** The anchoring address's outputs with at least {@code minConf} confirmations, checked and bounded. */
  private List<BitcoinRpcClient.UnspentOutput> listed(int minConf) {
    try {
      List<BitcoinRpcClient.UnspentOutput> out = new ArrayList<>();
      byte[] ours = address.scriptPubKey().toByteArray();
      for (BitcoinRpcClient.UnspentOutput u : rpc.listUnspent(minConf, 9_999_999, List.of(address.toString()))) {
        if (u.confirmations() < minConf || u.amountSats() <= 0 || u.amountSats() > io.medledger.anchor.bitcoin.TxOutput.MAX_MONEY
            || !java.util.Arrays.equals(u.scriptPubKey(), ours)) {
          continue; // not an output of the anchoring address as asked: a confused or hostile node
        }
        if (out.size() == MAX_LISTED) {
          break;
        }
        out.add(u);
      }
      return out;
    } catch (BitcoinRpcException e) {
      throw new AnchorException("bitcoin node: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Utxo> spentInFlight() {
    List<Utxo> out = new ArrayList<>();
    for (WalletAnchor w : walletAnchors()) {
      if (w.confirmations() > 0) {
        continue;
      }
      for (io.medledger.anchor.bitcoin.TxInput i : Transaction.parse(w.transaction().raw()).inputs()) {
        output(i.outPoint()).filter(BitcoinCoreBackend::isCoin)
            .ifPresent(o -> out.add(new Utxo(i.outPoint(), o.value(), o.scriptPubKey())));
      }
    }
    return out;
  }

  /**
   * An anchoring transaction of this wallet that the node knows: in its mempool or in the chain,
   * with its change output still unspent.
   *
   * @param commitment the commitment it carries
   * @param transaction the transaction, its fee and fee rate computed from the outputs it spends
   * @param confirmations its depth, 0 in the mempool
   */
  public record WalletAnchor(Digest commitment, SignedTransaction transaction, long confirmations) {
    /** Checks for nulls. */
    public WalletAnchor {
      Objects.requireNonNull(commitment, "commitment");
      Objects.requireNonNull(transaction, "transaction");
    }
  }

  /**
   * The anchoring transactions whose change the wallet still holds, confirmed or not: what another
   * anchorer sent and may still be in flight. Only transactions that carry a MedLedger anchor
   * output and spend nothing but this address's coins are returned; at most {@link #MAX_LISTED}
   * outputs are examined.
   *
   * @throws AnchorException if the node cannot be asked
   */
  public List<WalletAnchor> walletAnchors() {
    List<WalletAnchor> out = new ArrayList<>();
    java.util.Set<Digest> seen = new java.util.HashSet<>();
    for (BitcoinRpcClient.UnspentOutput u : listed(0)) {
      if (!seen.add(u.txid())) {
        continue;
      }
      Transaction tx;
      try {
        tx = Transaction.parse(rpc.getRawTransactionBytes(u.txid()));
      } catch (BitcoinRpcException e) {
        if (e.kind() == BitcoinRpcException.Kind.RPC_ERROR && e.code() == RPC_INVALID_ADDRESS_OR_KEY) {
          continue; // gone between the two calls
        }
        throw new AnchorException("bitcoin node: " + e.getMessage(), e);
      } catch (MalformedEncodingException e) {
        continue; // not a transaction: ignore what the node made up
      }
      Optional<Digest> commitment = io.medledger.anchor.bitcoin.OpReturnAnchor.find(tx);
      if (commitment.isEmpty() || !tx.txid().equals(u.txid()) || tx.checkSanity().isPresent()) {
        continue;
      }
      long in = 0;
      boolean ours = true;
      for (io.medledger.anchor.bitcoin.TxInput i : tx.inputs()) {
        Optional<TxOutput> spent = output(i.outPoint()).filter(BitcoinCoreBackend::isCoin);
        if (spent.isEmpty() || !spent.get().scriptPubKey().equals(address.scriptPubKey())) {
          ours = false;
          break;
        }
        in += spent.get().value();
        if (in > TxOutput.MAX_MONEY) {
          ours = false; // more than there will ever be: made up
          break;
        }
      }
      long fee = in - tx.outputValue();
      if (!ours || fee < 1) {
        continue;
      }
      long rate = Math.max(1, (fee + tx.vsize() - 1) / tx.vsize());
      out.add(new WalletAnchor(commitment.get(), new SignedTransaction(tx.txid(), tx.serialize(), rate, fee),
          u.confirmations()));
    }
    return out;
  }

  /** Whether {@code o} holds a value a coin can have: 1 satoshi to 21 million BTC. */
  private static boolean isCoin(TxOutput o) {
    return o.value() > 0 && o.value() <= TxOutput.MAX_MONEY;
  }

  @Override
  public Optional<TxOutput> output(OutPoint outPoint) {
    try {
      Transaction tx = Transaction.parse(rpc.getRawTransactionBytes(outPoint.txid()));
      return outPoint.index() < tx.outputs().size()
          ? Optional.of(tx.outputs().get((int) outPoint.index())) : Optional.empty();
    } catch (BitcoinRpcException e) {
      if (e.kind() == BitcoinRpcException.Kind.RPC_ERROR && e.code() == RPC_INVALID_ADDRESS_OR_KEY) {
        return Optional.empty();
      }
      throw new AnchorException("bitcoin node: " + e.getMessage(), e);
    }
  }

  /**
   * Completes a pending receipt once its anchor is confirmed: fetches the transaction and a
   * {@code gettxoutproof} for it from the node, checks the proof and turns it into a Merkle branch.
   *
   * @param network {@code main} or {@code regtest}
   * @throws AnchorException if the node cannot prove the transaction's inclusion
   */
  public AnchorReceipt complete(AnchorReceipt pending, AnchorRecord.Confirmation where, String network) {
    return complete(rpc, pending, where, network);
  }

  /**
   * As {@link #complete(AnchorReceipt, AnchorRecord.Confirmation, String)}, through {@code rpc}:
   * for a node that serves receipts without anchoring.
   *
   * @throws AnchorException if the node cannot prove the transaction's inclusion
   */
  public static AnchorReceipt complete(BitcoinRpcClient rpc, AnchorReceipt pending, AnchorRecord.Confirmation where,
      String network) {
    try {
      Transaction tx = Transaction.parse(rpc.getRawTransactionBytes(where.txid()));
      byte[] proof = rpc.getTxOutProof(List.of(where.txid()), where.blockHash());
      MerkleBranch branch = branchFromMerkleBlock(proof, where.txid())
          .orElseThrow(() -> new AnchorException("the node's proof does not show " + where.txid().reversed().toHex()));
      return pending.complete(new AnchorReceipt.BitcoinPart(network, tx.serializeWithoutWitness(), branch, where.height()));
    } catch (BitcoinRpcException e) {
      throw new AnchorException("bitcoin node: " + e.getMessage(), e);
    }
  }

  /**
   * Turns a BIP 37 {@code merkleblock} that matches {@code txid} into that transaction's Merkle
   * branch, after checking the partial tree (including the CVE-2012-2459 malleation) and that it
   * folds to the header's root. Empty if the proof is invalid or does not match {@code txid}.
   */
  public static Optional<MerkleBranch> branchFromMerkleBlock(byte[] merkleBlock, Digest txid) {
    MerkleBlock mb;
    try {
      mb = MerkleBlock.parse(merkleBlock);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return Optional.empty();
    }
    if (!(mb.verify() instanceof PartialMerkleTree.Matched m) || !m.root().equals(mb.headerMerkleRoot())) {
      return Optional.empty();
    }
    long index = -1;
    for (PartialMerkleTree.Match x : m.matches()) {
      if (x.txid().equals(txid)) {
        index = x.index();
      }
    }
    if (index < 0) {
      return Optional.empty();
    }
    PartialMerkleTree t = mb.tree();
    Walker w = new Walker(t, index);
    int height = 0;
    while (width(t.totalTransactions(), height) > 1) {
      height++;
    }
    w.walk(height, 0);
    MerkleBranch b = new MerkleBranch(txid, index, w.siblings());
    return b.computeRoot().equals(mb.headerMerkleRoot()) ? Optional.of(b) : Optional.empty();
  }

  private static long width(long n, int height) {
    return (n + (1L << height) - 1) >> height;
  }

  /** Replays the partial tree's depth-first walk, recording the siblings on the path to one leaf. */
  private static final class Walker {
    private final PartialMerkleTree tree;
    private final long target;
    private final byte[] flags;
    private final List<Digest> hashes;
    private final Digest[] siblings;
    private int bit;
    private int next;

    Walker(PartialMerkleTree tree, long target) {
      this.tree = tree;
      this.target = target;
      this.flags = tree.flagBytes();
      this.hashes = tree.hashes();
      int depth = 0;
      while (width(tree.totalTransactions(), depth) > 1) {
        depth++;
      }
      this.siblings = new Digest[depth];
    }

    Digest walk(int height, long pos) {
      boolean flag = ((flags[bit >> 3] >> (bit & 7)) & 1) == 1;
      bit++;
      if (height == 0 || !flag) {
        return hashes.get(next++);
      }
      Digest left = walk(height - 1, pos * 2);
      Digest right = pos * 2 + 1 < width(tree.totalTransactions(), height - 1) ? walk(height - 1, pos * 2 + 1) : left;
      long targetAtChildLevel = target >> (height - 1);
      if (targetAtChildLevel == pos * 2) {
        siblings[height - 1] = right;
      } else if (targetAtChildLevel == pos * 2 + 1) {
        siblings[height - 1] = left;
      }
      return io.medledger.merkle.BitcoinMerkle.nodeHash(left, right);
    }

    List<Digest> siblings() {
      return List.of(siblings);
    }
  }

  @Override
  public String toString() {
    return "BitcoinCoreBackend[" + rpc + ", " + address + "]";
  }
}
