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
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.BitcoinMerkle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small regtest Bitcoin Core stand-in behind JSON-RPC: a wallet of UTXOs for one address, a
 * mempool with replace-by-fee, blocks mined on demand (with real regtest proof of work) and
 * reorganizations. Answers in Core's documented shapes; not thread-safe beyond what tests need.
 */
final class FakeBitcoinCore implements AutoCloseable {
  private static final ObjectMapper M = new ObjectMapper();

  record Block(BitcoinBlockHeader header, List<Digest> txids) {}

  final Map<OutPoint, Utxo> utxos = new LinkedHashMap<>();
  final Map<Digest, byte[]> mempool = new LinkedHashMap<>();
  final Map<Digest, byte[]> known = new LinkedHashMap<>();
  final List<Block> chain = new ArrayList<>();
  final String address;
  final LocalHttpServer server;
  volatile boolean down;

  FakeBitcoinCore(String address) throws IOException {
    this.address = address;
    this.server = new LocalHttpServer((h, body) -> handle(body));
    chain.add(mineHeader(Digest.of(new byte[32]), List.of(Sha256.hash(new byte[] {0})), 0));
  }

  synchronized void fund(Utxo u, byte[] parentRaw) {
    utxos.put(u.outPoint(), u);
    known.put(u.outPoint().txid(), parentRaw);
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
  synchronized Block mine() {
    List<Digest> txids = new ArrayList<>();
    txids.add(Sha256.hash(new byte[] {1, (byte) chain.size()}));
    txids.addAll(mempool.keySet());
    mempool.clear();
    Block b = mineHeader(chain.get(chain.size() - 1).header().hash(), txids, chain.size());
    chain.add(b);
    return b;
  }

  /** Drops the tip block; its transactions vanish (as after a reorganization that evicted them). */
  synchronized void dropTip() {
    chain.remove(chain.size() - 1);
  }

  synchronized Map<Long, BitcoinBlockHeader> headers() {
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
          return ok(req, M.readTree("{\"feerate\":0.00004000,\"blocks\":6}"));
        case "listunspent": {
          ArrayNode a = M.createArrayNode();
          for (Utxo u : utxos.values()) {
            ObjectNode o = a.addObject();
            o.put("txid", u.outPoint().txidHex());
            o.put("vout", u.outPoint().index());
            o.put("address", address);
            o.put("scriptPubKey", Hex.encode(u.scriptPubKey().toByteArray()));
            o.put("amount", BigDecimal.valueOf(u.value()).movePointLeft(8));
            o.put("confirmations", 10);
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
          // replace-by-fee: drop mempool transactions that spend the same inputs
          mempool.entrySet().removeIf(e -> conflicts(Transaction.parse(e.getValue()), tx));
          mempool.put(tx.txid(), raw);
          known.put(tx.txid(), raw);
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
          o.put("chain", "regtest");
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

  private boolean isFunding(Digest txid) {
    return utxos.keySet().stream().anyMatch(o -> o.txid().equals(txid))
        || known.containsKey(txid) && !mempool.containsKey(txid);
  }

  private static boolean conflicts(Transaction a, Transaction b) {
    for (TxInput x : a.inputs()) {
      for (TxInput y : b.inputs()) {
        if (x.outPoint().equals(y.outPoint())) {
          return true;
        }
      }
    }
    return false;
  }

  /** A BIP 37 merkleblock matching exactly {@code txid}. */
  static byte[] merkleBlock(Block b, Digest txid) {
    int n = b.txids().size();
    int height = 0;
    while (((n + (1 << height) - 1) >> height) > 1) {
      height++;
    }
    List<Digest> hashes = new ArrayList<>();
    List<Boolean> bits = new ArrayList<>();
    int target = b.txids().indexOf(txid);
    build(b.txids(), height, 0, target, hashes, bits);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(b.header().serialize());
    out.writeBytes(new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)});
    out.write(hashes.size());
    for (Digest d : hashes) {
      out.writeBytes(d.toByteArray());
    }
    byte[] flags = new byte[(bits.size() + 7) / 8];
    for (int i = 0; i < bits.size(); i++) {
      if (bits.get(i)) {
        flags[i / 8] |= (byte) (1 << (i % 8));
      }
    }
    out.write(flags.length);
    out.writeBytes(flags);
    return out.toByteArray();
  }

  private static int width(int n, int h) {
    return (n + (1 << h) - 1) >> h;
  }

  private static Digest node(List<Digest> txids, int h, int pos) {
    if (h == 0) {
      return txids.get(pos);
    }
    Digest l = node(txids, h - 1, pos * 2);
    Digest r = pos * 2 + 1 < width(txids.size(), h - 1) ? node(txids, h - 1, pos * 2 + 1) : l;
    return BitcoinMerkle.nodeHash(l, r);
  }

  private static void build(List<Digest> txids, int h, int pos, int target, List<Digest> hashes, List<Boolean> bits) {
    boolean parentOfMatch = (target >> h) == pos;
    bits.add(parentOfMatch);
    if (h == 0 || !parentOfMatch) {
      hashes.add(node(txids, h, pos));
      return;
    }
    build(txids, h - 1, pos * 2, target, hashes, bits);
    if (pos * 2 + 1 < width(txids.size(), h - 1)) {
      build(txids, h - 1, pos * 2 + 1, target, hashes, bits);
    }
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
