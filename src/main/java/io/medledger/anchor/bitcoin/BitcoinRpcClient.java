package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import io.medledger.internal.node.SecretFile;
import io.medledger.internal.node.SecretLine;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client for the parts of Bitcoin Core's JSON-RPC interface that anchoring needs, over
 * {@code java.net.http}. It authenticates with the node's cookie file (re-read on every call, so
 * a node restart is picked up) or with a user name and password, and bounds every call by a
 * connect timeout and a request timeout.
 *
 * <p>Hashes and txids are {@link Digest}s in internal byte order (reversed from what the RPC
 * prints); transactions are raw bytes. Failures are {@link BitcoinRpcException}s: an error object
 * from the node keeps its code and message ({@code -5} "No such mempool or blockchain
 * transaction", {@code -26} rejections, ...), and HTTP 401, timeouts and unreachable nodes have
 * their own {@link BitcoinRpcException.Kind}. As a {@link HeaderSource} it serves the node's
 * active chain.
 *
 * <p>Thread-safe.
 */
public final class BitcoinRpcClient implements HeaderSource {
  /** Largest response body accepted, in bytes. */
  public static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
  private static final int MAX_COOKIE_BYTES = 4096;
  private static final BigDecimal SATS_PER_BTC = BigDecimal.valueOf(100_000_000L);
  /** Hex digits of a 256-bit cumulative work, as Core prints {@code chainwork}. */
  private static final int MAX_WORK_HEX_DIGITS = 64;
  /** Most bitcoins there will ever be, the ceiling of any amount or fee rate a node reports. */
  private static final BigDecimal MAX_BTC = BigDecimal.valueOf(TxOutput.MAX_MONEY).movePointLeft(8);

  private final URI endpoint;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Path cookieFile;
  /** The UTF-8 {@code Authorization} header value for a user name and password, or null. */
  private final byte[] basicAuth;
  private final AtomicLong ids = new AtomicLong();

  private BitcoinRpcClient(Builder b) {
    this.endpoint = b.endpoint;
    this.requestTimeout = b.requestTimeout;
    this.cookieFile = b.cookieFile;
    this.basicAuth = b.user == null ? null : basicHeader(b.user, b.password);
    this.http = HttpClient.newBuilder()
        .connectTimeout(b.connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  /**
   * Starts a client for the node at {@code endpoint}, e.g. {@code http://127.0.0.1:8332/} (or a
   * wallet endpoint such as {@code http://127.0.0.1:8332/wallet/anchor} for {@code listunspent}).
   */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  /** Configures a {@link BitcoinRpcClient}. Not thread-safe. */
  public static final class Builder {
    private final URI endpoint;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Path cookieFile;
    private String user;
    private char[] password;

    private Builder(URI endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      String s = endpoint.getScheme();
      if (!"http".equals(s) && !"https".equals(s)) {
        throw new IllegalArgumentException("the RPC endpoint must be an http or https URI");
      }
    }

    /** Authenticates with Bitcoin Core's cookie file ({@code .cookie} in the data directory). */
    public Builder cookieFile(Path cookie) {
      this.cookieFile = Objects.requireNonNull(cookie);
      this.user = null;
      wipePassword();
      return this;
    }

    /**
     * Authenticates with {@code rpcuser}/{@code rpcpassword} or an {@code rpcauth} entry. The
     * builder keeps a copy of {@code password}, which the caller may wipe at once; {@link #build()}
     * wipes that copy once it has made the client's header.
     */
    public Builder credentials(String user, char[] password) {
      if (user.indexOf(':') >= 0) {
        throw new IllegalArgumentException("an RPC user name cannot contain ':'");
      }
      Objects.requireNonNull(password, "password");
      wipePassword();
      this.user = user;
      this.password = password.clone();
      this.cookieFile = null;
      return this;
    }

    private void wipePassword() {
      if (password != null) {
        Arrays.fill(password, '\0');
        password = null;
      }
    }

    /** How long to wait for a connection (default 10 s). */
    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive(d);
      return this;
    }

    /** How long to wait for each whole response, headers and body (default 60 s). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive(d);
      return this;
    }

    private static Duration positive(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
      return d;
    }

    /**
     * The client. Credentials given to this builder are wiped from it: a second client needs them
     * again.
     *
     * @throws IllegalStateException if no authentication was configured
     */
    public BitcoinRpcClient build() {
      if (cookieFile == null && user == null) {
        throw new IllegalStateException("configure a cookie file or credentials");
      }
      try {
        return new BitcoinRpcClient(this);
      } finally {
        wipePassword();
        user = null;
      }
    }
  }

  // ---- typed results ----------------------------------------------------------------------------

  /**
   * {@code getblockchaininfo}.
   *
   * @param chain {@code main}, {@code test}, {@code testnet4}, {@code signet} or {@code regtest}
   * @param blocks height of the best validated block
   * @param headers height of the best known header
   * @param bestBlockHash hash of the best block (internal order)
   * @param medianTime median time past of the best block
   * @param verificationProgress estimate of validation progress, 0..1
   * @param initialBlockDownload whether the node is still syncing
   * @param chainWork cumulative work of the best chain
   * @param pruned whether the node prunes old blocks
   */
  public record BlockchainInfo(String chain, long blocks, long headers, Digest bestBlockHash, long medianTime,
      double verificationProgress, boolean initialBlockDownload, BigInteger chainWork, boolean pruned) {
    /** Checks that no required component is null. */
    public BlockchainInfo {
      java.util.Objects.requireNonNull(chain, "chain");
      java.util.Objects.requireNonNull(bestBlockHash, "bestBlockHash");
      java.util.Objects.requireNonNull(chainWork, "chainWork");
    }
  }

  /**
   * {@code getblockheader} with {@code verbose=true}.
   *
   * @param header the header rebuilt from the fields (its hash is checked against the reply)
   * @param height the block height
   * @param confirmations depth in the active chain, or -1 if the block is not in it
   * @param medianTime median time past at the block
   * @param transactionCount number of transactions in the block
   * @param chainWork cumulative work up to the block
   * @param nextBlockHash the next block in the active chain, if any (internal order)
   */
  public record BlockHeaderInfo(BitcoinBlockHeader header, long height, long confirmations, long medianTime,
      long transactionCount, BigInteger chainWork, Optional<Digest> nextBlockHash) {
    /** Checks that no required component is null. */
    public BlockHeaderInfo {
      java.util.Objects.requireNonNull(header, "header");
      java.util.Objects.requireNonNull(chainWork, "chainWork");
      java.util.Objects.requireNonNull(nextBlockHash, "nextBlockHash");
    }
  }

  /**
   * {@code getrawtransaction} with {@code verbose=true}.
   *
   * @param raw the serialized transaction (a copy is returned by the accessor)
   * @param txid its txid (internal order)
   * @param blockHash the block containing it, if confirmed
   * @param confirmations its depth (0 if unconfirmed)
   * @param blockTime the block's time, if confirmed
   */
  public record RawTransaction(byte[] raw, Digest txid, Optional<Digest> blockHash, long confirmations,
      OptionalLong blockTime) {
    /** Copies the bytes. */
    public RawTransaction {
      raw = raw.clone();
    }

    @Override
    public byte[] raw() {
      return raw.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RawTransaction r && Arrays.equals(r.raw, raw) && r.txid.equals(txid)
          && r.blockHash.equals(blockHash) && r.confirmations == confirmations && r.blockTime.equals(blockTime);
    }

    @Override
    public int hashCode() {
      return txid.hashCode();
    }

    @Override
    public String toString() {
      return "RawTransaction[" + txid.reversed().toHex() + ", " + confirmations + " confirmations]";
    }
  }

  /**
   * One entry of {@code listunspent}.
   *
   * @param txid the funding transaction (internal order)
   * @param vout the output index
   * @param address the address, if the output has one
   * @param scriptPubKey the output script (a copy is returned)
   * @param amountSats the value in satoshis
   * @param confirmations depth of the funding transaction
   * @param spendable whether the wallet holds the key
   * @param safe whether the output is considered safe to spend
   */
  public record UnspentOutput(Digest txid, int vout, Optional<String> address, byte[] scriptPubKey,
      long amountSats, long confirmations, boolean spendable, boolean safe) {
    /** Copies the script. */
    public UnspentOutput {
      scriptPubKey = scriptPubKey.clone();
    }

    @Override
    public byte[] scriptPubKey() {
      return scriptPubKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof UnspentOutput u && u.txid.equals(txid) && u.vout == vout && u.address.equals(address)
          && Arrays.equals(u.scriptPubKey, scriptPubKey) && u.amountSats == amountSats
          && u.confirmations == confirmations && u.spendable == spendable && u.safe == safe;
    }

    @Override
    public int hashCode() {
      return txid.hashCode() * 31 + vout;
    }

    @Override
    public String toString() {
      return "UnspentOutput[" + txid.reversed().toHex() + ":" + vout + ", " + amountSats + " sat]";
    }
  }

  /**
   * {@code estimatesmartfee}.
   *
   * @param btcPerKvB the estimated fee rate in BTC per 1000 virtual bytes, if the node has one
   * @param blocks the target the estimate is for
   * @param errors the node's explanations when there is no estimate
   */
  public record FeeEstimate(Optional<BigDecimal> btcPerKvB, long blocks, List<String> errors) {
    /** Copies the list. */
    public FeeEstimate {
      errors = List.copyOf(errors);
    }

    /** The estimate in satoshis per virtual byte, rounded up, if there is one. */
    public OptionalLong satPerVByteCeil() {
      return btcPerKvB.map(r -> OptionalLong.of(r.multiply(SATS_PER_BTC).divide(BigDecimal.valueOf(1000))
          .setScale(0, java.math.RoundingMode.CEILING).longValueExact())).orElse(OptionalLong.empty());
    }
  }

  /** Fee estimation modes of {@code estimatesmartfee}. */
  public enum EstimateMode {
    /** Core's default. */
    UNSET,
    /** Responds faster to short-term drops. */
    ECONOMICAL,
    /** Safer against short-term spikes. */
    CONSERVATIVE
  }

  // ---- calls ------------------------------------------------------------------------------------

  /** {@code getblockchaininfo}. */
  public BlockchainInfo getBlockchainInfo() {
    String m = "getblockchaininfo";
    Map<String, Object> r = object(m, call(m));
    return new BlockchainInfo(str(m, r, "chain"), atLeast(m, r, "blocks", 0), atLeast(m, r, "headers", 0),
        hash(m, r, "bestblockhash"), lng(m, r, "mediantime"), dec(m, r, "verificationprogress").doubleValue(),
        bool(m, r, "initialblockdownload"), work(m, r, "chainwork"),
        bool(m, r, "pruned"));
  }

  /** {@code getblockhash}: the active chain's block at {@code height} (internal order). */
  public Digest getBlockHash(long height) {
    String m = "getblockhash";
    return displayHash(m, call(m, height));
  }

  /** {@code getblockheader} with {@code verbose=false}: the 80 bytes as hex. */
  public String getBlockHeaderHex(Digest blockHash) {
    String m = "getblockheader";
    Object r = call(m, blockHash.reversed().toHex(), false);
    if (!(r instanceof String s) || s.length() != 160) {
      throw malformed(m, "expected 160 hex characters");
    }
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  /** {@code getblockheader} with {@code verbose=false}, parsed; its hash is checked. */
  public BitcoinBlockHeader getBlockHeader(Digest blockHash) {
    BitcoinBlockHeader h;
    try {
      h = BitcoinBlockHeader.fromHex(getBlockHeaderHex(blockHash));
    } catch (MalformedEncodingException e) {
      throw malformed("getblockheader", e.getMessage());
    }
    if (!h.hash().equals(blockHash)) {
      throw malformed("getblockheader", "the node returned a header with another hash");
    }
    return h;
  }

  /** {@code getblockheader} with {@code verbose=true}. */
  public BlockHeaderInfo getBlockHeaderInfo(Digest blockHash) {
    String m = "getblockheader";
    Map<String, Object> r = object(m, call(m, blockHash.reversed().toHex(), true));
    Digest prev = r.containsKey("previousblockhash") ? hash(m, r, "previousblockhash") : Digest.of(new byte[32]);
    long bits;
    try {
      bits = Long.parseLong(str(m, r, "bits"), 16);
    } catch (NumberFormatException e) {
      throw malformed(m, "bits is not hex");
    }
    BitcoinBlockHeader h;
    try {
      h = BitcoinBlockHeader.of((int) lng(m, r, "version"), prev, hash(m, r, "merkleroot"),
          lng(m, r, "time"), (int) bits, lng(m, r, "nonce"));
    } catch (IllegalArgumentException e) {
      throw malformed(m, e.getMessage());
    }
    if (!h.hash().equals(hash(m, r, "hash")) || !h.hash().equals(blockHash)) {
      throw malformed(m, "the header fields do not hash to the block hash");
    }
    Optional<Digest> next = r.containsKey("nextblockhash") ? Optional.of(hash(m, r, "nextblockhash")) : Optional.empty();
    return new BlockHeaderInfo(h, atLeast(m, r, "height", 0), atLeast(m, r, "confirmations", -1), lng(m, r, "mediantime"),
        lng(m, r, "nTx"), work(m, r, "chainwork"), next);
  }

  /**
   * {@code getrawtransaction} with {@code verbose=false}: the serialized transaction, checked to
   * be the one asked for. Without {@code -txindex} the node finds only mempool transactions (or
   * those of a given block).
   */
  public byte[] getRawTransactionBytes(Digest txid) {
    String m = "getrawtransaction";
    return transaction(m, call(m, txid.reversed().toHex(), false), txid);
  }

  /** {@code getrawtransaction} with {@code verbose=true}: bytes (checked as above) plus confirmation status. */
  public RawTransaction getRawTransaction(Digest txid) {
    return rawTransaction(call("getrawtransaction", txid.reversed().toHex(), true), txid);
  }

  /** {@code getrawtransaction} looking only in {@code blockHash} (works without {@code -txindex}). */
  public RawTransaction getRawTransaction(Digest txid, Digest blockHash) {
    return rawTransaction(call("getrawtransaction", txid.reversed().toHex(), true, blockHash.reversed().toHex()), txid);
  }

  private RawTransaction rawTransaction(Object result, Digest txid) {
    String m = "getrawtransaction";
    Map<String, Object> r = object(m, result);
    byte[] raw = transaction(m, field(m, r, "hex"), txid);
    if (!hash(m, r, "txid").equals(txid)) {
      throw malformed(m, "the reply's txid is not the one asked for");
    }
    Optional<Digest> block = r.containsKey("blockhash") ? Optional.of(hash(m, r, "blockhash")) : Optional.empty();
    long conf = r.containsKey("confirmations") ? lng(m, r, "confirmations") : 0;
    OptionalLong time = r.containsKey("blocktime") ? OptionalLong.of(lng(m, r, "blocktime")) : OptionalLong.empty();
    return new RawTransaction(raw, txid, block, conf, time);
  }

  /** {@code sendrawtransaction}: broadcasts and returns the txid (internal order). */
  public Digest sendRawTransaction(byte[] rawTransaction) {
    String m = "sendrawtransaction";
    return displayHash(m, call(m, Hex.encode(rawTransaction)));
  }

  /**
   * {@code sendrawtransaction} with a {@code maxfeerate} in BTC/kvB (0 accepts any fee rate).
   */
  public Digest sendRawTransaction(byte[] rawTransaction, BigDecimal maxFeeRateBtcPerKvB) {
    String m = "sendrawtransaction";
    return displayHash(m, call(m, Hex.encode(rawTransaction), maxFeeRateBtcPerKvB));
  }

  /** {@code gettxoutproof}: a serialized BIP 37 {@code merkleblock} proving the txids. */
  public byte[] getTxOutProof(List<Digest> txids) {
    return txOutProof(txids, null);
  }

  /** {@code gettxoutproof} looking in {@code blockHash}. */
  public byte[] getTxOutProof(List<Digest> txids, Digest blockHash) {
    return txOutProof(txids, Objects.requireNonNull(blockHash));
  }

  private byte[] txOutProof(List<Digest> txids, Digest blockHash) {
    List<Object> ids = new ArrayList<>();
    txids.forEach(t -> ids.add(t.reversed().toHex()));
    String m = "gettxoutproof";
    return hexBytes(m, blockHash == null ? call(m, ids) : call(m, ids, blockHash.reversed().toHex()));
  }

  /** {@code listunspent} with at least {@code minConf} confirmations, for all wallet addresses. */
  public List<UnspentOutput> listUnspent(int minConf) {
    return listUnspent(minConf, 9_999_999, List.of());
  }

  /** {@code listunspent minconf maxconf addresses}. */
  public List<UnspentOutput> listUnspent(int minConf, int maxConf, List<String> addresses) {
    String m = "listunspent";
    List<Object> out = Json.asArray(wrap(m, () -> call(m, minConf, maxConf, new ArrayList<Object>(addresses))), m);
    List<UnspentOutput> list = new ArrayList<>(out.size());
    for (Object o : out) {
      Map<String, Object> u = object(m, o);
      long vout = lng(m, u, "vout");
      if (vout < 0 || vout > Integer.MAX_VALUE) {
        throw malformed(m, "vout out of range");
      }
      Optional<String> addr = u.get("address") instanceof String s ? Optional.of(s) : Optional.empty();
      list.add(new UnspentOutput(hash(m, u, "txid"), (int) vout, addr, hexBytes(m, Json.member(u, "scriptPubKey")),
          sats(m, dec(m, u, "amount")), lng(m, u, "confirmations"), bool(m, u, "spendable"),
          !u.containsKey("safe") || bool(m, u, "safe")));
    }
    return list;
  }

  /** {@code estimatesmartfee confTarget} in the node's default mode. */
  public FeeEstimate estimateSmartFee(int confTarget) {
    return estimateSmartFee(confTarget, EstimateMode.UNSET);
  }

  /** {@code estimatesmartfee confTarget mode}. */
  public FeeEstimate estimateSmartFee(int confTarget, EstimateMode mode) {
    String m = "estimatesmartfee";
    Map<String, Object> r = object(m, call(m, (long) confTarget, mode.name().toLowerCase(java.util.Locale.ROOT)));
    Optional<BigDecimal> rate = r.containsKey("feerate") ? Optional.of(feeRate(m, dec(m, r, "feerate")))
        : Optional.empty();
    List<String> errors = new ArrayList<>();
    if (r.containsKey("errors")) {
      for (Object e : Json.asArray(r.get("errors"), "errors")) {
        errors.add(String.valueOf(e));
      }
    }
    return new FeeEstimate(rate, lng(m, r, "blocks"), errors);
  }

  /** {@code getrawmempool}: the txids in the node's mempool (internal order). */
  public List<Digest> getRawMempool() {
    String m = "getrawmempool";
    List<Digest> out = new ArrayList<>();
    for (Object o : Json.asArray(wrap(m, () -> call(m)), m)) {
      out.add(displayHash(m, o));
    }
    return out;
  }

  /**
   * {@code generatetoaddress}: mines {@code blocks} blocks paying {@code address} (regtest only);
   * returns their hashes (internal order).
   */
  public List<Digest> generateToAddress(int blocks, String address) {
    String m = "generatetoaddress";
    List<Digest> out = new ArrayList<>();
    for (Object o : Json.asArray(wrap(m, () -> call(m, (long) blocks, address)), m)) {
      out.add(displayHash(m, o));
    }
    return out;
  }

  // ---- HeaderSource -----------------------------------------------------------------------------

  /** The active chain's header at {@code height}; empty when the height is above the tip. */
  @Override
  public Optional<BitcoinBlockHeader> headerAt(long height) {
    Digest hash;
    try {
      hash = getBlockHash(height);
    } catch (BitcoinRpcException e) {
      if (e.kind() == BitcoinRpcException.Kind.RPC_ERROR && e.code() == BitcoinRpcException.RPC_INVALID_PARAMETER) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(getBlockHeader(hash));
  }

  /** The header for {@code blockHash}; empty when unknown or not in the active chain. */
  @Override
  public Optional<HeightAndHeader> headerByHash(Digest blockHash) {
    BlockHeaderInfo info;
    try {
      info = getBlockHeaderInfo(blockHash);
    } catch (BitcoinRpcException e) {
      if (e.kind() == BitcoinRpcException.Kind.RPC_ERROR && e.code() == BitcoinRpcException.RPC_INVALID_ADDRESS_OR_KEY) {
        return Optional.empty();
      }
      throw e;
    }
    return info.confirmations() < 0 ? Optional.empty() : Optional.of(new HeightAndHeader(info.height(), info.header()));
  }

  /** The height of the node's best validated block. */
  @Override
  public OptionalLong bestHeight() {
    return OptionalLong.of(getBlockchainInfo().blocks());
  }

  // ---- transport --------------------------------------------------------------------------------

  /**
   * Calls {@code method} with positional {@code params} (strings, numbers, booleans, lists, null)
   * and returns the {@code result} as a JSON tree of maps, lists, strings, numbers and booleans.
   */
  Object call(String method, Object... params) {
    long id = ids.incrementAndGet();
    String body = Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("jsonrpc", "1.0");
      g.writeNumberField("id", id);
      g.writeStringField("method", method);
      g.writeArrayFieldStart("params");
      for (Object p : params) {
        Json.writeValue(g, p);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
    HttpRequest req = HttpRequest.newBuilder(endpoint)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Authorization", authorization(method))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    HttpResponse<InputStream> resp;
    byte[] content;
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      content = readBody(resp.body(), deadline);
    } catch (HttpConnectTimeoutException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.TIMEOUT, method, 0,
          "no connection to " + endpointForMessages() + " within the connect timeout", e);
    } catch (HttpTimeoutException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.TIMEOUT, method, 0,
          "no response from " + endpointForMessages() + " within " + requestTimeout.toMillis() + " ms", e);
    } catch (ConnectException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.CONNECTION, method, 0,
          "cannot connect to " + endpointForMessages(), e);
    } catch (IOException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.CONNECTION, method, 0,
          "I/O error talking to " + endpointForMessages() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.CONNECTION, method, 0, "interrupted", e);
    }
    int status = resp.statusCode();
    if (status == 401) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.UNAUTHORIZED, method, status,
          "HTTP 401: the node did not accept the RPC credentials"
              + (cookieFile != null ? " from the cookie file " + cookieFile : ""), null);
    }
    if (content.length > MAX_RESPONSE_BYTES) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.MALFORMED_RESPONSE, method, status,
          "response larger than " + MAX_RESPONSE_BYTES + " bytes", null);
    }
    Map<String, Object> reply = null;
    try {
      if (content.length > 0) {
        Object parsed = Json.parse(new String(content, StandardCharsets.UTF_8));
        if (parsed instanceof Map<?, ?>) {
          reply = Json.asObject(parsed, "reply");
        }
      }
    } catch (MalformedEncodingException e) {
      reply = null;
    }
    if (reply != null && reply.get("error") instanceof Map<?, ?>) {
      Map<String, Object> err = Json.asObject(reply.get("error"), "error");
      int code = err.get("code") instanceof Long l ? l.intValue() : 0;
      String msg = err.get("message") instanceof String s ? s : String.valueOf(err.get("message"));
      throw BitcoinRpcException.rpcError(method, code, msg, status);
    }
    if (status != 200) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.HTTP_ERROR, method, status,
          "HTTP " + status + " from " + endpointForMessages(), null);
    }
    if (reply == null || !reply.containsKey("result")) {
      throw malformed(method, "the reply is not a JSON-RPC response object");
    }
    if (!Objects.equals(reply.get("id"), id)) {
      throw malformed(method, "the reply's id does not match the request");
    }
    return reply.get("result");
  }

  /**
   * Reads at most {@link #MAX_RESPONSE_BYTES} + 1 bytes of a body, closing it at {@code deadline}
   * (the client's request timeout ends with the headers, so a node could trickle a body forever).
   */
  private static byte[] readBody(InputStream body, long deadline) throws IOException {
    AtomicBoolean late = new AtomicBoolean();
    long left = Math.max(0, deadline - System.nanoTime());
    CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> {
      late.set(true);
      try {
        body.close();
      } catch (IOException e) {
        // the reader sees the stream end or fail, and the timeout below
      }
    }, CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS));
    try (InputStream in = body) {
      byte[] content = in.readNBytes(MAX_RESPONSE_BYTES + 1);
      if (!late.get()) {
        return content;
      }
    } catch (IOException e) {
      if (!late.get()) {
        throw e;
      }
    } finally {
      watchdog.cancel(false);
    }
    throw new HttpTimeoutException("the response body did not arrive in time");
  }

  private String authorization(String method) {
    if (basicAuth != null) {
      // java.net.http takes header values as String only: one short-lived copy per request
      return new String(basicAuth, StandardCharsets.US_ASCII);
    }
    char[] cookie = null;
    byte[] header = null;
    try {
      if (Files.exists(cookieFile) && !Files.isRegularFile(cookieFile)) {
        // a named pipe would hold this call at its opening, past the request timeout
        throw BitcoinRpcException.transport(BitcoinRpcException.Kind.UNAUTHORIZED, method, 0,
            "cookie file " + cookieFile + " is not a regular file", null);
      }
      // read in one opening (not a link, not swapped meanwhile) into wiped buffers, never a String
      // of the cookie in clear; any mode and owner, as the Bitcoin node may share it with a group
      cookie = SecretLine.read(cookieFile, MAX_COOKIE_BYTES, "cookie file " + cookieFile, SecretFile.Access.ANY);
      int colon = 0;
      while (colon < cookie.length && cookie[colon] != ':') {
        colon++;
      }
      if (colon == 0 || colon == cookie.length) {
        throw BitcoinRpcException.transport(BitcoinRpcException.Kind.UNAUTHORIZED, method, 0,
            "cookie file " + cookieFile + " is not of the form user:password", null);
      }
      header = basicHeader(cookie);
      // java.net.http takes header values as String only: its Base64 is the one copy left, per request
      return new String(header, StandardCharsets.US_ASCII);
    } catch (MalformedEncodingException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.UNAUTHORIZED, method, 0, e.getMessage(), null);
    } catch (SecretFile.RefusedException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.UNAUTHORIZED, method, 0,
          "cookie file " + e.getMessage(), null);
    } catch (IOException e) {
      throw BitcoinRpcException.transport(BitcoinRpcException.Kind.UNAUTHORIZED, method, 0,
          "cannot read the cookie file " + cookieFile + " (is the node running?)", e);
    } finally {
      if (cookie != null) {
        Arrays.fill(cookie, '\0');
      }
      if (header != null) {
        Arrays.fill(header, (byte) 0);
      }
    }
  }

  /** {@code Basic base64(user:password)} as ASCII bytes, made without a {@code String} of the password; scratch wiped. */
  private static byte[] basicHeader(String user, char[] password) {
    char[] both = new char[user.length() + 1 + password.length];
    user.getChars(0, user.length(), both, 0);
    both[user.length()] = ':';
    System.arraycopy(password, 0, both, user.length() + 1, password.length);
    try {
      return basicHeader(both);
    } finally {
      Arrays.fill(both, '\0');
    }
  }

  /** {@code Basic base64(userColonPassword)} as ASCII bytes, through no {@code String}; scratch wiped. */
  private static byte[] basicHeader(char[] userColonPassword) {
    byte[] utf8 = new byte[3 * userColonPassword.length];
    byte[] b64 = null;
    try {
      java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(utf8);
      StandardCharsets.UTF_8.newEncoder().encode(java.nio.CharBuffer.wrap(userColonPassword), out, true);
      b64 = Base64.getEncoder().encode(out.flip()).array();
      byte[] prefix = "Basic ".getBytes(StandardCharsets.US_ASCII);
      byte[] header = Arrays.copyOf(prefix, prefix.length + b64.length);
      System.arraycopy(b64, 0, header, prefix.length, b64.length);
      return header;
    } finally {
      Arrays.fill(utf8, (byte) 0);
      if (b64 != null) {
        Arrays.fill(b64, (byte) 0);
      }
    }
  }

  /** The endpoint without any user information, for messages. */
  private String endpointForMessages() {
    return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() >= 0 ? ":" + endpoint.getPort() : "")
        + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath());
  }

  @Override
  public String toString() {
    return "BitcoinRpcClient[" + endpointForMessages() + "]";
  }

  // ---- reply decoding ---------------------------------------------------------------------------

  private static BitcoinRpcException malformed(String method, String why) {
    return BitcoinRpcException.transport(BitcoinRpcException.Kind.MALFORMED_RESPONSE, method, 200,
        "unexpected reply: " + why, null);
  }

  private interface Call<T> {
    T get();
  }

  private static <T> T wrap(String method, Call<T> c) {
    try {
      return c.get();
    } catch (MalformedEncodingException e) {
      throw malformed(method, e.getMessage());
    }
  }

  private static Map<String, Object> object(String m, Object v) {
    return wrap(m, () -> Json.asObject(v, "result"));
  }

  private static Object field(String m, Map<String, Object> r, String k) {
    return wrap(m, () -> Json.member(r, k));
  }

  private static String str(String m, Map<String, Object> r, String k) {
    return wrap(m, () -> Json.asString(field(m, r, k), k));
  }

  private static long lng(String m, Map<String, Object> r, String k) {
    return wrap(m, () -> Json.asLong(field(m, r, k), k));
  }

  /** An integer member that is at least {@code min}. */
  private static long atLeast(String m, Map<String, Object> r, String k, long min) {
    long v = lng(m, r, k);
    if (v < min) {
      throw malformed(m, k + " " + v + " is below " + min);
    }
    return v;
  }

  private static boolean bool(String m, Map<String, Object> r, String k) {
    if (field(m, r, k) instanceof Boolean b) {
      return b;
    }
    throw malformed(m, k + " must be a boolean");
  }

  private static BigDecimal dec(String m, Map<String, Object> r, String k) {
    Object v = field(m, r, k);
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Long l) {
      return BigDecimal.valueOf(l);
    }
    if (v instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    throw malformed(m, k + " must be a number");
  }

  /** A cumulative work: at most {@value #MAX_WORK_HEX_DIGITS} ASCII hex digits (256 bits). */
  private static BigInteger work(String m, Map<String, Object> r, String k) {
    String s = str(m, r, k);
    if (s.isEmpty() || s.length() > MAX_WORK_HEX_DIGITS || !s.chars().allMatch(BitcoinRpcClient::isAsciiHex)) {
      throw malformed(m, k + " must be 1.." + MAX_WORK_HEX_DIGITS + " hex digits");
    }
    return new BigInteger(s, 16);
  }

  private static boolean isAsciiHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static Digest hash(String m, Map<String, Object> r, String k) {
    return displayHash(m, field(m, r, k));
  }

  private static Digest displayHash(String m, Object v) {
    if (v instanceof String s && s.length() == 64) {
      try {
        return Digest.fromHex(s).reversed();
      } catch (IllegalArgumentException | MalformedEncodingException e) {
        throw malformed(m, "a hash is not hex");
      }
    }
    throw malformed(m, "expected a 64-character hash");
  }

  private static byte[] hexBytes(String m, Object v) {
    if (v instanceof String s) {
      try {
        return Hex.decode(s);
      } catch (IllegalArgumentException | MalformedEncodingException e) {
        throw malformed(m, "expected hex: " + e.getMessage());
      }
    }
    throw malformed(m, "expected a hex string");
  }

  /** A fee rate in BTC/kvB: 0..{@link #MAX_BTC}, in whole satoshis as Core prints it. */
  private static BigDecimal feeRate(String m, BigDecimal btcPerKvB) {
    if (btcPerKvB.signum() < 0 || btcPerKvB.compareTo(MAX_BTC) > 0
        || btcPerKvB.stripTrailingZeros().scale() > 8) {
      throw malformed(m, "feerate " + btcPerKvB + " is not a whole number of satoshis per kvB from 0 to "
          + MAX_BTC.toPlainString());
    }
    return btcPerKvB;
  }

  /** The bytes of a serialized transaction whose txid is {@code txid}. */
  private static byte[] transaction(String m, Object hex, Digest txid) {
    byte[] raw = hexBytes(m, hex);
    Digest got;
    try {
      got = Transaction.parse(raw).txid();
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw malformed(m, "not a transaction: " + e.getMessage());
    }
    if (!got.equals(txid)) {
      throw malformed(m, "the node returned transaction " + got.reversed().toHex() + " for " + txid.reversed().toHex());
    }
    return raw;
  }

  private static long sats(String m, BigDecimal btc) {
    try {
      long v = btc.multiply(SATS_PER_BTC).longValueExact();
      if (v < 0) {
        throw malformed(m, "negative amount");
      }
      return v;
    } catch (ArithmeticException e) {
      throw malformed(m, "amount " + btc + " is not a whole number of satoshis");
    }
  }
}
