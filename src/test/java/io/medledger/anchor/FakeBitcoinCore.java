package io.medledger.anchor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.CompactTarget;
import io.medledger.anchor.bitcoin.LocalHttpServer;
import io.medledger.anchor.bitcoin.LocalHttpServer.Reply;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.BitcoinMerkle;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small regtest Bitcoin Core stand-in behind JSON-RPC: a wallet watching one address, a mempool
 * with replace-by-fee (BIP 125: a replacement must pay more than what it evicts), blocks mined on
 * demand (with real regtest proof of work) and reorganizations. It keeps the UTXO set as Core
 * does: {@code listunspent} leaves out outputs that a mempool or chain transaction spends, and
 * lists unconfirmed outputs when {@code minconf} is 0; spending a missing or spent output is
 * refused with Core's -25.
 *
 * <p>It also counts what the anchoring service must never do: {@link #doubleSpends()} is the number
 * of wallet transactions accepted while another wallet transaction that they do not conflict with
 * was in the mempool (two spends of the anchoring wallet in flight at once: both can confirm), plus
 * every commitment confirmed more than once. Answers in Core's documented shapes; thread-safe
 * (synchronized).
 */
public final class FakeBitcoinCore implements AutoCloseable {
  private static final ObjectMapper M = new ObjectMapper();

  /** A mined block. */
  public record Block(BitcoinBlockHeader header, List<Digest> txids) {}

  /** Funding outputs, oldest first. */
  final Map<OutPoint, Utxo> utxos = new LinkedHashMap<>();
  final Map<Digest, byte[]> mempool = new LinkedHashMap<>();
  final Map<Digest, byte[]> known = new LinkedHashMap<>();
  final List<Block> chain = new ArrayList<>();
  final String address;
  final LocalHttpServer server;
  volatile boolean down;
  private volatile long feeRate = 4;
  /** The chain {@code getblockchaininfo} reports. */
  private volatile String chainName = "regtest";
  private int parallelSpends;
  private int refusedSpends;
  private final List<String> log = new ArrayList<>();

  /** Makes {@code getblockchaininfo} report {@code name} as the chain. */
  public void reportChain(String name) {
    chainName = name;
  }

  public FakeBitcoinCore(String address) throws IOException {
    this.address = address;
    this.server = new LocalHttpServer((h, body) -> handle(body));
    chain.add(mineHeader(Digest.of(new byte[32]), List.of(Sha256.hash(new byte[] {0})), 0));
  }

  /** The RPC endpoint. */
  public java.net.URI uri() {
    return server.uri();
  }

  /** Makes the node unreachable (requests hang until the client's timeout) or reachable again. */
  public void down(boolean d) {
    down = d;
  }

  /** Sets the fee estimate, in sat/vB. */
  public void feeRate(long satPerVbyte) {
    feeRate = satPerVbyte;
  }

  /** Adds a confirmed output of the watched address, created by {@code parentRaw}. */
  public synchronized void fund(Utxo u, byte[] parentRaw) {
    utxos.put(u.outPoint(), u);
    known.put(u.outPoint().txid(), parentRaw);
  }

  /** A client of this server with the test's credentials and 2-s timeouts. */
  public io.medledger.anchor.bitcoin.BitcoinRpcClient client() {
    return io.medledger.anchor.bitcoin.BitcoinRpcClient.builder(uri()).credentials("u", "p".toCharArray())
        .connectTimeout(java.time.Duration.ofSeconds(2)).requestTimeout(java.time.Duration.ofSeconds(2)).build();
  }

  /**
   * Adds one confirmed coin of {@code sats} paying {@code key}'s P2WPKH script (the watched
   * address), from a parent transaction told apart by {@code seed}.
   */
  public void fundCoin(io.medledger.anchor.bitcoin.BitcoinPrivateKey key, byte seed, long sats) {
    io.medledger.anchor.bitcoin.Script script = key.publicKey().p2wpkhScript();
    io.medledger.anchor.bitcoin.Transaction parent = new io.medledger.anchor.bitcoin.Transaction(2,
        List.of(io.medledger.anchor.bitcoin.TxInput.unsigned(
            new io.medledger.anchor.bitcoin.OutPoint(io.medledger.crypto.Sha256.hash(new byte[] {seed}), 0),
            io.medledger.anchor.bitcoin.TxInput.SEQUENCE_FINAL)),
        List.of(new io.medledger.anchor.bitcoin.TxOutput(sats, script)), 0);
    fund(new Utxo(new io.medledger.anchor.bitcoin.OutPoint(parent.txid(), 0), sats, script), parent.serialize());
  }

  /** Wallet transactions accepted while a non-conflicting one was in the mempool, plus commitments confirmed twice. */
  public synchronized int doubleSpends() {
    List<Digest> confirmed = confirmedCommitments();
    return parallelSpends + confirmed.size() - (int) confirmed.stream().distinct().count();
  }

  /** Transactions refused because they spent a missing or already spent output. */
  public synchronized int refusedSpends() {
    return refusedSpends;
  }

  /** What the node accepted and refused, for failure messages. */
  public synchronized List<String> log() {
    return List.copyOf(log);
  }

  /** The anchor commitments in the best chain, in chain order. */
  public synchronized List<Digest> confirmedCommitments() {
    List<Digest> out = new ArrayList<>();
    for (Block b : chain) {
      for (Digest t : b.txids()) {
        byte[] raw = known.get(t);
        if (raw != null) {
          io.medledger.anchor.bitcoin.OpReturnAnchor.find(Transaction.parse(raw)).ifPresent(out::add);
        }
      }
    }
    return out;
  }

  /** The transactions in the mempool. */
  public synchronized List<Digest> mempoolTxids() {
    return List.copyOf(mempool.keySet());
  }

  /** The raw bytes of a transaction the node has seen. */
  public synchronized byte[] raw(Digest txid) {
    return known.get(txid).clone();
  }

  /** Drops a transaction from the mempool, as a restart without {@code mempool.dat} or an eviction does. */
  public synchronized void evict(Digest txid) {
    mempool.remove(txid);
  }

  /**
   * Offers a transaction as if a peer relayed it (or an old anchorer sent it again): accepted or
   * refused by the same rules as {@code sendrawtransaction}. Returns null if accepted, else Core's
   * error message.
   */
  public synchronized String relay(byte[] raw) {
    return accept(raw);
  }

  private Block mineHeader(Digest prev, List<Digest> txids, int height) {
    Digest root = BitcoinMerkle.root(txids);
    for (long nonce = 0; ; nonce++) {
      BitcoinBlockHeader h = BitcoinBlockHeader.of(0x20000000, prev, root, 1_780_000_000L + height * 600L, 0x207fffff, nonce);
      if (h.checkProofOfWork(BitcoinChainParams.REGTEST)) {
        return new Block(h, List.copyOf(txids));
      }
    }
  }

  /** Mines every mempool transaction into a new block. */
  public synchronized Block mine() {
    List<Digest> txids = new ArrayList<>();
    txids.add(Sha256.hash(new byte[] {1, (byte) chain.size()}));
    txids.addAll(mempool.keySet());
    mempool.clear();
    Block b = mineHeader(chain.get(chain.size() - 1).header().hash(), txids, chain.size());
    chain.add(b);
    return b;
  }

  /** Drops the tip block; its transactions vanish (as after a reorganization that evicted them). */
  public synchronized void dropTip() {
    chain.remove(chain.size() - 1);
  }

  public synchronized Map<Long, BitcoinBlockHeader> headers() {
    Map<Long, BitcoinBlockHeader> m = new LinkedHashMap<>();
    for (int i = 0; i < chain.size(); i++) {
      m.put((long) i, chain.get(i).header());
    }
    return m;
  }

  private int heightOfTx(Digest txid) {
    for (int i = 0; i < chain.size(); i++) {
      if (chain.get(i).txids().contains(txid)) {
        return i;
      }
    }
    return -1;
  }

  private synchronized Reply handle(byte[] body) {
    if (down) {
      return null;
    }
    try {
      JsonNode req = M.readTree(body);
      JsonNode p = req.get("params");
      switch (req.get("method").asText()) {
        case "estimatesmartfee":
          return ok(req, M.readTree("{\"feerate\":" + BigDecimal.valueOf(feeRate * 1000).movePointLeft(8).toPlainString()
              + ",\"blocks\":6}"));
        case "listunspent": {
          int minConf = p.get(0).asInt();
          ArrayNode a = M.createArrayNode();
          for (Map.Entry<OutPoint, Long> e : unspent(minConf).entrySet()) {
            ObjectNode o = a.addObject();
            TxOutput out = output(e.getKey());
            o.put("txid", e.getKey().txidHex());
            o.put("vout", e.getKey().index());
            o.put("address", address);
            o.put("scriptPubKey", Hex.encode(out.scriptPubKey().toByteArray()));
            o.put("amount", BigDecimal.valueOf(out.value()).movePointLeft(8));
            o.put("confirmations", e.getValue());
            o.put("spendable", true);
            o.put("safe", true);
          }
          return ok(req, a);
        }
        case "sendrawtransaction": {
          byte[] raw = Hex.decode(p.get(0).asText());
          Transaction tx = Transaction.parse(raw);
          if (heightOfTx(tx.txid()) >= 0) {
            return error(req, -27, "Transaction already in block chain");
          }
          String refused = accept(raw);
          if (refused != null) {
            return error(req, refused.startsWith("insufficient") ? -26 : -25, refused);
          }
          return ok(req, M.getNodeFactory().textNode(tx.txidHex()));
        }
        case "getrawtransaction": {
          Digest txid = Digest.fromHex(p.get(0).asText()).reversed();
          byte[] raw = known.get(txid);
          int h = heightOfTx(txid);
          if (raw == null || (h < 0 && !mempool.containsKey(txid) && !isFunding(txid))) {
            return error(req, -5, "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
          }
          if (!p.get(1).asBoolean()) {
            return ok(req, M.getNodeFactory().textNode(Hex.encode(raw)));
          }
          ObjectNode o = M.createObjectNode();
          o.put("txid", txid.reversed().toHex());
          o.put("hex", Hex.encode(raw));
          if (h >= 0) {
            o.put("blockhash", chain.get(h).header().hashHex());
            o.put("confirmations", chain.size() - h);
            o.put("blocktime", chain.get(h).header().time());
          }
          return ok(req, o);
        }
        case "getblockhash": {
          int h = p.get(0).asInt();
          if (h < 0 || h >= chain.size()) {
            return error(req, -8, "Block height out of range");
          }
          return ok(req, M.getNodeFactory().textNode(chain.get(h).header().hashHex()));
        }
        case "getblockcount":
          return ok(req, M.getNodeFactory().numberNode(chain.size() - 1));
        case "getblockchaininfo": {
          ObjectNode o = M.createObjectNode();
          o.put("chain", chainName);
          o.put("blocks", chain.size() - 1);
          o.put("headers", chain.size() - 1);
          o.put("bestblockhash", chain.get(chain.size() - 1).header().hashHex());
          o.put("mediantime", 1_780_000_000L);
          o.put("verificationprogress", 1);
          o.put("initialblockdownload", false);
          o.put("chainwork", "00".repeat(31) + "02");
          o.put("size_on_disk", 1000);
          o.put("pruned", false);
          o.put("warnings", "");
          return ok(req, o);
        }
        case "getblockheader": {
          String hash = p.get(0).asText();
          for (int i = 0; i < chain.size(); i++) {
            BitcoinBlockHeader hd = chain.get(i).header();
            if (hd.hashHex().equals(hash)) {
              if (!p.get(1).asBoolean()) {
                return ok(req, M.getNodeFactory().textNode(hd.toHex()));
              }
              ObjectNode o = M.createObjectNode();
              o.put("hash", hd.hashHex());
              o.put("confirmations", chain.size() - i);
              o.put("height", i);
              o.put("version", hd.version());
              o.put("versionHex", String.format("%08x", hd.version()));
              o.put("merkleroot", hd.merkleRootHex());
              o.put("time", hd.time());
              o.put("mediantime", hd.time());
              o.put("nonce", hd.nonce());
              o.put("bits", CompactTarget.toHex(hd.bits()));
              o.put("difficulty", 4.6e-10);
              o.put("chainwork", "00".repeat(31) + "02");
              o.put("nTx", chain.get(i).txids().size());
              if (i > 0) {
                o.put("previousblockhash", hd.previousBlockHash().reversed().toHex());
              }
              return ok(req, o);
            }
          }
          return error(req, -5, "Block not found");
        }
        case "gettxoutproof": {
          Digest txid = Digest.fromHex(p.get(0).get(0).asText()).reversed();
          int h = heightOfTx(txid);
          if (h < 0) {
            return error(req, -5, "Transaction not yet in block");
          }
          return ok(req, M.getNodeFactory().textNode(Hex.encode(merkleBlock(chain.get(h), txid))));
        }
        default:
          return error(req, -32601, "Method not found");
      }
    } catch (IOException e) {
      return new Reply(500, "");
    }
  }

  /** The output at {@code o} if some known transaction (funding, chain or mempool) made it. */
  private TxOutput output(OutPoint o) {
    Utxo f = utxos.get(o);
    if (f != null) {
      return f.toOutput();
    }
    byte[] raw = known.get(o.txid());
    if (raw == null || (heightOfTx(o.txid()) < 0 && !mempool.containsKey(o.txid()))) {
      return null;
    }
    List<TxOutput> outs = Transaction.parse(raw).outputs();
    return o.index() < outs.size() ? outs.get((int) o.index()) : null;
  }

  private java.util.Set<OutPoint> spentBy(java.util.Collection<byte[]> txs) {
    java.util.Set<OutPoint> spent = new java.util.HashSet<>();
    for (byte[] raw : txs) {
      for (TxInput in : Transaction.parse(raw).inputs()) {
        spent.add(in.outPoint());
      }
    }
    return spent;
  }

  private List<byte[]> chainTxs() {
    List<byte[]> out = new ArrayList<>();
    for (Block b : chain) {
      for (Digest t : b.txids()) {
        byte[] raw = known.get(t);
        if (raw != null && !isFundingParent(t)) {
          out.add(raw);
        }
      }
    }
    return out;
  }

  private boolean isFundingParent(Digest txid) {
    return utxos.keySet().stream().anyMatch(o -> o.txid().equals(txid));
  }

  /** The watched address's unspent outputs with their confirmations, oldest first, as Core's wallet lists them. */
  private Map<OutPoint, Long> unspent(int minConf) {
    Map<OutPoint, Long> out = new LinkedHashMap<>();
    List<byte[]> chainTxs = chainTxs();
    java.util.Set<OutPoint> spent = spentBy(chainTxs);
    spent.addAll(spentBy(mempool.values()));
    int i = 0;
    for (OutPoint o : utxos.keySet()) {
      out.put(o, (long) chain.size() + 100 - i++);
    }
    for (Block b : chain) {
      for (Digest t : b.txids()) {
        addOwnOutputs(t, chain.size() - heightOfTx(t), out);
      }
    }
    if (minConf == 0) {
      for (Digest t : mempool.keySet()) {
        addOwnOutputs(t, 0, out);
      }
    }
    out.keySet().removeAll(spent);
    out.values().removeIf(c -> c < minConf);
    return out;
  }

  private void addOwnOutputs(Digest txid, long confirmations, Map<OutPoint, Long> out) {
    byte[] raw = known.get(txid);
    if (raw == null || isFundingParent(txid)) {
      return;
    }
    List<TxOutput> outs = Transaction.parse(raw).outputs();
    for (int k = 0; k < outs.size(); k++) {
      if (ownScript(outs.get(k).scriptPubKey())) {
        out.put(new OutPoint(txid, k), confirmations);
      }
    }
  }

  private boolean ownScript(io.medledger.anchor.bitcoin.Script script) {
    return utxos.values().stream().anyMatch(u -> u.scriptPubKey().equals(script));
  }

  private long fee(Transaction tx) {
    long in = 0;
    for (TxInput i : tx.inputs()) {
      in += output(i.outPoint()).value();
    }
    return in - tx.outputValue();
  }

  /** Mempool acceptance: null if accepted, else the reason. Counts parallel wallet spends. */
  private String accept(byte[] raw) {
    Transaction tx = Transaction.parse(raw);
    if (mempool.containsKey(tx.txid())) {
      return null;
    }
    if (heightOfTx(tx.txid()) >= 0) {
      return "Transaction already in block chain";
    }
    java.util.Set<OutPoint> spentInChain = spentBy(chainTxs());
    for (TxInput in : tx.inputs()) {
      if (output(in.outPoint()) == null || spentInChain.contains(in.outPoint())) {
        refusedSpends++;
        log.add("refused " + tx.txidHex() + ": bad-txns-inputs-missingorspent");
        return "bad-txns-inputs-missingorspent";
      }
    }
    List<Digest> conflicting = new ArrayList<>();
    long evictedFee = 0;
    for (Map.Entry<Digest, byte[]> e : mempool.entrySet()) {
      Transaction other = Transaction.parse(e.getValue());
      if (other.conflictsWith(tx)) {
        conflicting.add(e.getKey());
        evictedFee += fee(other);
      }
    }
    if (!conflicting.isEmpty() && fee(tx) <= evictedFee) {
      log.add("refused " + tx.txidHex() + ": insufficient fee to replace " + conflicting.size());
      return "insufficient fee, rejecting replacement " + tx.txidHex();
    }
    if (conflicting.isEmpty() && !mempool.isEmpty()) {
      parallelSpends++;
      log.add("DOUBLE SPEND: " + tx.txidHex() + " beside " + mempool.keySet().size() + " non-conflicting");
    }
    conflicting.forEach(mempool::remove);
    mempool.put(tx.txid(), raw);
    known.put(tx.txid(), raw);
    log.add("accepted " + tx.txidHex() + (conflicting.isEmpty() ? "" : " replacing " + conflicting.size()));
    return null;
  }

  private boolean isFunding(Digest txid) {
    return isFundingParent(txid);
  }

  /** A BIP 37 merkleblock matching exactly {@code txid}. */
  static byte[] merkleBlock(Block b, Digest txid) {
    return io.medledger.merkle.MerkleBlock.of(b.header().serialize(), b.txids(), b.txids().indexOf(txid)).encode();
  }

  private static Reply ok(JsonNode req, JsonNode result) {
    ObjectNode o = M.createObjectNode();
    o.set("result", result);
    o.putNull("error");
    o.set("id", req.get("id"));
    return new Reply(200, o.toString());
  }

  private static Reply error(JsonNode req, int code, String message) {
    ObjectNode o = M.createObjectNode();
    o.putNull("result");
    ObjectNode e = o.putObject("error");
    e.put("code", code);
    e.put("message", message);
    o.set("id", req.get("id"));
    return new Reply(500, o.toString());
  }

  @Override
  public void close() {
    server.close();
  }
}
