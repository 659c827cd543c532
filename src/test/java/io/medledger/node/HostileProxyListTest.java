package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Ledger;
import io.medledger.chain.Limits;
import io.medledger.chain.MembershipChange;
import io.medledger.client.Identity;
import io.medledger.client.SmallFederation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.codec.ByteString;
import io.medledger.consensus.BftProtocol;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.medledger.crypto.Digest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A patient's grant encrypts one key fragment to each proxy the connection lists, with the
 * threshold it gives. The connection derives them itself: the serving federation servers of the
 * membership it follows through certified blocks, each with the key of its own key publication,
 * proven final. Two of four nodes (f + 1) colluding, and answering first, can neither put their
 * key in place of a proxy's, nor add a proxy, nor leave one out, nor lower the threshold.
 */
@Timeout(120)
class HostileProxyListTest {
  private static final String CHAIN = "hostile-proxy-list-test";
  @TempDir
  Path dir;
  private final Identity client = Identity.generate(ParticipantKind.AUDIT_SERVER, "auditor", SmallFederation.seeded(5));
  private final List<AutoCloseable> open = new ArrayList<>();
  /** Each federation server's Umbral encryption key, the same in every chain built here. */
  private final Map<Integer, PublicKey> umbral = new HashMap<>();
  /** Each federation server's Umbral fragment-verifying key, likewise. */
  private final Map<Integer, PublicKey> verifying = new HashMap<>();
  private int served;

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private PublicKey umbral(int server) {
    return umbral.computeIfAbsent(server, x -> SecretKey.random().publicKey());
  }

  /** The key publication of federation server {@code i} of {@code f}, signed by it. */
  private KeyPublication publication(ChainFixture f, int i) {
    PublicKey v = verifying.computeIfAbsent(i, x -> SecretKey.random().publicKey());
    return f.sign(new KeyPublication(f.federation.get(i).id(), ByteString.of(umbral(i).toBytes()),
        ByteString.of(v.toBytes()), f.now(), List.of()), f.federation.get(i));
  }

  /**
   * Four federation servers; block 1 holds the key publications of {@code published} of them (the
   * same bytes in every chain built with the same {@code published}), block 2 {@code then}.
   */
  private ChainFixture chain(int published, Function<ChainFixture, List<Entry>> then) {
    return chain(4, published, then);
  }

  /** As {@link #chain(int, Function)}, with {@code servers} federation servers. */
  private ChainFixture chain(int servers, int published, Function<ChainFixture, List<Entry>> then) {
    ChainFixture f = ChainFixture.builder().chainName(CHAIN).federationServers(servers).build();
    List<Entry> pubs = new ArrayList<>();
    for (int i = 0; i < published; i++) {
      pubs.add(publication(f, i));
    }
    f.commit(pubs);
    f.commit(then.apply(f));
    return f;
  }

  /** The usual chain: all four servers publish their keys, then Anna registers. */
  private ChainFixture honestChain() {
    return chain(4, f -> List.of(f.registerPatient(f.actor("anna"))));
  }

