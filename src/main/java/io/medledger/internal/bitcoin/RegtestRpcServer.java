package io.medledger.internal.bitcoin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.Script;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.federation.RegtestChain;
import io.medledger.internal.Json;
import io.medledger.internal.node.OwnerOnly;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Bitcoin Core JSON-RPC stand-in on loopback, backed by an offline {@link RegtestChain}: for
 * demos and tests, never for a deployment (which points its anchoring service at Bitcoin Core).
 *
 * <p>It answers the calls the anchoring service and its receipts make, in Bitcoin Core's shapes and
 * error codes: {@code getblockchaininfo}, {@code getblockcount}, {@code getbestblockhash},
 * {@code getblockhash}, {@code getblockheader}, {@code getrawtransaction}, {@code sendrawtransaction},
 * {@code gettxoutproof}, {@code listunspent} (by address: the stand-in has no wallet),
 * {@code estimatesmartfee} (no estimate, as on a fresh regtest node), {@code getrawmempool}, and
 * {@code generatetoaddress} to mine. Transactions are accepted by the chain's rules
 * ({@link RegtestChain#submit}).
 *
 * <p>As Bitcoin Core does, it authenticates every request with HTTP basic authentication: the
 * cookie it writes at start ({@code __cookie__:<random>}, an owner-only file, deleted at close) or a
 * configured user and password; anything else is HTTP 401. Requests are bounded: a body above
 * {@link #MAX_REQUEST_BYTES} is refused unread (HTTP 413), malformed JSON is JSON-RPC error -32700,
 * an unknown method -32601, a bad parameter -8 or -3, batches are not served. Thread-safe: two
 * request threads over the synchronized chain.
 */
public final class RegtestRpcServer implements AutoCloseable {
  /** Largest request body read, in bytes (a transaction of 100 kvB is 200 kB of hex). */
  public static final int MAX_REQUEST_BYTES = 1 << 20;
  /** Most blocks one {@code generatetoaddress} mines. */
  public static final int MAX_GENERATE = 1_000;
  private static final String COOKIE_USER = "__cookie__";

  private final HttpServer server;
  private final ExecutorService pool;
  private final RegtestChain chain;
  private final Path cookieFile;
  private final List<byte[]> accepted;

  private RegtestRpcServer(HttpServer server, ExecutorService pool, RegtestChain chain, Path cookieFile,
      List<byte[]> accepted) {
    this.server = server;
    this.pool = pool;
    this.chain = chain;
    this.cookieFile = cookieFile;
    this.accepted = accepted;
  }

  /**
   * Serves {@code chain} at {@code bind}, which must be a loopback address (port 0 picks one).
   * Writes a fresh cookie to {@code cookieFile} (owner-only, replacing an old one) and also accepts
   * {@code user}:{@code password} when given.
   *
   * @throws IllegalArgumentException if {@code bind} is not loopback or the user contains ':'
   * @throws IOException if the address cannot be bound or the cookie written
   */
  public static RegtestRpcServer start(InetSocketAddress bind, RegtestChain chain, Path cookieFile,
      Optional<String> user, Optional<char[]> password, SecureRandom random) throws IOException {
    if (bind.getAddress() == null || !bind.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the regtest stand-in listens on loopback only, not " + bind);
    }
    List<byte[]> accepted = new ArrayList<>();
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String cookie = COOKIE_USER + ":" + Hex.encode(secret);
    accepted.add(basic(cookie));
    if (user.isPresent() != password.isPresent() || user.map(u -> u.isEmpty() || u.indexOf(':') >= 0).orElse(false)) {
      throw new IllegalArgumentException("give a user (1 or more characters, no ':') and a password together");
    }
    if (user.isPresent()) {
      accepted.add(basic(user.get() + ":" + new String(password.get())));
    }
    Path cookieDir = cookieFile.toAbsolutePath().getParent();
    OwnerOnly.createDirectories(cookieDir);
    OwnerOnly.write(cookieFile, cookie.getBytes(StandardCharsets.US_ASCII), true);
    HttpServer s = HttpServer.create(bind, 16);
    ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "medledger-regtest-rpc");
      t.setDaemon(true);
      return t;
    });
    RegtestRpcServer rpc = new RegtestRpcServer(s, pool, chain, cookieFile, List.copyOf(accepted));
    s.createContext("/", rpc::handle);
    s.setExecutor(pool);
    s.start();
    return rpc;
  }

  private static byte[] basic(String userColonPassword) {
    return ("Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8)))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The RPC endpoint, {@code http://127.0.0.1:<port>/}. */
  public java.net.URI uri() {
    return java.net.URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + "/");
  }

  /** The chain served. */
  public RegtestChain chain() {
    return chain;
  }

  // ------------------------------------------------------------------ HTTP

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
        ex.sendResponseHeaders(401, -1);
        return;
      }
      if (!ex.getRequestMethod().equals("POST")) {
        reply(ex, 405, error(null, -32600, "JSON-RPC requests are POSTed"));
        return;
      }
      String length = ex.getRequestHeaders().getFirst("Content-Length");
      long declared;
      try {
        declared = length == null ? -1 : Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        declared = Long.MAX_VALUE;
      }
      if (declared > MAX_REQUEST_BYTES) {
        reply(ex, 413, error(null, -32600, "request larger than " + MAX_REQUEST_BYTES + " bytes"));
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(MAX_REQUEST_BYTES + 1);
      }
      if (body.length > MAX_REQUEST_BYTES) {
        reply(ex, 413, error(null, -32600, "request larger than " + MAX_REQUEST_BYTES + " bytes"));
        return;
      }
      Map<String, Object> req;
      try {
        req = Json.asObject(Json.parse(new String(body, StandardCharsets.UTF_8)), "request");
      } catch (MalformedEncodingException e) {
        reply(ex, 500, error(null, -32700, "Parse error"));
        return;
      }
      Object id = req.get("id");
      if (!(req.get("method") instanceof String method)) {
        reply(ex, 400, error(id, -32600, "Method must be a string"));
        return;
      }
      List<Object> params = req.get("params") == null ? List.of()
          : req.get("params") instanceof List<?> ? Json.asArray(req.get("params"), "params") : null;
      if (params == null) {
        reply(ex, 400, error(id, -32600, "Params must be an array"));
        return;
      }
      Answer a;
      try {
        a = call(method, params);
      } catch (MalformedEncodingException | IllegalArgumentException | ClassCastException
          | IndexOutOfBoundsException e) {
        a = new Answer(-8, "Invalid parameter: " + e.getMessage(), null);
      } catch (RuntimeException e) {
        a = new Answer(-1, String.valueOf(e.getMessage()), null);
      }
      if (a.code == 0) {
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("result", a.result);
        ok.put("error", null);
        ok.put("id", id);
        reply(ex, 200, ok);
      } else {
        reply(ex, a.code == -32601 ? 404 : 500, error(id, a.code, a.message));
      }
    } catch (IOException | RuntimeException e) {
      // the client went away; nothing to answer
    }
  }

  private boolean authorized(String header) {
    if (header == null || header.length() > 1024) {
      return false;
    }
    byte[] given = header.trim().getBytes(StandardCharsets.US_ASCII);
    boolean ok = false;
    for (byte[] a : accepted) {
      ok |= MessageDigest.isEqual(a, given);
    }
    return ok;
  }

  private static Map<String, Object> error(Object id, int code, String message) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("code", (long) code);
    e.put("message", message);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("result", null);
    o.put("error", e);
    o.put("id", id);
    return o;
  }

  private static void reply(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
    byte[] b = Json.write(false, g -> Json.writeValue(g, body)).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  // ------------------------------------------------------------------ methods

  /** A result ({@code code} 0) or a JSON-RPC error. */
  private record Answer(int code, String message, Object result) {
    static Answer ok(Object result) {
      return new Answer(0, null, result);
    }

    static Answer err(int code, String message) {
      return new Answer(code, message, null);
    }
  }

  private Answer call(String method, List<Object> p) {
    switch (method) {
      case "getblockcount":
        return Answer.ok(chain.bestHeight().orElseThrow());
      case "getbestblockhash":
        return Answer.ok(display(chain.headerAt(chain.bestHeight().orElseThrow()).orElseThrow().hash()));
      case "getblockchaininfo":
        return Answer.ok(blockchainInfo());
      case "getblockhash": {
        long h = Json.asLong(p.get(0), "height");
        return chain.headerAt(h).map(x -> Answer.ok(display(x.hash())))
            .orElse(Answer.err(-8, "Block height out of range"));
      }
      case "getblockheader":
        return blockHeader(hash(p.get(0)), p.size() < 2 || truthy(p.get(1)));
      case "getrawtransaction":
        return rawTransaction(hash(p.get(0)), p.size() >= 2 && truthy(p.get(1)),
            p.size() >= 3 && p.get(2) != null ? Optional.of(hash(p.get(2))) : Optional.empty());
      case "sendrawtransaction":
        return send(Json.asString(p.get(0), "hexstring"));
      case "gettxoutproof": {
        List<Object> ids = Json.asArray(p.get(0), "txids");
        if (ids.size() != 1) {
          return Answer.err(-8, "the stand-in proves exactly one transaction per call");
        }
        Digest txid = hash(ids.get(0));
        Optional<byte[]> proof = chain.txOutProof(txid);
        if (proof.isEmpty() || p.size() >= 2 && p.get(1) != null
            && chain.transaction(txid).flatMap(k -> k.height().isPresent()
                ? chain.headerAt(k.height().getAsLong()) : Optional.empty())
                .map(h -> !h.hash().equals(hash(p.get(1)))).orElse(true)) {
          return Answer.err(-5, "Transaction not yet in block");
        }
        return Answer.ok(Hex.encode(proof.get()));
      }
      case "listunspent":
        return listUnspent(p);
      case "estimatesmartfee": {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("errors", List.of("Insufficient data or no feerate found"));
        o.put("blocks", 0L);
        return Answer.ok(o);
      }
      case "getrawmempool": {
        List<Object> out = new ArrayList<>();
        chain.mempool().forEach(d -> out.add(display(d)));
        return Answer.ok(out);
      }
      case "generatetoaddress": {
        long n = Json.asLong(p.get(0), "nblocks");
        if (n < 0 || n > MAX_GENERATE) {
          return Answer.err(-8, "nblocks must be 0.." + MAX_GENERATE);
        }
        Script to;
        try {
          to = Address.parse(Json.asString(p.get(1), "address"), Network.REGTEST).scriptPubKey();
        } catch (MalformedEncodingException | IllegalArgumentException e) {
          return Answer.err(-5, "Error: Invalid address");
        }
        List<Object> hashes = new ArrayList<>();
        for (long i = 0; i < n; i++) {
          hashes.add(display(chain.mine(to).hash()));
        }
        return Answer.ok(hashes);
      }
      default:
        return Answer.err(-32601, "Method not found");
    }
  }

  private static boolean truthy(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    return Json.asLong(v, "verbose") != 0;
  }

  private static Digest hash(Object v) {
    String s = Json.asString(v, "hash");
    if (s.length() != 64) {
      throw new IllegalArgumentException("a hash is 64 hex characters");
    }
    return Digest.fromHex(s).reversed();
  }

  private static String display(Digest internal) {
    return internal.reversed().toHex();
  }

  private Map<String, Object> blockchainInfo() {
    long tip = chain.bestHeight().orElseThrow();
    BitcoinBlockHeader h = chain.headerAt(tip).orElseThrow();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("chain", "regtest");
    o.put("blocks", tip);
    o.put("headers", tip);
    o.put("bestblockhash", display(h.hash()));
    o.put("mediantime", h.time());
    o.put("verificationprogress", 1L);
    o.put("initialblockdownload", false);
    o.put("chainwork", String.format("%064x", work(tip)));
    o.put("size_on_disk", 0L);
    o.put("pruned", false);
    o.put("warnings", "");
    return o;
  }

  private java.math.BigInteger work(long upTo) {
    java.math.BigInteger w = java.math.BigInteger.ZERO;
    for (long i = 0; i <= upTo; i++) {
      w = w.add(chain.headerAt(i).orElseThrow().work());
    }
    return w;
  }

  private Answer blockHeader(Digest hash, boolean verbose) {
    Optional<io.medledger.anchor.bitcoin.HeaderSource.HeightAndHeader> found = chain.headerByHash(hash);
    if (found.isEmpty()) {
      return Answer.err(-5, "Block not found");
    }
    BitcoinBlockHeader h = found.get().header();
    long height = found.get().height();
    if (!verbose) {
      return Answer.ok(h.toHex());
    }
    long tip = chain.bestHeight().orElseThrow();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("hash", display(h.hash()));
    o.put("confirmations", tip - height + 1);
    o.put("height", height);
    o.put("version", (long) h.version());
    o.put("versionHex", String.format("%08x", h.version()));
    o.put("merkleroot", display(h.merkleRoot()));
    o.put("time", h.time());
    o.put("mediantime", h.time());
    o.put("nonce", h.nonce());
    o.put("bits", String.format("%08x", h.bits()));
    o.put("difficulty", new BigDecimal("4.656542373906925e-10"));
    o.put("chainwork", String.format("%064x", work(height)));
    o.put("nTx", (long) chain.blockTransactions(height).size());
    if (height > 0) {
      o.put("previousblockhash", display(h.previousBlockHash()));
    }
    chain.headerAt(height + 1).ifPresent(n -> o.put("nextblockhash", display(n.hash())));
    return Answer.ok(o);
  }

  private Answer rawTransaction(Digest txid, boolean verbose, Optional<Digest> inBlock) {
    Optional<RegtestChain.Known> k = chain.transaction(txid);
    Optional<BitcoinBlockHeader> block = k.flatMap(x -> x.height().isPresent()
        ? chain.headerAt(x.height().getAsLong()) : Optional.empty());
    if (k.isEmpty() || inBlock.isPresent() && block.map(b -> !b.hash().equals(inBlock.get())).orElse(true)) {
      return Answer.err(-5, inBlock.isPresent() ? "No such transaction found in the provided block"
          : "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
    }
    String hex = Hex.encode(k.get().transaction().serialize());
    if (!verbose) {
      return Answer.ok(hex);
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("txid", display(txid));
    o.put("hash", display(k.get().transaction().wtxid()));
    o.put("hex", hex);
    if (block.isPresent()) {
      long height = k.get().height().getAsLong();
      o.put("blockhash", display(block.get().hash()));
      o.put("confirmations", chain.bestHeight().orElseThrow() - height + 1);
      o.put("time", block.get().time());
      o.put("blocktime", block.get().time());
    }
    return Answer.ok(o);
  }

  private Answer send(String hex) {
    byte[] raw;
    try {
      raw = Hex.decode(hex);
    } catch (MalformedEncodingException | IllegalArgumentException e) {
      return Answer.err(-22, "TX decode failed");
    }
    RegtestChain.Acceptance a = chain.submit(raw);
    if (a instanceof RegtestChain.Accepted ok) {
      return Answer.ok(display(ok.txid()));
    }
    RegtestChain.Refused r = (RegtestChain.Refused) a;
    int code = switch (r.reason()) {
      case MALFORMED -> -22;
      case ALREADY_MINED -> -27;
      case MISSING_OR_SPENT -> -25;
      case INVALID, INSUFFICIENT_FEE -> -26;
    };
    return Answer.err(code, r.message());
  }

  private Answer listUnspent(List<Object> p) {
    long min = p.size() >= 1 && p.get(0) != null ? Json.asLong(p.get(0), "minconf") : 1;
    long max = p.size() >= 2 && p.get(1) != null ? Json.asLong(p.get(1), "maxconf") : 9_999_999;
    List<Object> addresses = p.size() >= 3 && p.get(2) != null ? Json.asArray(p.get(2), "addresses") : List.of();
    if (addresses.isEmpty() || addresses.size() > 100) {
      return Answer.err(-8, "the stand-in has no wallet: list 1..100 addresses to watch");
    }
    List<Object> out = new ArrayList<>();
    for (Object text : addresses) {
      String s = Json.asString(text, "address");
      Address a;
      try {
        a = Address.parse(s, Network.REGTEST);
      } catch (MalformedEncodingException | IllegalArgumentException e) {
        return Answer.err(-5, "Invalid Bitcoin address: " + s);
      }
      for (RegtestChain.Coin c : chain.unspent(a.scriptPubKey(), (int) Math.max(0, Math.min(min, Integer.MAX_VALUE)))) {
        if (c.confirmations() > max) {
          continue;
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("txid", c.utxo().outPoint().txidHex());
        o.put("vout", c.utxo().outPoint().index());
        o.put("address", s);
        o.put("scriptPubKey", Hex.encode(c.utxo().scriptPubKey().toByteArray()));
        o.put("amount", BigDecimal.valueOf(c.utxo().value()).movePointLeft(8));
        o.put("confirmations", c.confirmations());
        o.put("spendable", false);
        o.put("solvable", false);
        o.put("safe", c.confirmations() > 0);
        out.add(o);
      }
    }
    return Answer.ok(out);
  }

  /** Stops serving and deletes the cookie, as Bitcoin Core does at shutdown. */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    try {
      Files.deleteIfExists(cookieFile);
    } catch (IOException e) {
      // a stale cookie is refused by the next start's fresh one
    }
  }
}
