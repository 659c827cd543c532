package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.anchor.AnchorPolicy;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorRecord;
import io.medledger.anchor.Anchorer;
import io.medledger.anchor.FakeBitcoinCore;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.chain.Anchor;
import io.medledger.chain.MutableClock;
import io.medledger.chain.Entry;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.OwnerOnly;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anchoring service of a testnet (3 federation servers and an audit server in one JVM) against
 * the Bitcoin Core stand-in over HTTP JSON-RPC: a crash with the transaction in flight and a
 * restart, a fee bump and a reorganization that drops the transaction, and a handover to another
 * server when the one whose turn it was dies, with the transaction still in the mempool (taken
 * over) or lost by the Bitcoin node and relayed again later (conflicting by construction). In
 * every case the wallet never has two non-conflicting spends in flight, one commitment confirms
 * once, the ledger records the anchor once, and every node serves a receipt that verifies.
 */
class AnchoringServiceTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private final List<NodeKeys> keys = new ArrayList<>();
  private final LocalNetwork network = new LocalNetwork();
  private Testnet.Layout layout;
  private FakeBitcoinCore core;
  /** The chain the stand-in reports from its start. */
  private String chainAtStart = "regtest";
  /** The clock the nodes' anchoring reads: the anchoring turn, proof retries and the anchorer's times. */
  private Clock anchoringClock = Clock.systemUTC();

  @AfterEach
  void stop() {
    nodes.stream().filter(n -> n != null).forEach(Node::close);
    if (core != null) {
      core.close();
    }
  }

  private BitcoinPrivateKey key;

  private void fundWallet() {
    for (int i = 0; i < 3; i++) {
      fundCoin(i, 50_000 + i);
    }
  }

  private void fundCoin(int i, long sats) {
    Transaction parent = new Transaction(2,
        List.of(TxInput.unsigned(new OutPoint(Sha256.hash(new byte[] {(byte) i, 7}), 0), TxInput.SEQUENCE_FINAL)),
        List.of(new TxOutput(sats, key.publicKey().p2wpkhScript())), 0);
    core.fund(new Utxo(new OutPoint(parent.txid(), 0), sats, key.publicKey().p2wpkhScript()), parent.serialize());
  }

  /** A testnet whose nodes anchor with a shared regtest wallet of three coins against a fresh stand-in. */
  private void start(Duration takeoverAfter, Duration bumpAfter) throws Exception {
    key = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM);
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    core = new FakeBitcoinCore(address.toString());
    core.reportChain(chainAtStart);
    fundWallet();
    Path secrets = dir.resolve("secrets");
    OwnerOnly.createDirectories(secrets);
    OwnerOnly.write(secrets.resolve("wallet.wif"), (new String(key.exportSecretWif()) + "\n").getBytes(StandardCharsets.US_ASCII), false);
    OwnerOnly.write(secrets.resolve("rpc.password"), "p\n".getBytes(StandardCharsets.US_ASCII), false);
    layout = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(3, 1, 0), RANDOM);
    AnchorPolicy policy = new AnchorPolicy(1, null, 2, bumpAfter, Duration.ofMillis(300), 1.5, 50);
    for (Path p : layout.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(p.resolve("node.json"));
      // the audit server anchors nothing; it only serves receipts, so it needs no wallet key
      Optional<Path> wallet = c.role() == ServerRole.FEDERATION ? Optional.of(secrets.resolve("wallet.wif")) : Optional.empty();
      AnchoringConfig a = new AnchoringConfig(core.uri(),
          new AnchoringConfig.RpcAuth.Password("u", secrets.resolve("rpc.password")), Network.REGTEST, wallet, policy, 2,
          takeoverAfter, Duration.ofMillis(100), Duration.ofSeconds(2));
      Files.writeString(p.resolve("node.json"), c.withAnchoring(Optional.of(a)).toJson(p));
      assertEquals(Optional.of(a), NodeConfig.read(p.resolve("node.json")).anchoring(), "the section reads back");
      nodes.add(null);
      keys.add(null);
    }
    for (int i = 0; i < layout.nodeDirectories().size(); i++) {
      startNode(i);
    }
  }

  private Node startNode(int i) {
    NodeConfig c = NodeConfig.read(layout.nodeDirectories().get(i).resolve("node.json"));
    NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
    Node n = Node.start(c, k, network.attach(k.ledgerKey()), true, NodeMetrics.NONE, anchoringClock);
    nodes.set(i, n);
    keys.set(i, k);
    return n;
  }

  private void crash(int i) {
    nodes.get(i).close();
    nodes.set(i, null);
  }

  private List<Node> live() {
    return nodes.stream().filter(n -> n != null).toList();
  }

  static List<Anchor> anchorsOn(Node n) {
    List<Anchor> out = new ArrayList<>();
    for (long h = 0; h <= n.ledger().height(); h++) {
      for (Entry e : n.ledger().block(h).block().entries()) {
        if (e instanceof Anchor a) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /**
   * Waits until every live node has finished {@code more} (at least 2) polls beyond those it had
   * finished at the call: the last of them began after the call, so it saw all that came before.
   * Tests wait on this, not on the wall clock, before checking that something did not happen.
   */
  private void morePolls(int more) throws InterruptedException {
    List<AnchoringService> services = live().stream().map(n -> n.anchoringService().orElseThrow()).toList();
    long[] from = services.stream().mapToLong(AnchoringService::polls).toArray();
    NodeRuntimeTest.waitFor(() -> java.util.stream.IntStream.range(0, from.length)
        .allMatch(i -> services.get(i).polls() >= from[i] + more), more + " more polls of every node");
  }

  /** The first anchoring transaction and the index of the server that sent it. */
  private record First(Digest txid, int server) {}

  /** Waits for the first anchoring transaction. */
  private First firstTransaction() throws InterruptedException {
    NodeRuntimeTest.waitFor(() -> core.mempoolTxids().size() == 1, "an anchoring transaction in the mempool");
    Digest tx = core.mempoolTxids().get(0);
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) != null && knows(nodes.get(i), tx)) {
        return new First(tx, i);
      }
    }
    throw new AssertionError("no server knows " + tx);
  }

  private static boolean knows(Node n, Digest txid) {
    return n.anchoringService().flatMap(AnchoringService::anchorer).map(a -> a.anchors().stream()
        .flatMap(r -> r.attempts().stream()).anyMatch(x -> x.transaction().txid().equals(txid))).orElse(false);
  }

  /** Waits until every live node records exactly one anchor, checks the wallet, and returns the anchor. */
  private Anchor recordedOnce() throws InterruptedException {
    NodeRuntimeTest.waitFor(() -> live().stream().allMatch(n -> anchorsOn(n).size() == 1), "the anchor on every ledger");
    assertEquals(0, core.doubleSpends(), () -> "no double spend: " + core.log());
    assertEquals(1, core.confirmedCommitments().size(), () -> "one anchoring transaction confirmed: " + core.log());
    Anchor a = anchorsOn(live().get(0)).get(0);
    assertEquals(core.confirmedCommitments().get(0), a.commitment());
    return a;
  }

  /** Every live node serves a complete receipt of a genesis entry that verifies against the Bitcoin headers. */
  private void receiptsFromEveryNode() throws InterruptedException {
    Digest entry = live().get(0).ledger().block(0).block().entries().get(0).id();
    for (Node n : live()) {
      NodeRuntimeTest.waitFor(() -> n.receipt(entry).map(AnchorReceipt::isComplete).orElse(false), "a receipt from " + n);
      ReceiptVerdict v = n.receipt(entry).orElseThrow().verify(FileHeaderSource.of(core.headers()));
      assertInstanceOf(ReceiptVerdict.Anchored.class, v, n + ": " + v);
    }
  }

  @Test
  void crashWithTheTransactionInFlightThenRestart() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    First first = firstTransaction();
    Digest tx = first.txid();
    int holder = first.server();
    ParticipantId holderId = ParticipantId.of(nodes.get(holder).ledgerKey());
    crash(holder);
    core.mine();
    startNode(holder);
    core.mine();
    Anchor a = recordedOnce();
    assertEquals(tx, a.txid(), "the restarted server finished the transaction it had sent");
    assertEquals(holderId, a.submitter());
    assertEquals(1, core.log().stream().filter(l -> l.startsWith("accepted")).distinct().count(), core.log()::toString);
    receiptsFromEveryNode();

    // a client of a server that did not anchor fetches the receipt over the client endpoint (TLS)
    int other = (holder + 1) % 3;
    Node n = nodes.get(other);
    Digest entry = n.ledger().block(0).block().entries().get(0).id();
    try (NodeEndpoint ep = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0),
        TlsIdentity.of(keys.get(other).ledgerSecretKey()), n::admitsClient, n::handleRequest, TransportLimits.defaults());
        NodeClient client = NodeClient.connect(ep.boundAddress(), n.ledgerKey(), TlsIdentity.of(keys.get(other).ledgerSecretKey()))) {
      AnchorReceipt r = client.receipt(entry).get(30, TimeUnit.SECONDS).orElseThrow();
      assertTrue(r.verify(FileHeaderSource.of(core.headers())).holds());
      assertTrue(r.checkpoint().isPresent(), "the receipt carries the node's latest checkpoint beside the anchor");
      assertTrue(client.receipt(Sha256.hash(new byte[] {42})).get(30, TimeUnit.SECONDS).isEmpty(), "no receipt of an unknown entry");
      // and so does the remote LedgerConnection the typed clients use
      try (RemoteConnection remote = RemoteConnection.builder(TlsIdentity.of(keys.get(other).ledgerSecretKey()))
          .node(n.ledgerKey(), ep.boundAddress(), ServerRole.FEDERATION).build()) {
        AnchorReceipt viaConnection = remote.receipt(entry, 0).orElseThrow();
        assertTrue(viaConnection.isComplete());
        assertTrue(viaConnection.verify(FileHeaderSource.of(core.headers())).holds());
        assertTrue(remote.receipt(Sha256.hash(new byte[] {42}), 0).isEmpty(), "no receipt of an unknown entry");
      }
    }
  }

  /**
   * A server's anchor journal file cut short (a failing disk, a bad restore) stops its start as a
   * damaged data directory naming the file and what to do, not with a bare decoding error; once the
   * file is moved away the server takes its transaction in flight over from the wallet.
   */
  @Test
  void aDamagedAnchorJournalFileIsRefusedNamingItAndMovingItAwayLetsTheTransactionBeTakenOver() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    First first = firstTransaction();
    crash(first.server());
    Path anchors = layout.nodeDirectories().get(first.server()).resolve("data").resolve(Node.ANCHORS);
    Path file;
    try (var files = Files.list(anchors)) {
      file = files.filter(p -> p.getFileName().toString().endsWith(".anchor.json")).findFirst().orElseThrow();
    }
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
    NodeException e = org.junit.jupiter.api.Assertions.assertThrows(NodeException.class, () -> startNode(first.server()));
    assertEquals(NodeException.Reason.DATA_DIRECTORY, e.reason());
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("move that file out"), e.getMessage());
    Files.move(file, dir.resolve("damaged.json"));
    core.mine();
    startNode(first.server());
    core.mine();
    assertEquals(first.txid(), recordedOnce().txid(), "the transaction in flight was taken over from the wallet");
  }

  @Test
  void feeBumpThenAReorganizationDropsTheTransaction() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMillis(1500));
    First first = firstTransaction();
    Digest original = first.txid();
    int holder = first.server();
    NodeRuntimeTest.waitFor(() -> core.mempoolTxids().size() == 1 && !core.mempoolTxids().get(0).equals(original),
        "a fee bump");
    assertTrue(core.log().stream().anyMatch(l -> l.contains("replacing")), core.log()::toString);
    core.mine();
    NodeRuntimeTest.waitFor(() -> nodes.get(holder).anchoringService().orElseThrow().anchorer().orElseThrow().anchors()
        .stream().anyMatch(r -> r.status() == io.medledger.anchor.AnchorStatus.CONFIRMED), "one confirmation");
    core.dropTip();
    NodeRuntimeTest.waitFor(() -> core.mempoolTxids().size() == 1, "the dropped transaction sent again");
    assertTrue(live().stream().allMatch(n -> anchorsOn(n).isEmpty()), "nothing recorded before the anchor is final");
    core.mine();
    core.mine();
    Anchor a = recordedOnce();
    assertNotEquals(original, a.txid(), "the bumped transaction confirmed");
    receiptsFromEveryNode();
  }

  /** The wallet key a federation server opened from its file is wiped when the server closes. */
  @Test
  void closingAServerDestroysTheWalletKeyItOpened() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    AnchoringService a = nodes.get(0).anchoringService().orElseThrow();
    assertFalse(a.walletKeyDestroyed());
    crash(0);
    assertTrue(a.walletKeyDestroyed());
  }

  /**
   * A receipt request still queued behind another when the node closes is answered (refused as
   * closed); its client used to wait for good, since the queued request was dropped unanswered.
   */
  @Test
  void aReceiptRequestQueuedWhenTheNodeClosesIsAnsweredAsClosed() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    AnchoringService a = nodes.get(0).anchoringService().orElseThrow();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<byte[]> first = a.serve(() -> {
      running.countDown();
      try {
        release.await(20, TimeUnit.SECONDS); // the close interrupts it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new byte[] {1};
    });
    assertTrue(running.await(20, TimeUnit.SECONDS), "the first request runs");
    CompletableFuture<byte[]> queued = a.serve(() -> new byte[] {2});
    crash(0);
    release.countDown();
    first.get(20, TimeUnit.SECONDS);
    byte[] answer = queued.get(20, TimeUnit.SECONDS);
    assertEquals(SubmissionRefusedException.Cause.CLOSED.ordinal(), answer[1], "refused as closed");
    byte[] after = a.serve(() -> new byte[] {3}).get(20, TimeUnit.SECONDS);
    assertEquals(SubmissionRefusedException.Cause.CLOSED.ordinal(), after[1], "refused as closed");
  }

  @Test
  void handoverTakesOverTheTransactionInFlight() throws Exception {
    start(Duration.ofSeconds(3), Duration.ofMinutes(10));
    First first = firstTransaction();
    Digest tx = first.txid();
    int holder = first.server();
    ParticipantId dead = ParticipantId.of(nodes.get(holder).ledgerKey());
    crash(holder);
    NodeRuntimeTest.waitFor(() -> live().stream().anyMatch(n -> knows(n, tx)), "another server takes the transaction over");
    assertEquals(List.of(tx), core.mempoolTxids(), "the successor sent nothing of its own");
    core.mine();
    core.mine();
    Anchor a = recordedOnce();
    assertEquals(tx, a.txid());
    assertNotEquals(dead, a.submitter(), "a live server recorded it");
    receiptsFromEveryNode();
  }

  @Test
  void handoverAfterTheBitcoinNodeLostTheTransactionConflictsWithIt() throws Exception {
    // the anchoring turn runs on a clock that stands still until the test moves it: the sender sends
    // and dies within its turn, and the next server takes the turn over, however loaded the host is;
    // it stands before the genesis block that start() makes, so the first turn holds until it moves,
    // and never more than a turn ahead of the ledger's clock, whose skew bound the anchor entry meets
    Duration turn = Duration.ofSeconds(6);
    MutableClock clock = new MutableClock(System.currentTimeMillis());
    anchoringClock = clock;
    start(turn, Duration.ofMinutes(10));
    First first = firstTransaction();
    Digest lost = first.txid();
    int holder = first.server();
    byte[] lostRaw = core.raw(lost);
    crash(holder);
    assertTrue(live().stream().noneMatch(n -> knows(n, lost)), "the sender died within its turn");
    core.evict(lost); // the Bitcoin node restarted without its mempool
    core.feeRate(6); // and fees rose: the successor's transaction differs from the lost one (with the same view it is the same bytes)
    fundCoin(3, 80_000); // and the operator topped the wallet up with a larger coin
    clock.set(live().get(0).ledger().header(0).timestamp() + turn.toMillis()); // the next server's turn
    NodeRuntimeTest.waitFor(() -> core.mempoolTxids().size() == 1, "the successor's own transaction");
    Digest successor = core.mempoolTxids().get(0);
    assertNotEquals(lost, successor);
    // the lost transaction comes back (a peer kept it): it can only replace or be refused
    String answer = core.relay(lostRaw);
    assertEquals(0, core.doubleSpends(), () -> "relayed (" + answer + "): " + core.log());
    OutPoint spentByLost = Transaction.parse(lostRaw).inputs().get(0).outPoint();
    assertTrue(Transaction.parse(core.raw(successor)).inputs().stream().anyMatch(i -> i.outPoint().equals(spentByLost)),
        "the successor spends the coin the lost transaction spent");
    core.mine();
    core.mine();
    Anchor a = recordedOnce();
    assertTrue(Arrays.asList(lost, successor).contains(a.txid()));
    receiptsFromEveryNode();
    // nothing of that anchor is left in flight (the next holder may meanwhile anchor the block that
    // recorded it, if its Bitcoin node had not proven the recorded anchor yet: a new anchor, not this one)
    // (a node gives up its own attempt once it proved the recorded anchor, at its next poll)
    NodeRuntimeTest.waitFor(() -> live().stream().allMatch(n -> n.anchoringService().flatMap(AnchoringService::anchorer)
        .map(x -> x.inFlight().stream().noneMatch(r -> r.id().equals(a.commitment()))).orElse(true)),
        "nothing of the recorded anchor left in flight");
  }

  /**
   * A cached Bitcoin part that the Bitcoin node's headers no longer prove (a damaged or altered
   * file in {@code data/anchors/bitcoin}) is not served: the node fetches the part again.
   */
  @Test
  void aCachedBitcoinPartThatDoesNotVerifyIsFetchedAgain() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    firstTransaction();
    core.mine();
    core.mine();
    recordedOnce();
    receiptsFromEveryNode(); // each node checked and cached the Bitcoin part
    int audit = nodes.size() - 1;
    Path cache = nodes.get(audit).config().dataDirectory().resolve(Node.ANCHORS).resolve("bitcoin");
    crash(audit);
    Path file;
    try (var files = Files.list(cache)) {
      file = files.filter(f -> f.getFileName().toString().endsWith(".json")).findFirst().orElseThrow();
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\"bitcoin\"[\\s\\S]*?\"height\"\\s*:\\s*)(\\d+)")
        .matcher(Files.readString(file));
    assertTrue(m.find(), "the cached part has a height");
    Files.writeString(file, m.replaceFirst("$1" + (Long.parseLong(m.group(2)) + 1)));
    Node n = startNode(audit);
    Digest entry = n.ledger().block(0).block().entries().get(0).id();
    NodeRuntimeTest.waitFor(() -> n.receipt(entry).map(AnchorReceipt::isComplete).orElse(false), "a complete receipt");
    ReceiptVerdict v = n.receipt(entry).orElseThrow().verify(FileHeaderSource.of(core.headers()));
    assertInstanceOf(ReceiptVerdict.Anchored.class, v, v::toString);
  }

  /**
   * A Bitcoin node on another chain than {@code anchoring.network} gets no anchoring transaction,
   * and no receipt is completed from it, until it reports the configured chain.
   */
  @Test
  void aBitcoinNodeOnAnotherChainIsNotUsedUntilItIsOnTheConfiguredOne() throws Exception {
    chainAtStart = "main";
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    morePolls(15);
    assertEquals(List.of(), core.mempoolTxids(), () -> core.log().toString());
    for (Node n : live()) {
      assertEquals(List.of(), n.anchoringService().flatMap(AnchoringService::anchorer).map(Anchorer::anchors)
          .orElse(List.of()), "nothing planned on " + n);
    }
    core.reportChain("regtest");
    firstTransaction();
    core.mine();
    core.mine();
    recordedOnce();
    int audit = nodes.size() - 1;
    Path cache = nodes.get(audit).config().dataDirectory().resolve(Node.ANCHORS).resolve("bitcoin");
    crash(audit);
    core.reportChain("test");
    if (Files.exists(cache)) {
      try (var files = Files.list(cache)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
    }
    Node n = startNode(audit);
    Digest entry = n.ledger().block(0).block().entries().get(0).id();
    NodeRuntimeTest.waitFor(() -> n.receipt(entry).isPresent(), "a receipt from the restarted audit server");
    morePolls(5);
    assertFalse(n.receipt(entry).orElseThrow().isComplete(), "no Bitcoin part from a node on another chain");
    core.reportChain("regtest");
    receiptsFromEveryNode();
  }

  /**
   * Records, through federation server {@code server}, an anchor entry naming this ledger's
   * commitment at {@code height} with a transaction that does not exist: the ledger's rules cannot
   * tell, so the entry is final.
   */
  private Anchor recordMadeUpAnchor(int server, long height) throws Exception {
    return recordAnchor(server, height, Sha256.hash(new byte[] {'n', 'o', (byte) height}));
  }

  /** Records, through federation server {@code server}, an anchor entry of {@code height} naming transaction {@code txid}. */
  private Anchor recordAnchor(int server, long height, Digest txid) throws Exception {
    Node n = nodes.get(server);
    Anchor unsigned = new Anchor(ParticipantId.of(n.ledgerKey()), txid,
        io.medledger.anchor.LedgerAnchors.commitment(n.ledger().header(height)).digest(), 0, height,
        System.currentTimeMillis(), List.of());
    Anchor a = Entry.sign(unsigned, n.ledger().parameters().chainId(), keys.get(server).ledgerSecretKey());
    n.submit(a).get(30, TimeUnit.SECONDS);
    return a;
  }

  /**
   * A federation server records an anchor entry for the commitment being anchored, naming a
   * transaction that does not exist, before the genuine anchor is final, and then goes silent: an
   * honest server still records the genuine anchor, and every node's receipts complete under it.
   */
  @Test
  void aMadeUpAnchorOfTheCommitmentInFlightDoesNotStopTheGenuineOne() throws Exception {
    start(Duration.ofSeconds(3), Duration.ofMinutes(10));
    First first = firstTransaction();
    AnchorRecord inFlight = nodes.get(first.server()).anchoringService().flatMap(AnchoringService::anchorer)
        .orElseThrow().inFlight().get(0);
    int liar = (first.server() + 1) % 3;
    Anchor madeUp = recordMadeUpAnchor(liar, inFlight.commitment().height());
    crash(liar);
    core.mine();
    core.mine();
    NodeRuntimeTest.waitFor(() -> live().stream().allMatch(n -> anchorsOn(n).stream()
        .anyMatch(a -> a.txid().equals(first.txid()))), "the genuine anchor on every ledger");
    assertTrue(anchorsOn(live().get(0)).contains(madeUp));
    receiptsFromEveryNode();
  }

  /**
   * A federation server records an anchor entry of the tip naming a transaction that does not
   * exist, at a moment no anchor is in flight: the nodes do not take the tip as anchored, the next
   * anchor is made, and the entries below it get complete receipts.
   */
  @Test
  void aMadeUpAnchorOfTheTipDoesNotCountAsAnchored() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    firstTransaction();
    core.mine();
    core.mine();
    recordedOnce();
    core.reportChain("main"); // no anchoring while the lie is recorded, so that nothing is in flight
    morePolls(2); // every node saw the other chain
    Entry later = NodeRuntimeTest.patient(nodes.get(0).ledger().parameters().chainId(),
        NodeRuntimeTest.registrar(layout));
    long at = nodes.get(0).submit(later).get(30, TimeUnit.SECONDS).height();
    recordMadeUpAnchor(1, at);
    morePolls(5);
    assertEquals(List.of(), core.mempoolTxids(), () -> core.log().toString());
    core.reportChain("regtest");
    NodeRuntimeTest.waitFor(() -> core.mempoolTxids().size() == 1, "a genuine anchor of the tip");
    core.mine();
    core.mine();
    for (Node n : live()) {
      NodeRuntimeTest.waitFor(() -> n.receipt(later.id()).map(AnchorReceipt::isComplete).orElse(false),
          "a complete receipt of the later entry from " + n);
      ReceiptVerdict v = n.receipt(later.id()).orElseThrow().verify(FileHeaderSource.of(core.headers()));
      assertInstanceOf(ReceiptVerdict.Anchored.class, v, n + ": " + v);
    }
  }

  /**
   * A federation server records the anchor entry of a transaction in flight as soon as its block is
   * mined, with one confirmation where the policy asks for two: every node counted it as anchored
   * (giving up the anchors in flight it covers) and served complete receipts under a block a
   * reorganization could still drop. Now the nodes count it, and complete receipts under it, only
   * once it has the policy's confirmations.
   */
  @Test
  void aRecordedAnchorCountsOnlyOnceItHasThePolicysConfirmations() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofMinutes(10));
    First first = firstTransaction();
    long height = nodes.get(first.server()).anchoringService().flatMap(AnchoringService::anchorer).orElseThrow()
        .inFlight().get(0).commitment().height();
    core.mine();
    int early = (first.server() + 1) % 3;
    recordAnchor(early, height, first.txid());
    NodeRuntimeTest.waitFor(() -> live().stream().allMatch(n -> anchorsOn(n).size() == 1), "the early entry everywhere");
    Digest entry = nodes.get(0).ledger().block(0).block().entries().get(0).id();
    morePolls(10); // each proved the early entry at least once, and failed
    for (Node n : live()) {
      assertEquals(-1, n.anchoringService().orElseThrow().provenHeight(), n + " counts an anchor of one confirmation");
      assertFalse(n.receipt(entry).orElseThrow().isComplete(), n + " completes a receipt of one confirmation");
    }
    core.mine();
    NodeRuntimeTest.waitFor(() -> live().stream().allMatch(n -> n.anchoringService().orElseThrow().provenHeight() == height),
        "the anchor counted at two confirmations");
    receiptsFromEveryNode();
  }

  /** Journal records by status, for failure messages. */
  static String journal(Node n) {
    return n.anchoringService().flatMap(AnchoringService::anchorer)
        .map(a -> a.anchors().stream().map(AnchorRecord::status).toList().toString()).orElse("-");
  }
}