  /** Precommits of {@code h} by {@code voters}, BFT style. */
  private static Certificate precommits(BlockHeader h, List<Ed25519PrivateKey> voters) {
    Statement s = new Statement(StatementKind.PRECOMMIT, h.height(), 0, h.hash(), -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < voters.size(); i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, voters.get(i).sign(s.signingBytes(h.chainId()))));
    }
    return new Certificate(List.of(), ByteString.of(new QuorumCertificate(s, sigs).encode()));
  }

  /**
   * A node serving {@code f}'s ledger, every block after genesis precommitted by {@code voters}
   * (of the four servers), answering PUBLISHED_KEYS as {@code keys} does (null: as the ledger
   * does), after {@code delayMs}.
   */
  private RequestHandler node(ChainFixture f, int[] voters, Function<ParticipantId, byte[]> keys, long delayMs,
      AtomicInteger keyAsks) throws Exception {
    Ledger ledger = f.ledger;
    LedgerRequests r = new LedgerRequests(ledger, CHAIN, BftProtocol.NAME, client.publicKey()::equals,
        KeyCardStore.open(Files.createDirectories(dir.resolve("node" + served++))), null, 1 << 22);
    List<Ed25519PrivateKey> signing = java.util.Arrays.stream(voters).mapToObj(i -> f.federation.get(i).key()).toList();
    return (who, req) -> {
      byte[] a;
      if (req[0] == ClientWire.PUBLISHED_KEYS) {
        keyAsks.incrementAndGet();
        ParticipantId id = new LedgerWire.Reader(req, 1).id();
        byte[] lie = keys == null ? null : keys.apply(id);
        a = lie != null ? lie : r.handle(who, req);
        return CompletableFuture.supplyAsync(() -> a, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS));
      }
      a = r.handle(who, req);
      if (req[0] != ClientWire.BLOCK || a[0] != ClientWire.OK) {
        return CompletableFuture.completedFuture(a);
      }
      CertifiedBlock b = CertifiedBlock.decode(new LedgerWire.Reader(a, 1).bytes(Limits.MAX_BLOCK_BYTES));
      if (b.header().height() == 0) {
        return CompletableFuture.completedFuture(a);
      }
      CertifiedBlock s = new CertifiedBlock(b.block(), precommits(b.header(), signing));
      return CompletableFuture.completedFuture(new LedgerWire.Writer(ClientWire.OK).bytes(s.encode()).toBytes());
    };
  }

  /** An honest node: the live chain, precommitted by all four, its key answers 300 ms late (the liars answer first). */
  private RequestHandler honest(ChainFixture live, AtomicInteger asks) throws Exception {
    return node(live, java.util.stream.IntStream.range(0, live.federation.size()).toArray(), null, 300, asks);
  }

  /** A PUBLISHED_KEYS answer holding {@code p} as the ledger would place it. */
  private static byte[] keysAnswer(Ledger l, KeyPublication p) {
    long h = l.locate(p.id()).map(x -> x.height()).orElse(1L);
    return new LedgerWire.Writer(ClientWire.OK).bool(true).bytes(p.encode()).i64(h).i64(0).toBytes();
  }

  private static byte[] noKeys() {
    return new LedgerWire.Writer(ClientWire.OK).bool(false).toBytes();
  }

  /** A connection to the four servers of {@code f} (configured as the genesis federation) at these handlers. */
  private RemoteConnection connect(ChainFixture f, RequestHandler... handlers) {
    return connect(f, Optional.empty(), handlers);
  }

  /** The same, pinned to {@code pin} when present. */
  private RemoteConnection connect(ChainFixture f, Optional<ClientConfig.TrustedBlock> pin, RequestHandler... handlers) {
    RemoteConnection.Builder b = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
    pin.ifPresent(b::trustedBlock);
    return LoopbackEndpoints.connect(b, f.federation.stream().map(Actor::key).toList(), client.publicKey(), handlers, open);
  }

  /** The proxies and keys as the client lists them. */
  private static Map<ParticipantId, PublicKey> listed(RemoteConnection c) {
    Map<ParticipantId, PublicKey> m = new HashMap<>();
    for (ProxyKey k : c.proxyKeys()) {
      m.put(ParticipantId.fromHex(k.proxyId()), k.publicKey());
    }
    return m;
  }

  /** Where the key-card stores of {@link #nodesList} go; removed after the class. */
  @org.junit.jupiter.api.io.TempDir
  static Path cards;

  /** What the ledger's own PROXIES answer lists: each server's key, absent when it published none. */
  private static Map<ParticipantId, Optional<PublicKey>> nodesList(Ledger l, int[] threshold) throws Exception {
    LedgerRequests r = new LedgerRequests(l, CHAIN, BftProtocol.NAME, k -> true,
        KeyCardStore.open(Files.createTempDirectory(cards, "proxies")), null, 1 << 22);
    byte[] a = r.handle(Ed25519PrivateKey.generate().publicKey(), new LedgerWire.Writer(ClientWire.PROXIES).toBytes());
    LedgerWire.Reader in = new LedgerWire.Reader(a, 1);
    int n = in.u16();
    threshold[0] = in.u8();
    Map<ParticipantId, Optional<PublicKey>> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      ParticipantId id = in.id();
      m.put(id, in.bool() ? Optional.of(PublicKey.fromBytes(in.bytes(33))) : Optional.empty());
    }
    return m;
  }

  private Map<ParticipantId, PublicKey> truth(ChainFixture f) {
    Map<ParticipantId, PublicKey> m = new HashMap<>();
    for (int i = 0; i < 4; i++) {
      m.put(f.federation.get(i).id(), umbral(i));
    }
    return m;
  }

  @Test
  void colludingNodesPuttingTheirOwnKeyInPlaceOfEveryProxysAreNotBelieved() throws Exception {
    ChainFixture live = honestChain();
    KeyPublication own = live.ledger.publishedKeys(live.federation.get(0).id()).orElseThrow();
    // the first liar's genuine, final publication, and one naming each other server with its key, signed by itself
    Function<ParticipantId, byte[]> swapped = id -> keysAnswer(live.ledger, own);
    Function<ParticipantId, byte[]> forged = id -> keysAnswer(live.ledger, live.sign(new KeyPublication(id,
        own.encryptionKey(), own.verifyingKey(), own.createdAt(), List.of()), live.federation.get(0)));
    // one signed by the server itself that the ledger never took (a second publication it refused)
    Function<ParticipantId, byte[]> unpublished = id -> keysAnswer(live.ledger, live.sign(new KeyPublication(id,
        own.encryptionKey(), own.verifyingKey(), own.createdAt() + 1, List.of()), live.federation.stream()
        .filter(a -> a.id().equals(id)).findFirst().orElseThrow()));
    for (Function<ParticipantId, byte[]> lie : List.of(swapped, forged, unpublished)) {
      AtomicInteger liarsAsked = new AtomicInteger();
      AtomicInteger honestAsked = new AtomicInteger();
      RemoteConnection c = connect(live, node(live, new int[] {0, 1, 2, 3}, lie, 0, liarsAsked),
          node(live, new int[] {0, 1, 2, 3}, lie, 0, liarsAsked), honest(live, honestAsked), honest(live, honestAsked));
      assertEquals(truth(live), listed(c), "each proxy with its own key, as the honest nodes prove it");
      assertEquals(3, c.threshold());
      assertTrue(liarsAsked.get() >= 3, "control: the two liars were asked, and answered first: " + liarsAsked);
    }
  }

  @Test
  void aClientPinnedAtOrBelowThePublicationsDerivesTheSameProxiesAsOneFollowingFromGenesis() throws Exception {
    ChainFixture live = honestChain();
    long tip = live.ledger.height();
    for (long at : new long[] {1, tip}) {
      AtomicInteger asked = new AtomicInteger();
      Optional<ClientConfig.TrustedBlock> pin = Optional.of(new ClientConfig.TrustedBlock(at, live.ledger.header(at).hash()));
      RemoteConnection c = connect(live, pin, honest(live, asked), honest(live, asked), honest(live, asked),
          honest(live, asked));
      assertEquals(truth(live), listed(c), "pinned at " + at + ": each proxy with its own key");
      assertEquals(3, c.threshold());
    }
    // control: a pin off the chain leaves the proxies underivable rather than taken on the nodes' word
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection wrong = connect(live, Optional.of(new ClientConfig.TrustedBlock(1, Digest.of(new byte[32]))),
        honest(live, asked), honest(live, asked), honest(live, asked), honest(live, asked));
    assertThrows(io.medledger.MedLedgerException.class, wrong::proxyKeys);
  }

  @Test
  void aProxyTheColludingNodesSayHasNoKeyIsListedWhenAnotherNodeProvesItsKey() throws Exception {
    ChainFixture live = honestChain();
    ParticipantId left = live.federation.get(3).id();
    Function<ParticipantId, byte[]> omit = id -> id.equals(left) ? noKeys() : null;
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(live, node(live, new int[] {0, 1, 2, 3}, omit, 0, asked),
        node(live, new int[] {0, 1, 2, 3}, omit, 0, asked), honest(live, asked), honest(live, asked));
    assertEquals(truth(live), listed(c), "the last server is listed with its key");
    assertEquals(3, c.threshold());
  }

  @Test
  void aServerWithoutAKeyPublicationIsLeftOutAndCountedAsTheNodesDo() throws Exception {
    ChainFixture live = chain(3, f -> List.of(f.registerPatient(f.actor("anna"))));
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(live, honest(live, asked), honest(live, asked), honest(live, asked),
        honest(live, asked));
    int[] t = new int[1];
    Map<ParticipantId, Optional<PublicKey>> node = nodesList(live.ledger, t);
    Map<ParticipantId, PublicKey> expected = new HashMap<>();
    node.forEach((id, k) -> k.ifPresent(x -> expected.put(id, x)));
    assertEquals(3, expected.size(), "control: the node lists the fourth server without a key");
    assertEquals(expected, listed(c));
    assertEquals(t[0], c.threshold(), "a majority of all four, as the node counts");
    assertFalse(listed(c).containsKey(live.federation.get(3).id()));
  }

  /**
   * The colluding pair serves a fork whose block 2 {@code changes} the federation (and publishes
   * the key of any server it adds), precommitted by the two of them alone, and lists block 2 as a
   * membership change; the honest nodes serve the live chain.
   */
  private RemoteConnection forkedBy(ChainFixture live, Function<ChainFixture, List<Entry>> changes) throws Exception {
    ChainFixture fork = chain(4, changes);
    assertEquals(live.ledger.block(1).header(), fork.ledger.block(1).header(), "control: the fork shares block 1");
    AtomicInteger asked = new AtomicInteger();
    return connect(live, node(fork, new int[] {0, 1}, null, 0, asked), node(fork, new int[] {0, 1}, null, 0, asked),
        honest(live, asked), honest(live, asked));
  }

  @Test
  void anExtraProxyInABlockOnlyTheColludingNodesPrecommittedIsNotListed() throws Exception {
    ChainFixture live = honestChain();
    RemoteConnection c = forkedBy(live, f -> {
      Actor mallory = f.actor("mallory-server");
      Actor[] q = {f.federation.get(0), f.federation.get(1), f.federation.get(2), mallory};
      return List.of(f.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
          mallory.publicKey(), Optional.of(f.hospitalA.id()), f.now(), List.of()), q),
          f.sign(new KeyPublication(mallory.id(), ByteString.of(SecretKey.random().publicKey().toBytes()),
              ByteString.of(SecretKey.random().publicKey().toBytes()), f.now(), List.of()), mallory));
    });
    assertEquals(truth(live), listed(c), "the four servers, not the one the fork adds with its key");
    assertEquals(3, c.threshold());
  }

  @Test
  void aRemovalOnlyTheColludingNodesPrecommittedNeitherDropsAProxyNorLowersTheThreshold() throws Exception {
    ChainFixture live = honestChain();
    RemoteConnection c = forkedBy(live, f -> List.of(f.sign(new MembershipChange(MembershipChange.Operation.REMOVE,
        ParticipantKind.FEDERATION_SERVER, f.federation.get(3).publicKey(), Optional.empty(), f.now(), List.of()),
        f.federation.get(0), f.federation.get(1), f.federation.get(2))));
    assertEquals(truth(live), listed(c), "the fourth server stays a proxy");
    assertEquals(3, c.threshold(), "three of four, not two of three");
  }

  @Test
  void theProxiesFollowGovernance() throws Exception {
    ChainFixture live = chain(4, f -> {
      Actor added = f.actor("added-server");
      Actor[] q = {f.federation.get(0), f.federation.get(1), f.federation.get(2), added};
      return List.of(f.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
          added.publicKey(), Optional.of(f.hospitalA.id()), f.now(), List.of()), q));
    });
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(live, honest(live, asked), honest(live, asked), honest(live, asked),
        honest(live, asked));
    int[] t = new int[1];
    Map<ParticipantId, Optional<PublicKey>> node = nodesList(live.ledger, t);
    assertEquals(5, node.size(), "control: the node lists the added server");
    assertEquals(truth(live), listed(c), "the added server has published no key yet: listed without one, as the node");
    assertEquals(t[0], c.threshold(), "a majority of the five servers governance lists");
    assertEquals(3, c.threshold());
  }

  @Test
  void aNodeThatAloneAnswersOfSeveralIsNotBelieved() throws Exception {
    ChainFixture live = honestChain();
    Ed25519PrivateKey hostileKey = live.federation.get(0).key();
    Ed25519PrivateKey honestKey = live.federation.get(1).key();
    PeerAddress down;
    AtomicInteger asked = new AtomicInteger();
    try (NodeEndpoint gone = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(honestKey),
        client.publicKey()::equals, honest(live, asked), TransportLimits.defaults())) {
      down = gone.boundAddress(); // the honest node is down, or a hand on the network path keeps it from the client
    }
    try (NodeEndpoint hostile = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(hostileKey),
        client.publicKey()::equals, node(live, new int[] {0, 1, 2, 3}, id -> noKeys(), 0, asked),
        TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10))
            .node(hostileKey.publicKey(), hostile.boundAddress(), ServerRole.FEDERATION)
            .node(honestKey.publicKey(), down, ServerRole.FEDERATION).build()) {
      assertThrows(UnconfirmedAnswerException.class, c::proxyKeys, "no proxy keys on its word alone");
      assertThrows(UnconfirmedAnswerException.class, c::threshold);
    }
  }

  @Test
  void aStorageNodeDoesNotStateTheProxies() throws Exception {
    ChainFixture live = chain(1, 1, f -> List.of(f.registerPatient(f.actor("anna"))));
    Ed25519PrivateKey fed = live.federation.get(0).key();
    Ed25519PrivateKey storage = live.storageNode.key();
    KeyPublication own = f0(live);
    AtomicInteger asked = new AtomicInteger();
    // the storage node follows the ledger, and answers its own key for the proxy, first
    RequestHandler lie = node(live, new int[] {0}, id -> keysAnswer(live.ledger, live.sign(new KeyPublication(id,
        ByteString.of(SecretKey.random().publicKey().toBytes()), own.verifyingKey(), own.createdAt() + 1, List.of()),
        live.storageNode)), 0, asked);
    PeerAddress down;
    try (NodeEndpoint gone = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(fed),
        client.publicKey()::equals, honest(live, asked), TransportLimits.defaults())) {
      down = gone.boundAddress();
    }
    try (NodeEndpoint s = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(storage),
        client.publicKey()::equals, lie, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10))
            .node(fed.publicKey(), down, ServerRole.FEDERATION)
            .node(storage.publicKey(), s.boundAddress(), ServerRole.STORAGE).build()) {
      NodeException e = assertThrows(NodeException.class, c::proxyKeys, "the ledger node is down; the storage node's"
          + " word is not taken");
      assertEquals(NodeException.Reason.UNREACHABLE, e.reason());
    }
    try (NodeEndpoint f = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(fed),
        client.publicKey()::equals, honest(live, asked), TransportLimits.defaults());
        NodeEndpoint s = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(storage),
            client.publicKey()::equals, lie, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10))
            .node(storage.publicKey(), s.boundAddress(), ServerRole.STORAGE)
            .node(fed.publicKey(), f.boundAddress(), ServerRole.FEDERATION).build()) {
      assertEquals(Map.of(live.federation.get(0).id(), umbral(0)), listed(c), "the proxy's own key, the storage node"
          + " not asked");
      assertEquals(1, c.threshold());
    }
  }

  /**
   * One federation server, and an audit server as the second ledger node: under {@code bft} the one
   * voter is fewer than the two confirmations, so no certificate counts and the list comes from the
   * nodes' agreement; a key must still be the server's own signed publication.
   */
  @Test
  void whereNoCertificateCountsTheKeysAreStillTheServersOwn() throws Exception {
    ChainFixture live = chain(1, 1, f -> List.of(f.registerPatient(f.actor("anna"))));
    KeyPublication own = f0(live);
    Actor auditor = live.auditors.get(0);
    AtomicInteger asked = new AtomicInteger();
    // both nodes state the list alike, and serve a publication of the server with the auditor's key in it
    Function<ParticipantId, byte[]> lie = id -> keysAnswer(live.ledger, live.sign(new KeyPublication(id,
        ByteString.of(SecretKey.random().publicKey().toBytes()), own.verifyingKey(), own.createdAt(), List.of()),
        auditor));
    for (boolean lying : List.of(true, false)) {
      Function<ParticipantId, byte[]> keys = lying ? lie : null;
      RemoteConnection.Builder b = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(2),
          Duration.ofSeconds(10));
      List<Actor> at = List.of(live.federation.get(0), auditor);
      for (Actor a : at) {
        NodeEndpoint e = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(a.key()),
            client.publicKey()::equals, node(live, new int[] {0}, keys, 0, asked), TransportLimits.defaults());
        open.add(e);
        b.node(a.publicKey(), e.boundAddress(), a == auditor ? ServerRole.AUDIT : ServerRole.FEDERATION);
      }
      RemoteConnection c = b.build();
      open.add(c);
      if (lying) {
        assertThrows(UnconfirmedAnswerException.class, c::proxyKeys, "no key but the server's own");
      } else {
        assertEquals(Map.of(live.federation.get(0).id(), umbral(0)), listed(c), "control: the server's own key");
        assertEquals(1, c.threshold());
      }
    }
  }

  private static KeyPublication f0(ChainFixture f) {
    return f.ledger.publishedKeys(f.federation.get(0).id()).orElseThrow();
  }
}
