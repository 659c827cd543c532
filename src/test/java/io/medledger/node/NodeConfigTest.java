package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.chain.ChainParameters;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.medledger.testing.TestFiles;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir
  Path dir;

  private static final SecureRandom RANDOM = new SecureRandom();

  static NodeConfig sample(Path dir) {
    return new NodeConfig("test-chain", ServerRole.FEDERATION, "City Hospital",
        Ed25519PrivateKey.generate(RANDOM).publicKey(), new PeerAddress("127.0.0.1", 0),
        new PeerAddress("127.0.0.1", 0),
        List.of(new NodeConfig.PeerConfig(Ed25519PrivateKey.generate(RANDOM).publicKey(),
            new PeerAddress("127.0.0.1", 7002), ServerRole.AUDIT)),
        List.of(Ed25519PrivateKey.generate(RANDOM).publicKey()), dir.resolve("data"), dir.resolve("genesis.block"),
        Digest.of(new byte[32]), new NodeConfig.KeySource.File(dir.resolve("passphrase")),
        NodeConfig.ConsensusSettings.defaults(), NodeConfig.NodeLimits.defaults());
  }

  private String message(String json) {
    NodeException e = assertThrows(NodeException.class,
        () -> NodeConfig.parse(json.getBytes(StandardCharsets.UTF_8), dir));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    return e.getMessage();
  }

  @Test
  void roundTripsThroughTheFile() throws Exception {
    NodeConfig c = sample(dir);
    Path f = dir.resolve("node.json");
    Files.writeString(f, c.toJson(dir));
    NodeConfig back = NodeConfig.read(f);
    assertEquals(c, back);
    assertTrue(Files.readString(f).contains("\"data_dir\" : \"data\""), "paths are written relative");
  }

  @Test
  void theOptionalTileServerRoundTripsAndIsCheckedStrictly() throws Exception {
    NodeConfig c = sample(dir).withTiles(Optional.of(new NodeConfig.TileServing(new PeerAddress("127.0.0.1", 8081),
        "medledger/log")));
    Path f = dir.resolve("node.json");
    Files.writeString(f, c.toJson(dir));
    assertEquals(c, NodeConfig.read(f));
    assertEquals(Optional.empty(), NodeConfig.read(writeTo(f, sample(dir))).tiles());
    String json = c.toJson(dir);
    assertTrue(message(json.replace("\"prefix\" : \"medledger/log\"", "\"prefix\" : \"log\", \"tls\" : 1"))
        .contains("'tiles.tls'"));
    assertTrue(message(json.replace("\"medledger/log\"", "\"../up\"")).contains("'tiles.prefix'"));
    assertTrue(message(json.replace("127.0.0.1:8081", "127.0.0.1:70000")).contains("'tiles.listen'"));
    String noPrefix = json.replace(",\n    \"prefix\" : \"medledger/log\"", "");
    assertEquals("log", NodeConfig.parse(noPrefix.getBytes(StandardCharsets.UTF_8), dir).tiles().orElseThrow().prefix());
  }

  @Test
  void storageSettingsRoundTripAndAreCheckedStrictly() throws Exception {
    NodeConfig.StorageSettings st = new NodeConfig.StorageSettings(64L << 20, 256 << 10, 2, 50,
        java.time.Duration.ofSeconds(5), 1L << 30, 3);
    NodeConfig c = sample(dir).withStorage(st);
    Path f = dir.resolve("node.json");
    Files.writeString(f, c.toJson(dir));
    assertEquals(c, NodeConfig.read(f));
    assertEquals(NodeConfig.StorageSettings.defaults(), NodeConfig.read(writeTo(f, sample(dir))).storage());
    String json = c.toJson(dir);
    assertTrue(message(json.replace("\"threads\" : 3", "\"threads\" : 0")).contains("'storage.threads'"));
    assertTrue(message(json.replace("\"threads\" : 3", "\"threads\" : 3, \"quota\" : 1"))
        .contains("'storage.quota'"));
    assertTrue(message(json.replace("\"max_sessions\" : 50", "\"max_sessions\" : 1")).contains("'storage'"),
        "fewer sessions in all than per client");
    assertTrue(message(json.replace("\"max_chunk_bytes\" : 262144", "\"max_chunk_bytes\" : 16777216"))
        .contains("'storage.max_chunk_bytes' must be at least 64 bytes below 'limits.max_request_bytes'"));
  }

  @Test
  void pendingQuotaAndOrphanGraceRoundTripDefaultAndNameTheirField() throws Exception {
    NodeConfig.StorageSettings d = NodeConfig.StorageSettings.defaults();
    assertEquals(1L << 30, d.maxPendingBytesPerUploader());
    assertEquals(java.time.Duration.ofHours(24), d.orphanGrace());
    NodeConfig c = sample(dir).withStorage(d.withPending(512L << 20, java.time.Duration.ofMinutes(90)));
    Path f = dir.resolve("node.json");
    Files.writeString(f, c.toJson(dir));
    assertEquals(c, NodeConfig.read(f));
    String json = c.toJson(dir);
    assertTrue(json.contains("\"max_pending_bytes_per_uploader\" : 536870912"), json);
    assertTrue(json.contains("\"orphan_grace_ms\" : 5400000"), json);
    assertTrue(message(json.replace("\"orphan_grace_ms\" : 5400000", "\"orphan_grace_ms\" : 1000"))
        .contains("'storage.orphan_grace_ms': must be between 60000"));
    assertTrue(message(json.replace("536870912", "1000")).contains("'storage.max_pending_bytes_per_uploader'"));
    assertTrue(message(json.replace("536870912", "1048576"))
        .contains("'storage.max_pending_bytes_per_uploader': must be at least 'storage.max_blob_bytes'"),
        "a quota below the largest blob would refuse every blob of that size");
    assertTrue(message(json.replace("\"orphan_grace_ms\"", "\"orphan_grace\"")).contains("'storage.orphan_grace'"));
  }

  /**
   * The sample configuration's text with {@code consensus.field} set to 5000, after checking that
   * the sample, where it is 0, does not write it and gives the chain parameter ({@code param}) 0;
   * a negative value is refused naming the field, and the configuration read round-trips.
   */
  private NodeConfig withRuleHeight(String field, java.util.function.ToLongFunction<ChainParameters> param)
      throws Exception {
    String json = sample(dir).toJson(dir);
    assertFalse(json.contains(field), "0 is not written");
    assertEquals(0, param.applyAsLong(Node.parameters(NodeConfig.parse(json.getBytes(StandardCharsets.UTF_8), dir))));
    String older = json.replace("\"max_pending_entries\" : 100000", "\"max_pending_entries\" : 100000,\n"
        + "    \"" + field + "\" : 5000");
    NodeConfig c = NodeConfig.parse(older.getBytes(StandardCharsets.UTF_8), dir);
    assertEquals(5000, param.applyAsLong(Node.parameters(c)));
    assertEquals(c, NodeConfig.parse(c.toJson(dir).getBytes(StandardCharsets.UTF_8), dir));
    assertTrue(message(older.replace("5000", "-1")).contains("'consensus." + field + "'"));
    return c;
  }

  @Test
  void theRuleHeightsDefaultToGenesisRoundTripAndBecomeTheChainsParameters() throws Exception {
    NodeConfig registrars = withRuleHeight("registrars_from", ChainParameters::registrarsFrom);
    assertEquals(5000, registrars.consensus().registrarsFrom());
    assertFalse(Node.parameters(registrars).registrarRequired(4999));
    assertTrue(Node.parameters(registrars).registrarRequired(5000));
    assertEquals(0, Node.parameters(registrars).reusedKeysFrom(), "the other height stays");
    ChainParameters reused = Node.parameters(withRuleHeight("reused_keys_from", ChainParameters::reusedKeysFrom));
    assertEquals(List.of(false, true, 0L), List.of(reused.reusedKeysRuled(4999), reused.reusedKeysRuled(5000),
        reused.registrarsFrom()));
  }

  @Test
  void theRegistrationBoundDefaultsTo64FromGenesisRoundTripsAndBecomesTheChainsParameter() throws Exception {
    String json = sample(dir).toJson(dir);
    assertFalse(json.contains("registrations_per_registrar"), "the default is not written");
    assertFalse(json.contains("registration_bound_from"), "0 is not written");
    io.medledger.chain.ChainParameters d = Node.parameters(NodeConfig.parse(json.getBytes(StandardCharsets.UTF_8), dir));
    assertEquals(64, d.registrationsPerRegistrar());
    assertEquals(0, d.registrationBoundFrom());
    String older = json.replace("\"max_pending_entries\" : 100000", "\"max_pending_entries\" : 100000,\n"
        + "    \"registrations_per_registrar\" : 16,\n    \"registration_bound_from\" : 7000");
    NodeConfig c = NodeConfig.parse(older.getBytes(StandardCharsets.UTF_8), dir);
    assertEquals(16, Node.parameters(c).registrationsPerRegistrar());
    assertFalse(Node.parameters(c).registrationBound(6999));
    assertTrue(Node.parameters(c).registrationBound(7000));
    assertEquals(c, NodeConfig.parse(c.toJson(dir).getBytes(StandardCharsets.UTF_8), dir));
    assertTrue(message(older.replace("7000", "-1")).contains("'consensus.registration_bound_from'"));
    assertTrue(message(older.replace(": 16,", ": 0,")).contains("'consensus.registrations_per_registrar'"));
  }

  @Test
  void oneRegistrarsShareOfPendingSubmissionsDefaultsTo256AndRoundTrips() throws Exception {
    NodeConfig s = sample(dir);
    assertEquals(1024, s.limits().maxPendingPerRegistrar());
    String json = s.toJson(dir).replace("\"max_pending_per_registrar\" : 1024", "\"max_pending_per_registrar\" : 9");
    NodeConfig c = NodeConfig.parse(json.getBytes(StandardCharsets.UTF_8), dir);
    assertEquals(9, c.limits().maxPendingPerRegistrar());
    assertEquals(c, NodeConfig.parse(c.toJson(dir).getBytes(StandardCharsets.UTF_8), dir));
    assertTrue(message(json.replace(": 9", ": 0")).contains("'limits.max_pending_per_registrar'"));
  }

  private Path writeTo(Path f, NodeConfig c) throws java.io.IOException {
    Files.writeString(f, c.toJson(dir));
    return f;
  }

  @Test
  void unknownFieldsAreErrorsNamingTheField() {
    String json = sample(dir).toJson(dir);
    assertTrue(message(json.replace("\"chain\"", "\"colour\" : 1, \"chain\"")).contains("unknown field 'colour'"));
    assertTrue(message(json.replace("\"protocol\"", "\"speed\" : 1, \"protocol\"")).contains("'consensus.speed'"));
    assertTrue(message(json.replace("\"role\" : \"audit\"", "\"role\" : \"audit\", \"x\" : 1"))
        .contains("'peers[0].x'"));
  }

  @Test
  void badValuesNameTheField() {
    String json = sample(dir).toJson(dir);
    assertTrue(message(json.replace("\"round_timeout_ms\" : 1000", "\"round_timeout_ms\" : 5"))
        .contains("'consensus.round_timeout_ms': must be between 10 and 600000, got 5"));
    assertTrue(message(json.replace("\"role\" : \"federation\"", "\"role\" : \"king\""))
        .contains("'role': must be one of federation, audit, storage"));
    assertTrue(message(json.replace("127.0.0.1:7002", "127.0.0.1:99999")).contains("'peers[0].address'"));
    assertTrue(message(json.replace("\"protocol\" : \"rotating-audit\"", "\"protocol\" : \"paxos\""))
        .contains("'consensus.protocol'"));
    assertTrue(message(json.replace("\"max_block_entries\" : 1000", "\"max_block_entries\" : \"many\""))
        .contains("'consensus.max_block_entries': must be an integer"));
    assertTrue(message(json.replaceFirst("\"ledger_key\" : \"[0-9a-f]+\"", "\"ledger_key\" : \"zz\""))
        .contains("'ledger_key'"));
    assertTrue(message(json.replace("\"genesis_hash\"", "\"genesis_hashx\"")).contains("'genesis_hash': missing"));
    assertTrue(message(json.replace("\"file\" : \"passphrase\"", "\"file\" : \"p\", \"env\" : \"P\""))
        .contains("'passphrase'"));
    assertTrue(message("[1]").contains("must be a JSON object"));
    assertTrue(message("{\"version\": 1, \"version\": 1}").contains("duplicate"));
  }

  /**
   * A path in the configuration holding a character no file name may hold (a NUL) made
   * {@code Path.resolve} throw {@code InvalidPathException}, which escaped the parser instead of
   * a {@link NodeException} naming the field.
   */
  @Test
  void aPathNoFileCanHaveNamesItsField() {
    String json = sample(dir).toJson(dir);
    assertTrue(json.contains("\"data_dir\" : \"data\""), json);
    String m = message(json.replace("\"data_dir\" : \"data\"", "\"data_dir\" : \"da\\u0000ta\""));
    assertTrue(m.contains("'data_dir'") && m.indexOf('\0') < 0, m);
    assertTrue(message(json.replace("\"genesis\" : \"genesis.block\"", "\"genesis\" : \"g\\u0000\""))
        .contains("'genesis'"));
    assertTrue(message(json.replace("\"file\" : \"passphrase\"", "\"file\" : \"\\u0000\""))
        .contains("'passphrase.file'"));
  }

  /** The same for a client's configuration: a NUL in its key store's path names the field. */
  @Test
  void aClientPathNoFileCanHaveNamesItsField() throws Exception {
    ClientConfig c = new ClientConfig("test-chain", dir.resolve("client.keys"),
        new NodeConfig.KeySource.File(dir.resolve("passphrase")), List.of(new ClientConfig.NodeEndpointConfig(
            Ed25519PrivateKey.generate(RANDOM).publicKey(), new PeerAddress("127.0.0.1", 7001), ServerRole.FEDERATION)));
    String json = c.toJson(dir);
    assertTrue(json.contains("\"client.keys\""), json);
    Path f = Files.writeString(dir.resolve("client.json"), json.replace("\"client.keys\"", "\"client\\u0000keys\""));
    NodeException e = assertThrows(NodeException.class, () -> ClientConfig.read(f));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    assertTrue(e.getMessage().contains("'key_store'") && e.getMessage().indexOf('\0') < 0, e.getMessage());
  }

  /** A client configuration of one federation node with these chain rules. */
  private ClientConfig client(long registrarsFrom, int perRegistrar, long boundFrom) {
    List<ClientConfig.NodeEndpointConfig> nodes = List.of(new ClientConfig.NodeEndpointConfig(
        Ed25519PrivateKey.generate(RANDOM).publicKey(), new PeerAddress("127.0.0.1", 7001), ServerRole.FEDERATION));
    return new ClientConfig("test-chain", dir.resolve("client.keys"),
        new NodeConfig.KeySource.File(dir.resolve("passphrase")), nodes, registrarsFrom, 0, perRegistrar, boundFrom);
  }

  /** {@code json} written to {@code f}, read back as a client configuration, fails naming {@code field}. */
  private static void refusedNaming(Path f, String json, String field) throws java.io.IOException {
    Files.writeString(f, json);
    NodeException e = assertThrows(NodeException.class, () -> ClientConfig.read(f));
    assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
  }

  /** A client's {@code registrars_from}: written only when not 0, read back, and a bad value names the field. */
  @Test
  void aClientsRegistrarsFromRoundTripsAndNamesItsField() throws Exception {
    ClientConfig plain = client(0, 64, 0);
    assertEquals(plain, new ClientConfig(plain.chain(), plain.keyStore(), plain.keySource(), plain.nodes()));
    assertFalse(plain.toJson(dir).contains("registrars_from"));
    ClientConfig upgraded = client(5000, 64, 0);
    Path f = Files.writeString(dir.resolve("client.json"), upgraded.toJson(dir));
    assertEquals(5000, ClientConfig.read(f).registrarsFrom());
    Files.writeString(f, plain.toJson(dir));
    assertEquals(0, ClientConfig.read(f).registrarsFrom());
    refusedNaming(f, upgraded.toJson(dir).replace("5000", "-1"), "registrars_from");
    assertThrows(NodeException.class, () -> client(-1, 64, 0));
  }

  /** A client's {@code reused_keys_from}: written only when not 0, read back, and a bad value names the field. */
  @Test
  void aClientsReusedKeysFromRoundTripsAndNamesItsField() throws Exception {
    ClientConfig c = client(0, 64, 0);
    ClientConfig reused = new ClientConfig(c.chain(), c.keyStore(), c.keySource(), c.nodes(), 0, 7000, 64, 0);
    assertFalse(reused.toJson(dir).contains("registrars_from"));
    Path f = Files.writeString(dir.resolve("client.json"), reused.toJson(dir));
    assertEquals(reused, ClientConfig.read(f));
    refusedNaming(f, reused.toJson(dir).replace("7000", "-1"), "reused_keys_from");
  }

  /** A client's per-registrar bound and its height: written only when not the default, read back, bad values name the field. */
  @Test
  void aClientsRegistrationBoundRoundTripsAndNamesItsFields() throws Exception {
    ClientConfig plain = client(0, 64, 0);
    assertFalse(plain.toJson(dir).contains("registration"), plain.toJson(dir));
    ClientConfig bounded = client(0, 16, 7000);
    Path f = Files.writeString(dir.resolve("client.json"), bounded.toJson(dir));
    assertEquals(bounded, ClientConfig.read(f));
    refusedNaming(f, bounded.toJson(dir).replace("7000", "-1"), "registration_bound_from");
    refusedNaming(f, bounded.toJson(dir).replace(": 16", ": 0"), "registrations_per_registrar");
    assertThrows(NodeException.class, () -> client(0, 0, 0));
  }

  @Test
  void aPeerListedTwiceIsRefused() {
    String json = sample(dir).toJson(dir);
    String peer = json.substring(json.indexOf("{", json.indexOf("\"peers\"")), json.indexOf("}", json.indexOf("\"peers\"")) + 1);
    assertTrue(message(json.replace(peer, peer + ", " + peer)).contains("listed twice"));
  }

  @Test
  void oversizedFilesAreRefusedBeforeParsing() throws Exception {
    Path f = dir.resolve("big.json");
    Files.write(f, new byte[NodeConfig.MAX_FILE_BYTES + 1]);
    NodeException e = assertThrows(NodeException.class, () -> NodeConfig.read(f));
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }

  @Test
  void aConfigurationOrGenesisThatIsAPipeIsRefusedAtOnce() throws Exception {
    Path f = dir.resolve("node.json");
    assumeTrue(TestFiles.fifo(f), "mkfifo");
    // a named pipe nothing writes to: opening it to read waited for ever
    NodeException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(NodeException.class, () -> NodeConfig.read(f)));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    NodeConfig c = sample(dir);
    assumeTrue(TestFiles.fifo(c.genesis()), "mkfifo");
    NodeException g = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(NodeException.class, () -> Node.readGenesis(c)));
    assertEquals(NodeException.Reason.CONFIG, g.reason());
    assertTrue(g.getMessage().contains("not a regular file"), g.getMessage());
  }

  @Test
  void aConfigurationOthersMayWriteIsRefused() throws Exception {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), RANDOM);
    Path node = t.nodeDirectories().get(0).resolve("node.json");
    NodeConfig.read(node);
    ClientConfig.read(t.clientConfig());
    // whoever may write node.json chooses the client keys the node admits as operators, and
    // client.json the node keys a client trusts
    java.nio.file.Files.setPosixFilePermissions(node, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
    NodeException e = assertThrows(NodeException.class, () -> NodeConfig.read(node));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    assertTrue(e.getMessage().contains("writable by group or others"), e.getMessage());
    java.nio.file.Files.setPosixFilePermissions(t.clientConfig(),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--rw-"));
    NodeException c = assertThrows(NodeException.class, () -> ClientConfig.read(t.clientConfig()));
    assertTrue(c.getMessage().contains("writable by group or others"), c.getMessage());
    // readable by others is not refused: a configuration holds no secret
    java.nio.file.Files.setPosixFilePermissions(node, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    NodeConfig.read(node);
  }

  @Test
  void settingsBecomeAConsensusConfig() {
    NodeConfig.ConsensusSettings s = new NodeConfig.ConsensusSettings("bft", Duration.ofMillis(700),
        Duration.ofMillis(300), 500, 1 << 20, Duration.ofMillis(5), 1000);
    assertEquals(500, s.toConsensusConfig().maxBlockEntries());
    assertEquals(Duration.ofMillis(5), s.toConsensusConfig().maxBatchDelay());
    assertEquals(1000, NodeConfig.ConsensusSettings.defaults().maxBlockEntries(), "the default block size");
  }

  private static AnchoringConfig anchoring(Path dir) {
    return new AnchoringConfig(java.net.URI.create("http://127.0.0.1:18443/wallet/anchor"),
        new AnchoringConfig.RpcAuth.Password("anchor", dir.resolve("rpc.password")),
        io.medledger.anchor.bitcoin.Network.REGTEST, Optional.of(dir.resolve("wallet.wif")),
        new io.medledger.anchor.AnchorPolicy(10, Duration.ofMinutes(30), 3, Duration.ofHours(1), Duration.ofMinutes(5), 1.5, 80),
        3, Duration.ofHours(2), Duration.ofSeconds(5), Duration.ofSeconds(20));
  }

  @Test
  void theAnchoringSectionRoundTripsAndKeepsSecretsOutOfTheFile() throws Exception {
    NodeConfig c = sample(dir).withAnchoring(Optional.of(anchoring(dir)));
    Path f = dir.resolve("node.json");
    Files.writeString(f, c.toJson(dir));
    assertEquals(c, NodeConfig.read(f));
    String json = Files.readString(f);
    assertTrue(json.contains("\"rpc_password_file\" : \"rpc.password\""), json);
    // a password, a key or credentials in the URL are not configuration
    assertTrue(message(json.replace("\"rpc_user\"", "\"rpc_password\" : \"hunter2\", \"rpc_user\""))
        .contains("'anchoring.rpc_password'"));
    assertTrue(message(json.replace("\"wallet_key_file\"", "\"wallet_key\" : \"cVt4o7\", \"wallet_key_file\""))
        .contains("'anchoring.wallet_key'"));
    assertTrue(message(json.replace("http://127.0.0.1", "http://anchor:pw@127.0.0.1")).contains("'anchoring.rpc_url'"));
    assertTrue(message(json.replace("\"rpc_user\" : \"anchor\"", "\"rpc_cookie_file\" : \".cookie\", \"rpc_user\" : \"anchor\""))
        .contains("exactly one"));
    assertTrue(message(json.replace("\"confirmations\" : 3", "\"confirmations\" : 0")).contains("'anchoring.confirmations'"));
    assertTrue(message(json.replace("\"network\" : \"regtest\"", "\"network\" : \"litecoin\"")).contains("'anchoring.network'"));
    for (String testnet : List.of("test", "testnet4", "signet")) {
      String m = message(json.replace("\"network\" : \"regtest\"", "\"network\" : \"" + testnet + "\""));
      assertTrue(m.contains("'anchoring.network'") && m.contains("minimum-difficulty rule is not modelled"), m);
    }
    assertThrows(IllegalArgumentException.class, () -> new AnchoringConfig(java.net.URI.create("http://127.0.0.1:8332/"),
        new AnchoringConfig.RpcAuth.Password("u", dir.resolve("pw")), io.medledger.anchor.bitcoin.Network.TESTNET,
        Optional.empty(), io.medledger.anchor.AnchorPolicy.defaults(), 2, Duration.ofHours(3), Duration.ofSeconds(10),
        Duration.ofSeconds(30)));
    // a federation server anchors, so it needs the wallet's key; other roles only serve receipts
    String noKey = json.replace(",\n    \"wallet_key_file\" : \"wallet.wif\"", "");
    assertTrue(message(noKey).contains("'anchoring.wallet_key_file'"), noKey);
    assertEquals(Optional.empty(), NodeConfig.parse(noKey.replace("\"role\" : \"federation\"", "\"role\" : \"audit\"")
        .getBytes(StandardCharsets.UTF_8), dir).anchoring().orElseThrow().walletKeyFile());
  }

  /** The node's registrar share also bounds one peer's gossip of one registrar's registrations. */
  @Test
  void theRegistrarShareBoundsEachPeersGossipOfOneRegistrar() {
    NodeConfig c = sample(dir);
    NodeConfig.NodeLimits l = c.limits();
    NodeConfig seven = c.withLimits(new NodeConfig.NodeLimits(l.maxPendingSubmissions(), l.maxRequestBytes(),
        l.maxPendingPerClient(), l.clientRequestsPerSecond(), 7));
    assertEquals(7, Node.consensusConfig(seven).maxGossipedPerShare());
    assertEquals(l.maxPendingPerRegistrar(), Node.consensusConfig(c).maxGossipedPerShare());
  }
}
