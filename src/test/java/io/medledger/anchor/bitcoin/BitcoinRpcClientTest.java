package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medledger.anchor.bitcoin.LocalHttpServer.Reply;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.testing.SharedVectors;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RPC client against a local HTTP server (127.0.0.1, ephemeral port) that answers as Bitcoin Core does (the reply shapes
 * of its RPC help and of its HTTP server: errors as HTTP 500 with an error object for JSON-RPC
 * 1.0 requests, 401 with an empty body for bad credentials).
 */
class BitcoinRpcClientTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String USER = "anchor";
  private static final String PASSWORD = "secretpw-do-not-log";

  private LocalHttpServer server;
  private final Map<String, Function<JsonNode, Reply>> handlers = new ConcurrentHashMap<>();
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private volatile String expectedAuth = basic(USER + ":" + PASSWORD);

  @TempDir
  Path tmp;

  private static String basic(String userPass) {
    return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
  }

  @BeforeEach
  void start() throws IOException {
    server = new LocalHttpServer(this::handle);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Reply handle(Map<String, String> headers, byte[] body) {
    if (!expectedAuth.equals(headers.get("Authorization"))) {
      return new Reply(401, ""); // Core: 401 with WWW-Authenticate and no body
    }
    JsonNode req;
    try {
      req = MAPPER.readTree(body);
    } catch (IOException e) {
      return new Reply(500, "");
    }
    requests.add(req);
    Function<JsonNode, Reply> h = handlers.get(req.get("method").asText());
    return h == null ? error(404, req, -32601, "Method not found") : h.apply(req);
  }

  private static Reply ok(JsonNode req, Object result) {
    ObjectNode o = MAPPER.createObjectNode();
    o.set("result", MAPPER.valueToTree(result));
    o.putNull("error");
    o.set("id", req.get("id"));
    return new Reply(200, o.toString());
  }

  private static Reply okRaw(JsonNode req, String resultJson) {
    return new Reply(200, "{\"result\":" + resultJson + ",\"error\":null,\"id\":" + req.get("id") + "}");
  }

  private static Reply error(int status, JsonNode req, int code, String message) {
    ObjectNode o = MAPPER.createObjectNode();
    o.putNull("result");
    ObjectNode e = o.putObject("error");
    e.put("code", code);
    e.put("message", message);
    o.set("id", req.get("id"));
    return new Reply(status, o.toString());
  }

  private URI uri() {
    return server.uri();
  }

  private BitcoinRpcClient client() {
    return BitcoinRpcClient.builder(uri()).credentials(USER, PASSWORD.toCharArray())
        .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(5)).build();
  }

  private static JsonNode block(long height) {
    for (JsonNode b : SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks")) {
      if (b.get("height").asLong(-1) == height) {
        return b;
      }
    }
    throw new AssertionError("no block " + height);
  }

  /** getblockheader verbose=true as Core prints it, from a real header. */
  private static ObjectNode verboseHeader(BitcoinBlockHeader h, long height, long confirmations) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("hash", h.hashHex());
    o.put("confirmations", confirmations);
    o.put("height", height);
    o.put("version", h.version());
    o.put("versionHex", String.format("%08x", h.version()));
    o.put("merkleroot", h.merkleRootHex());
    o.put("time", h.time());
    o.put("mediantime", h.time() - 1000);
    o.put("nonce", h.nonce());
    o.put("bits", CompactTarget.toHex(h.bits()));
    o.put("difficulty", 1.0);
    o.put("chainwork", "0000000000000000000000000000000000000000000000000000000100010001");
    o.put("nTx", 1);
    if (height > 0) {
      o.put("previousblockhash", h.previousBlockHash().reversed().toHex());
    }
    return o;
  }

  @Test
  void headersAndChainInfo() {
    BitcoinBlockHeader h830 = BitcoinBlockHeader.fromHex(block(830000).get("header_hex").asText());
    BitcoinBlockHeader genesis = BitcoinBlockHeader.fromHex(block(0).get("header_hex").asText());
    handlers.put("getblockchaininfo", r -> okRaw(r, "{\"chain\":\"main\",\"blocks\":830005,\"headers\":830005,"
        + "\"bestblockhash\":\"" + h830.hashHex() + "\",\"difficulty\":86388558925171.02,\"time\":1713571767,"
        + "\"mediantime\":1713570208,\"verificationprogress\":0.9999987,\"initialblockdownload\":false,"
        + "\"chainwork\":\"0000000000000000000000000000000000000000753bdab0e0d745453677442b\","
        + "\"size_on_disk\":640876314373,\"pruned\":false,\"warnings\":\"\"}"));
    handlers.put("getblockhash", r -> {
      long height = r.get("params").get(0).asLong();
      if (height == 830000) {
        return ok(r, h830.hashHex());
      }
      if (height == 0) {
        return ok(r, genesis.hashHex());
      }
      return error(500, r, -8, "Block height out of range");
    });
    handlers.put("getblockheader", r -> {
      String hash = r.get("params").get(0).asText();
      BitcoinBlockHeader h = hash.equals(h830.hashHex()) ? h830 : hash.equals(genesis.hashHex()) ? genesis : null;
      if (h == null) {
        return error(500, r, -5, "Block not found");
      }
      if (!r.get("params").get(1).asBoolean()) {
        return ok(r, h.toHex());
      }
      return ok(r, verboseHeader(h, h == h830 ? 830000 : 0, h == h830 ? 6 : 830006));
    });
    BitcoinRpcClient c = client();
    BitcoinRpcClient.BlockchainInfo info = c.getBlockchainInfo();
    assertEquals("main", info.chain());
    assertEquals(830005, info.blocks());
    assertEquals(h830.hash(), info.bestBlockHash());
    assertFalse(info.initialBlockDownload());
    assertEquals(new java.math.BigInteger("753bdab0e0d745453677442b", 16), info.chainWork());

    assertEquals(h830.hash(), c.getBlockHash(830000));
    assertEquals(h830.toHex(), c.getBlockHeaderHex(h830.hash()));
    assertEquals(h830, c.getBlockHeader(h830.hash()));
    BitcoinRpcClient.BlockHeaderInfo hi = c.getBlockHeaderInfo(h830.hash());
    assertEquals(h830, hi.header());
    assertEquals(830000, hi.height());
    assertEquals(6, hi.confirmations());
    assertEquals(genesis, c.getBlockHeaderInfo(genesis.hash()).header(), "genesis has no previousblockhash");

    // As a header source.
    assertEquals(h830, c.headerAt(830000).orElseThrow());
    assertTrue(c.headerAt(900000).isEmpty(), "-8 Block height out of range is 'no header'");
    assertEquals(830000, c.headerByHash(h830.hash()).orElseThrow().height());
    assertTrue(c.headerByHash(Digest.of(new byte[32])).isEmpty(), "-5 Block not found is 'no header'");
    assertEquals(830005, c.bestHeight().getAsLong());
    TxInclusion proven = new SpvVerifier(c, BitcoinChainParams.MAINNET).verifyBranch(spvBranch(block(830000)), 830000);
    assertTrue(proven.proven(), proven.toString());
    assertEquals(6, ((TxInclusion.Proven) proven).confirmations());

    // What went over the wire: JSON-RPC 1.0, display-order hashes, positional params.
    JsonNode first = requests.get(0);
    assertEquals("1.0", first.get("jsonrpc").asText());
    assertEquals("getblockchaininfo", first.get("method").asText());
    assertTrue(requests.stream().anyMatch(q -> q.get("method").asText().equals("getblockheader")
        && q.get("params").get(0).asText().equals(h830.hashHex()) && !q.get("params").get(1).asBoolean()));
  }

  private static MerkleBranch spvBranch(JsonNode b) {
    JsonNode s = b.get("spv_branches").get(1);
    List<Digest> path = new java.util.ArrayList<>();
    s.get("branch").forEach(x -> path.add(Digest.fromHex(x.asText()).reversed()));
    return new MerkleBranch(Digest.fromHex(s.get("txid").asText()).reversed(), s.get("tx_index").asLong(), path);
  }

  @Test
  void aHeaderWhoseFieldsDoNotHashToTheRequestedBlockIsRefused() {
    BitcoinBlockHeader h830 = BitcoinBlockHeader.fromHex(block(830000).get("header_hex").asText());
    BitcoinBlockHeader other = BitcoinBlockHeader.fromHex(block(0).get("header_hex").asText());
    handlers.put("getblockheader", r -> r.get("params").get(1).asBoolean()
        ? ok(r, verboseHeader(other, 0, 1)) : ok(r, other.toHex()));
    BitcoinRpcClient c = client();
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
        assertThrows(BitcoinRpcException.class, () -> c.getBlockHeader(h830.hash())).kind());
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
        assertThrows(BitcoinRpcException.class, () -> c.getBlockHeaderInfo(h830.hash())).kind());
  }

  @Test
  void transactionsProofsUtxosAndFees() {
    JsonNode b170 = block(170);
    byte[] rawBlock = Hex.decode(b170.get("raw_block_hex").asText());
    Digest txid = Digest.fromHex(b170.get("txids").get(1).asText()).reversed();
    // The second transaction is the tail of the block (see OtsTimestampTest for how it is found).
    byte[] tx = java.util.Arrays.copyOfRange(rawBlock, rawBlock.length - 275, rawBlock.length);
    assertEquals(txid, io.medledger.crypto.Sha256.doubleHash(tx));
    JsonNode mb = SharedVectors.json("vectors/bitcoin/mainnet-merkleblocks.json").get("merkleblocks").get(2);
    String proofHex = mb.get("merkleblock_hex").asText();

    handlers.put("getrawtransaction", r -> {
      if (!r.get("params").get(0).asText().equals(b170.get("txids").get(1).asText())) {
        return error(500, r, -5, "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
      }
      if (!r.get("params").get(1).asBoolean()) {
        return ok(r, Hex.encode(tx));
      }
      ObjectNode o = MAPPER.createObjectNode();
      o.put("txid", b170.get("txids").get(1).asText());
      o.put("hash", b170.get("txids").get(1).asText());
      o.put("version", 1);
      o.put("size", 275);
      o.put("vsize", 275);
      o.put("weight", 1100);
      o.put("locktime", 0);
      o.putArray("vin");
      o.putArray("vout");
      o.put("hex", Hex.encode(tx));
      o.put("blockhash", b170.get("hash").asText());
      o.put("confirmations", 829831);
      o.put("time", b170.get("time").asLong());
      o.put("blocktime", b170.get("time").asLong());
      return ok(r, o);
    });
    handlers.put("sendrawtransaction", r -> {
      String hex = r.get("params").get(0).asText();
      if (hex.equals(Hex.encode(tx))) {
        return error(500, r, -27, "Transaction already in block chain");
      }
      if (hex.startsWith("02")) {
        return ok(r, "e4cf5f6c1f3c83f5e0a4b9a4f8d3e7f9b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7");
      }
      return error(500, r, -26, "min relay fee not met, 100 < 141");
    });
    handlers.put("gettxoutproof", r -> r.get("params").get(0).get(0).asText().equals(mb.get("matched").get(0).get("txid").asText())
        ? ok(r, proofHex) : error(500, r, -5, "Transaction not yet in block"));
    handlers.put("listunspent", r -> okRaw(r, "[{\"txid\":\"" + b170.get("txids").get(1).asText() + "\",\"vout\":1,"
        + "\"address\":\"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\",\"label\":\"\","
        + "\"scriptPubKey\":\"0014e8df018c7e326cc253faac7e46cdc51e68542c42\",\"amount\":0.00012345,"
        + "\"confirmations\":7,\"spendable\":true,\"solvable\":true,"
        + "\"desc\":\"wpkh([d34db33f/84h/0h/0h/0/1]02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9)#abcdefgh\","
        + "\"parent_descs\":[],\"safe\":true},"
        + "{\"txid\":\"" + b170.get("txids").get(0).asText() + "\",\"vout\":0,\"scriptPubKey\":\"6a\","
        + "\"amount\":50.00000000,\"confirmations\":100,\"spendable\":false,\"solvable\":false,\"safe\":false}]"));
    handlers.put("estimatesmartfee", r -> r.get("params").get(0).asInt() < 1000
        ? okRaw(r, "{\"feerate\":0.00010123,\"blocks\":" + r.get("params").get(0).asInt() + "}")
        : okRaw(r, "{\"errors\":[\"Insufficient data or no feerate found\"],\"blocks\":0}"));

    BitcoinRpcClient c = client();
    assertArrayEquals(tx, c.getRawTransactionBytes(txid));
    BitcoinRpcClient.RawTransaction rt = c.getRawTransaction(txid);
    assertArrayEquals(tx, rt.raw());
    assertEquals(txid, rt.txid());
    assertEquals(Digest.fromHex(b170.get("hash").asText()).reversed(), rt.blockHash().orElseThrow());
    assertEquals(829831, rt.confirmations());
    assertEquals(b170.get("time").asLong(), rt.blockTime().getAsLong());

    BitcoinRpcException notFound = assertThrows(BitcoinRpcException.class, () -> c.getRawTransaction(Digest.of(new byte[32])));
    assertEquals(BitcoinRpcException.Kind.RPC_ERROR, notFound.kind());
    assertEquals(BitcoinRpcException.RPC_INVALID_ADDRESS_OR_KEY, notFound.code());
    assertTrue(notFound.rpcMessage().startsWith("No such mempool or blockchain transaction"));
    assertEquals(500, notFound.httpStatus());
    assertTrue(notFound.getMessage().contains("getrawtransaction failed with RPC error -5"));

    BitcoinRpcException rejected = assertThrows(BitcoinRpcException.class, () -> c.sendRawTransaction(new byte[] {1, 0}));
    assertEquals(BitcoinRpcException.RPC_VERIFY_REJECTED, rejected.code());
    assertEquals("min relay fee not met, 100 < 141", rejected.rpcMessage());
    assertEquals(BitcoinRpcException.RPC_VERIFY_ALREADY_IN_CHAIN,
        assertThrows(BitcoinRpcException.class, () -> c.sendRawTransaction(tx)).code());
    Digest sent = c.sendRawTransaction(new byte[] {2, 0}, new BigDecimal("0.10"));
    assertEquals("e4cf5f6c1f3c83f5e0a4b9a4f8d3e7f9b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7", sent.reversed().toHex());
    assertEquals(0, new BigDecimal("0.1").compareTo(requests.get(requests.size() - 1).get("params").get(1).decimalValue()));

    Digest matched = Digest.fromHex(mb.get("matched").get(0).get("txid").asText()).reversed();
    assertArrayEquals(Hex.decode(proofHex), c.getTxOutProof(List.of(matched)));
    byte[] proofBytes = c.getTxOutProof(List.of(matched), Digest.fromHex(mb.get("block_hash").asText()).reversed());
    assertEquals(BitcoinBlockHeader.fromHex(mb.get("header_hex").asText()), BitcoinBlockHeader.parse(proofBytes, 0));
    assertEquals(mb.get("block_hash").asText(), requests.get(requests.size() - 1).get("params").get(1).asText());
    // What gettxoutproof returns proves the transaction against the block's header.
    BitcoinBlockHeader h830 = BitcoinBlockHeader.fromHex(mb.get("header_hex").asText());
    TxInclusion inc = new SpvVerifier(FileHeaderSource.of(Map.of(830000L, h830)), BitcoinChainParams.MAINNET)
        .verifyMerkleBlock(matched, proofBytes);
    assertTrue(inc.proven(), inc.toString());

    List<BitcoinRpcClient.UnspentOutput> utxos = c.listUnspent(1);
    assertEquals(2, utxos.size());
    assertEquals(txid, utxos.get(0).txid());
    assertEquals(1, utxos.get(0).vout());
    assertEquals(12345, utxos.get(0).amountSats());
    assertEquals("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", utxos.get(0).address().orElseThrow());
    assertEquals("0014e8df018c7e326cc253faac7e46cdc51e68542c42", Hex.encode(utxos.get(0).scriptPubKey()));
    assertEquals(5_000_000_000L, utxos.get(1).amountSats());
    assertTrue(utxos.get(1).address().isEmpty());
    assertFalse(utxos.get(1).safe());

    BitcoinRpcClient.FeeEstimate fee = c.estimateSmartFee(6, BitcoinRpcClient.EstimateMode.CONSERVATIVE);
    assertEquals(new BigDecimal("0.00010123"), fee.btcPerKvB().orElseThrow());
    assertEquals(11, fee.satPerVByteCeil().getAsLong());
    assertEquals("conservative", requests.get(requests.size() - 1).get("params").get(1).asText());
    BitcoinRpcClient.FeeEstimate none = c.estimateSmartFee(1008);
    assertTrue(none.btcPerKvB().isEmpty());
    assertTrue(none.satPerVByteCeil().isEmpty());
    assertEquals(List.of("Insufficient data or no feerate found"), none.errors());
  }

  @Test
  void fractionalSatoshisAreMalformed() {
    handlers.put("listunspent", r -> okRaw(r, "[{\"txid\":\"" + "11".repeat(32) + "\",\"vout\":0,"
        + "\"scriptPubKey\":\"51\",\"amount\":0.000000001,\"confirmations\":1,\"spendable\":true,\"safe\":true}]"));
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> client().listUnspent(0));
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE, e.kind());
  }

  @Test
  void aNegativeHeightOrConfirmationCountIsMalformed() {
    // A height of -1 reached TxObservation.Confirmed, whose IllegalArgumentException escaped Anchorer.tick.
    BitcoinBlockHeader h830 = BitcoinBlockHeader.fromHex(block(830000).get("header_hex").asText());
    for (long[] bad : new long[][] {{-1, 5}, {830000, -2}, {Long.MIN_VALUE, 1}}) {
      handlers.put("getblockheader", r -> ok(r, verboseHeader(h830, bad[0], bad[1])));
      BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> client().getBlockHeaderInfo(h830.hash()));
      assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE, e.kind(), bad[0] + "/" + bad[1]);
    }
    handlers.put("getblockheader", r -> ok(r, verboseHeader(h830, 830000, -1)));
    assertEquals(-1, client().getBlockHeaderInfo(h830.hash()).confirmations(), "a block off the active chain");
    handlers.put("getblockchaininfo", r -> okRaw(r, "{\"chain\":\"main\",\"blocks\":-1,\"headers\":0,"
        + "\"bestblockhash\":\"" + "11".repeat(32) + "\",\"mediantime\":1,\"verificationprogress\":1,"
        + "\"initialblockdownload\":false,\"chainwork\":\"01\",\"pruned\":false}"));
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
        assertThrows(BitcoinRpcException.class, () -> client().bestHeight()).kind());
  }

  @Test
  void aHeaderTimeOrNonceOutside32BitsIsMalformed() {
    // BitcoinBlockHeader.of threw IllegalArgumentException, which no caller of the client expects.
    BitcoinBlockHeader h830 = BitcoinBlockHeader.fromHex(block(830000).get("header_hex").asText());
    for (String[] bad : new String[][] {{"time", "-1"}, {"nonce", "4294967296"}, {"time", "9223372036854775807"}}) {
      handlers.put("getblockheader", r -> {
        ObjectNode o = verboseHeader(h830, 830000, 1);
        o.put(bad[0], Long.parseLong(bad[1]));
        return ok(r, o);
      });
      BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> client().getBlockHeaderInfo(h830.hash()));
      assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE, e.kind(), bad[0] + "=" + bad[1]);
    }
  }

  @Test
  void anOverlongChainworkIsMalformedAtOnce() {
    // BigInteger parses hex in quadratic time: two million digits would hold the caller for minutes.
    String[] works = {"f".repeat(2_000_000), "1" + "0".repeat(64), "\uff10\uff11"};
    for (String work : works) {
      handlers.put("getblockchaininfo", r -> okRaw(r, "{\"chain\":\"main\",\"blocks\":1,\"headers\":1,"
          + "\"bestblockhash\":\"" + "11".repeat(32) + "\",\"mediantime\":1,\"verificationprogress\":1,"
          + "\"initialblockdownload\":false,\"chainwork\":\"" + work + "\",\"pruned\":false}"));
      BitcoinRpcException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
          () -> assertThrows(BitcoinRpcException.class, () -> client().getBlockchainInfo()));
      assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE, e.kind());
    }
  }

  @Test
  void aFeeRateOutsideWholeSatoshisUpTo21MillionBitcoinsIsMalformed() {
    // 1e-99999999 made satPerVByteCeil compute 10^99999999; 1e30 threw ArithmeticException.
    for (String rate : new String[] {"1e-99999999", "1e30", "-0.00001", "0.000010001", "21000000.00000001"}) {
      handlers.put("estimatesmartfee", r -> okRaw(r, "{\"feerate\":" + rate + ",\"blocks\":6}"));
      BitcoinRpcException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(
          BitcoinRpcException.class, () -> client().estimateSmartFee(6).satPerVByteCeil()), rate);
      assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE, e.kind(), rate);
    }
    handlers.put("estimatesmartfee", r -> okRaw(r, "{\"feerate\":21000000.00000000,\"blocks\":6}"));
    assertEquals(2_100_000_000_000L, client().estimateSmartFee(6).satPerVByteCeil().getAsLong());
  }

  @Test
  void aNodesErrorMessageIsCutShortAndKeptToOneLine() {
    // Each anchor kept the message as its lastError, written to the journal and logged every poll.
    String huge = "bad-txns " + "x".repeat(1_000_000) + "\nSEVERE: forged log line\r\u0000";
    handlers.put("sendrawtransaction", r -> error(500, r, -26, huge));
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> client().sendRawTransaction(new byte[] {1}));
    assertEquals(BitcoinRpcException.Kind.RPC_ERROR, e.kind());
    assertEquals(-26, e.code());
    assertTrue(e.rpcMessage().startsWith("bad-txns xxx"), e.rpcMessage());
    assertTrue(e.getMessage().length() <= 1000, "message of " + e.getMessage().length() + " characters");
    assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
    handlers.put("sendrawtransaction", r -> error(500, r, -26, "line one\nSEVERE: forged"));
    BitcoinRpcException s = assertThrows(BitcoinRpcException.class, () -> client().sendRawTransaction(new byte[] {1}));
    assertEquals("line one?SEVERE: forged", s.rpcMessage());
    assertTrue(s.rpcMessage().chars().noneMatch(Character::isISOControl));
  }

  @Test
  void aTransactionOtherThanTheOneAskedForIsMalformed() {
    // BitcoinCoreBackend took the outputs of whatever came back, and let a MalformedEncodingException escape.
    JsonNode b170 = block(170);
    byte[] rawBlock = Hex.decode(b170.get("raw_block_hex").asText());
    byte[] tx = java.util.Arrays.copyOfRange(rawBlock, rawBlock.length - 275, rawBlock.length);
    Digest other = Digest.fromHex(b170.get("txids").get(0).asText()).reversed();
    Digest real = Digest.fromHex(b170.get("txids").get(1).asText()).reversed();
    for (String hex : new String[] {Hex.encode(tx), "00", ""}) {
      handlers.put("getrawtransaction", r -> r.get("params").get(1).asBoolean()
          ? okRaw(r, "{\"txid\":\"" + other.reversed().toHex() + "\",\"hex\":\"" + hex + "\",\"confirmations\":0}")
          : ok(r, hex));
      BitcoinRpcClient c = client();
      assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
          assertThrows(BitcoinRpcException.class, () -> c.getRawTransactionBytes(other)).kind(), hex);
      assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
          assertThrows(BitcoinRpcException.class, () -> c.getRawTransaction(other)).kind(), hex);
    }
    handlers.put("getrawtransaction", r -> r.get("params").get(1).asBoolean()
        ? okRaw(r, "{\"txid\":\"" + other.reversed().toHex() + "\",\"hex\":\"" + Hex.encode(tx) + "\"}")
        : ok(r, Hex.encode(tx)));
    assertArrayEquals(tx, client().getRawTransactionBytes(real));
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
        assertThrows(BitcoinRpcException.class, () -> client().getRawTransaction(real)).kind(), "txid field disagrees");
  }

  @Test
  void jsonRpc2StyleErrorsAndUnknownMethods() {
    // Core 28+ answers JSON-RPC 2.0 errors with HTTP 200; the error object still wins.
    handlers.put("getblockhash", r -> error(200, r, -8, "Block height out of range"));
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> client().getBlockHash(-1));
    assertEquals(BitcoinRpcException.Kind.RPC_ERROR, e.kind());
    assertEquals(-8, e.code());
    BitcoinRpcException m = assertThrows(BitcoinRpcException.class, () -> client().getBlockchainInfo());
    assertEquals(BitcoinRpcException.RPC_METHOD_NOT_FOUND, m.code());
    assertEquals(404, m.httpStatus());
  }

  @Test
  void http500WithoutAnErrorObjectAndGarbage() {
    handlers.put("getblockchaininfo", r -> new Reply(500, "<html>Internal Server Error</html>"));
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> client().getBlockchainInfo());
    assertEquals(BitcoinRpcException.Kind.HTTP_ERROR, e.kind());
    assertEquals(500, e.httpStatus());
    assertTrue(e.getMessage().contains("HTTP 500"));
    handlers.put("getblockhash", r -> new Reply(200, "{\"result\":\"00\",\"error\":null,\"id\":" + r.get("id") + "}"));
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
        assertThrows(BitcoinRpcException.class, () -> client().getBlockHash(1)).kind());
    handlers.put("getblockhash", r -> new Reply(200, "not json"));
    assertEquals(BitcoinRpcException.Kind.MALFORMED_RESPONSE,
        assertThrows(BitcoinRpcException.class, () -> client().getBlockHash(1)).kind());
    handlers.put("getblockhash", r -> new Reply(200, "{\"result\":\"" + "00".repeat(32) + "\",\"error\":null,\"id\":999999}"));
    assertTrue(assertThrows(BitcoinRpcException.class, () -> client().getBlockHash(1)).getMessage().contains("id"));
  }

  /**
   * The builder keeps its own copy of the password (the caller wipes its array at once) and wipes
   * that copy when it builds: a second client from the same builder needs the credentials again.
   */
  @Test
  void thePasswordIsCopiedForTheClientAndWipedFromTheBuilder() {
    handlers.put("getblockchaininfo", r -> okRaw(r, "{\"chain\":\"main\",\"blocks\":1,\"headers\":1,"
        + "\"bestblockhash\":\"" + "11".repeat(32) + "\",\"mediantime\":1,\"verificationprogress\":1,"
        + "\"initialblockdownload\":false,\"chainwork\":\"01\",\"pruned\":false}"));
    char[] pw = PASSWORD.toCharArray();
    BitcoinRpcClient.Builder b = BitcoinRpcClient.builder(uri()).credentials(USER, pw);
    java.util.Arrays.fill(pw, '\0');
    assertEquals("main", b.build().getBlockchainInfo().chain());
    assertThrows(IllegalStateException.class, b::build);
  }

  @Test
  void wrongCredentialsGive401WithoutLeakingThePassword() {
    handlers.put("getblockchaininfo", r -> ok(r, Map.of()));
    BitcoinRpcClient bad = BitcoinRpcClient.builder(uri()).credentials(USER, ("wrong-" + PASSWORD).toCharArray()).build();
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, bad::getBlockchainInfo);
    assertEquals(BitcoinRpcException.Kind.UNAUTHORIZED, e.kind());
    assertEquals(401, e.httpStatus());
    assertTrue(e.getMessage().contains("401"));
    assertFalse(e.getMessage().contains(PASSWORD));
    assertFalse(bad.toString().contains(PASSWORD));
  }

  @Test
  void cookieAuthenticationIsReReadOnEveryCall() throws IOException {
    Path cookie = tmp.resolve(".cookie");
    Files.writeString(cookie, "__cookie__:" + "ab".repeat(32));
    expectedAuth = basic("__cookie__:" + "ab".repeat(32));
    handlers.put("getblockhash", r -> ok(r, "00".repeat(31) + "01"));
    BitcoinRpcClient c = BitcoinRpcClient.builder(uri()).cookieFile(cookie).build();
    assertEquals(1, c.getBlockHash(0).byteAt(0));
    // The node restarted with a new cookie.
    Files.writeString(cookie, "__cookie__:" + "cd".repeat(32));
    expectedAuth = basic("__cookie__:" + "cd".repeat(32));
    assertEquals(1, c.getBlockHash(0).byteAt(0));
    Files.delete(cookie);
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, () -> c.getBlockHash(0));
    assertEquals(BitcoinRpcException.Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("cookie file"));
    assertThrows(IllegalStateException.class, () -> BitcoinRpcClient.builder(uri()).build());
  }

  @Test
  void aPipeAtTheCookiePathFailsTheCallInsteadOfHoldingIt() throws Exception {
    // Bitcoin Core's data directory is another account's: a named pipe at its cookie path held
    // every call (the anchorer's, a receipt's) at the file's opening, past any request timeout
    Path cookie = tmp.resolve(".cookie");
    org.junit.jupiter.api.Assumptions.assumeTrue(io.medledger.testing.TestFiles.fifo(cookie), "mkfifo");
    handlers.put("getblockhash", r -> ok(r, "00".repeat(31) + "01"));
    BitcoinRpcClient c = BitcoinRpcClient.builder(uri()).cookieFile(cookie).requestTimeout(Duration.ofSeconds(2)).build();
    BitcoinRpcException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(BitcoinRpcException.class, () -> c.getBlockHash(0)));
    assertEquals(BitcoinRpcException.Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }

  @Test
  void aNodeThatNeverAnswersTimesOut() {
    handlers.put("getblockchaininfo", r -> null);
    BitcoinRpcClient c = BitcoinRpcClient.builder(uri()).credentials(USER, PASSWORD.toCharArray())
        .requestTimeout(Duration.ofMillis(300)).build();
    long t0 = System.nanoTime();
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, c::getBlockchainInfo);
    assertEquals(BitcoinRpcException.Kind.TIMEOUT, e.kind());
    assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
  }

  @Test
  void aClosedPortIsAConnectionError() throws IOException {
    // A port that was bound and closed without ever accepting: closing a listener while its
    // thread is blocked in accept() can still take one connection (a flake in CI).
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    URI closed = URI.create("http://127.0.0.1:" + port + "/");
    BitcoinRpcClient c = BitcoinRpcClient.builder(closed).credentials(USER, PASSWORD.toCharArray())
        .connectTimeout(Duration.ofSeconds(2)).build();
    BitcoinRpcException e = assertThrows(BitcoinRpcException.class, c::getBlockchainInfo);
    assertTrue(e.kind() == BitcoinRpcException.Kind.CONNECTION || e.kind() == BitcoinRpcException.Kind.TIMEOUT, e.toString());
    assertEquals(0, e.httpStatus());
  }

  @Test
  void aNodeThatTricklesItsBodyTimesOut() throws Exception {
    // The request timeout of java.net.http ends with the response headers; the body had no limit.
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread trickler = new Thread(() -> {
        try (java.net.Socket s = listener.accept()) {
          s.getInputStream().read(new byte[8192]);
          var out = s.getOutputStream();
          out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
              .getBytes(StandardCharsets.US_ASCII));
          for (int i = 0; i < 600 && !Thread.currentThread().isInterrupted(); i++) {
            out.write(' ');
            out.flush();
            Thread.sleep(50);
          }
        } catch (IOException | InterruptedException e) {
          // the client hung up or the test ended
        }
      }, "trickler");
      trickler.setDaemon(true);
      trickler.start();
      BitcoinRpcClient c = BitcoinRpcClient.builder(URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/"))
          .credentials(USER, PASSWORD.toCharArray()).requestTimeout(Duration.ofMillis(500)).build();
      try {
        BitcoinRpcException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(BitcoinRpcException.class, c::getBlockchainInfo));
        assertEquals(BitcoinRpcException.Kind.TIMEOUT, e.kind(), e.toString());
        assertTrue(e.getMessage().contains("within 500 ms"), e.getMessage());
      } finally {
        trickler.interrupt();
      }
    }
  }
}
