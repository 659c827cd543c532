package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.Limits;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.VerifiedBlock;
import io.medledger.client.Identity;
import io.medledger.client.SmallFederation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.client.UnverifiableAnswerException;
import io.medledger.codec.ByteString;
import io.medledger.consensus.BftProtocol;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long-range attack on a light client and the pinned block that meets it. On the live chain the
 * four genesis servers (the client's configured voters) add four successors at height 2 and are
 * removed at height 3; block 4 registers Bo. Their keys later leak: whoever holds them certifies
 * another history from height 2 on, in which they were never replaced (block 2 registers Mallory).
 * A client that has only the genesis voters takes that history; one that pins the live block at
 * height 4 refuses it, and still takes the live chain.
 */
@Timeout(120)
class TrustedBlockTest {
  private static final String CHAIN = "trusted-block-test";
  @TempDir
  Path dir;
  private final Identity client = Identity.generate(ParticipantKind.AUDIT_SERVER, "auditor", SmallFederation.seeded(5));
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<Ed25519PublicKey, Ed25519PrivateKey> keys = new HashMap<>();
  private int served;
  /** The genesis servers (the same actors in every chain of this test). */
  private List<Actor> genesis;
  /** The header cache the next connections use, or null. */
  private Path headerCache;

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** The four servers governance adds at height 2 of the live chain. */
  private static List<Actor> successors(ChainFixture f) {
    List<Actor> n = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      n.add(f.actor("successor-" + i));
    }
    return n;
  }

  private static void commit(ChainFixture f, List<Entry> entries) {
    Ledger l = f.ledger;
    VerifiedBlock vb = l.propose(io.medledger.access.ParticipantId.of(l.membership().federationKeys().get(0)), 0,
        ByteString.EMPTY, f.now(), entries).value().block();
    assertTrue(l.append(vb, f.certify(vb.header())).isAccepted(), "the fixture takes block " + vb.header().height());
    f.clock.advance(Duration.ofSeconds(1));
  }

  /** A chain of this test whose block 1 registers Anna (so every such chain shares it). */
  private ChainFixture begin() {
    ChainFixture f = ChainFixture.builder().chainName(CHAIN).federationServers(4).build();
    f.federation.forEach(a -> keys.put(a.publicKey(), a.key()));
    if (genesis == null) {
      genesis = f.federation;
    }
    assertEquals(genesis.stream().map(Actor::publicKey).toList(), f.federation.stream().map(Actor::publicKey).toList());
    successors(f).forEach(a -> keys.put(a.publicKey(), a.key()));
    commit(f, List.of(f.registerPatient(f.actor("anna"))));
    return f;
  }

  /** The live chain: the successors added at 2, the genesis servers removed at 3, Bo at 4, then {@code more} blocks. */
  private ChainFixture live(int more) {
    ChainFixture f = begin();
    List<Actor> old = f.federation;
    List<Entry> adds = new ArrayList<>();
    for (Actor a : successors(f)) {
      adds.add(f.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
          a.publicKey(), Optional.of(f.hospitalA.id()), f.now(), List.of()), old.get(0), old.get(1), old.get(2), a));
    }
    commit(f, adds);
    List<Entry> removals = new ArrayList<>();
    for (Actor a : old) {
      List<Actor> signers = new ArrayList<>(successors(f));
      signers.addAll(old.subList(0, 2));
      removals.add(f.sign(new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
          a.publicKey(), Optional.empty(), f.now(), List.of()), signers.toArray(Actor[]::new)));
    }
    commit(f, removals);
    commit(f, List.of(f.registerPatient(f.actor("bo"))));
    for (int i = 0; i < more; i++) {
      commit(f, List.of(f.registerPatient(f.actor("later-" + i))));
    }
    return f;
  }

  /** The forged history: it shares block 1, then registers Mallory, Eve and Oscar; nobody is ever replaced. */
  private ChainFixture forged() {
    ChainFixture f = begin();
    for (String who : List.of("mallory", "eve", "oscar")) {
      commit(f, List.of(f.registerPatient(f.actor(who))));
    }
    return f;
  }

  /** Precommits of {@code header} by each of {@code voters}. */
  private Certificate precommits(BlockHeader header, List<Ed25519PublicKey> voters) {
    Statement s = new Statement(StatementKind.PRECOMMIT, header.height(), 0, header.hash(), -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < voters.size(); i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, keys.get(voters.get(i)).sign(s.signingBytes(header.chainId()))));
    }
    return new Certificate(List.of(), ByteString.of(new QuorumCertificate(s, sigs).encode()));
  }

  /**
   * A node serving {@code f}'s chain, each block after genesis precommitted by the voters {@code f}
   * had in force at its height: on the forged chain, the genesis servers whose keys leaked.
   */
  private RequestHandler node(ChainFixture f) throws Exception {
    return node(f, b -> b);
  }

  /** The same, serving each block as {@code serve} gives it. */
  private RequestHandler node(ChainFixture f, Function<io.medledger.chain.Block, io.medledger.chain.Block> serve)
      throws Exception {
    Ledger ledger = f.ledger;
    LedgerRequests r = new LedgerRequests(ledger, CHAIN, BftProtocol.NAME, client.publicKey()::equals,
        KeyCardStore.open(Files.createDirectories(dir.resolve("node" + served++))), null, 1 << 22);
    return (who, req) -> {
      byte[] a = r.handle(who, req);
      if (req[0] != ClientWire.BLOCK || a[0] != ClientWire.OK) {
        return CompletableFuture.completedFuture(a);
      }
      CertifiedBlock b = CertifiedBlock.decode(new LedgerWire.Reader(a, 1).bytes(Limits.MAX_BLOCK_BYTES));
      if (b.header().height() == 0) {
        return CompletableFuture.completedFuture(a);
      }
      CertifiedBlock s = new CertifiedBlock(serve.apply(b.block()),
          precommits(b.header(), ledger.membershipAfter(b.header().height() - 1).federationKeys()));
      return CompletableFuture.completedFuture(new LedgerWire.Writer(ClientWire.OK).bytes(s.encode()).toBytes());
    };
  }

  /**
   * A node that states the chain, its height and the heights of the membership changes, and
   * refuses the rest; {@code asks} counts the blocks and places asked of it.
   */
  private RequestHandler mute(ChainFixture f, AtomicInteger asks) throws Exception {
    RequestHandler n = node(f);
    return (who, req) -> {
      if (req[0] == ClientWire.CHAIN || req[0] == ClientWire.HEIGHT || req[0] == ClientWire.MEMBERSHIP_CHANGES) {
        return n.handle(who, req);
      }
      if (req[0] == ClientWire.BLOCK || req[0] == ClientWire.LOCATE) {
        asks.incrementAndGet();
      }
      return CompletableFuture.completedFuture(ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy"));
    };
  }

  /** {@code n} with the headers of its HEADERS answers (as served, highest first) rewritten by {@code rewrite}. */
  private static RequestHandler headersRewritten(RequestHandler n, java.util.function.UnaryOperator<List<byte[]>> rewrite) {
    return (who, req) -> n.handle(who, req).thenApply(a -> {
      if (req[0] != ClientWire.HEADERS || a[0] != ClientWire.OK) {
        return a;
      }
      LedgerWire.Reader in = new LedgerWire.Reader(a, 1);
      List<byte[]> headers = new ArrayList<>();
      for (int i = in.u16(); i > 0; i--) {
        headers.add(in.bytes(ClientWire.MAX_HEADER_BYTES));
      }
      List<byte[]> out = rewrite.apply(headers);
      LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK).u16(out.size());
      out.forEach(w::bytes);
      return w.toBytes();
    });
  }

  /** {@code n}, adding the height of every block asked of it in full to {@code heights}. */
  private static RequestHandler counting(RequestHandler n, List<Long> heights) {
    return (who, req) -> {
      if (req[0] == ClientWire.BLOCK) {
        heights.add(new LedgerWire.Reader(req, 1).i64());
      }
      return n.handle(who, req);
    };
  }

  /**
   * A connection built from a client configuration naming the four genesis servers at these
   * handlers (the endpoints hold the genesis keys, as an attacker holding them may; handlers past
   * the fourth get fresh keys), pinning {@code pin} if given.
   */
  private RemoteConnection connect(Optional<ClientConfig.TrustedBlock> pin, RequestHandler... handlers) {
    List<ClientConfig.NodeEndpointConfig> nodes = new ArrayList<>();
    for (int i = 0; i < handlers.length; i++) {
      Ed25519PrivateKey k = i < genesis.size() ? genesis.get(i).key()
          : Ed25519PrivateKey.generate(new java.security.SecureRandom()); // a fifth node on: another key
      NodeEndpoint e = LoopbackEndpoints.serve(k, client.publicKey(), handlers[i], open);
      nodes.add(new ClientConfig.NodeEndpointConfig(k.publicKey(), e.boundAddress(), ServerRole.FEDERATION));
    }
    ClientConfig config = new ClientConfig(CHAIN, dir.resolve("client.keys"),
        new NodeConfig.KeySource.Environment("MEDLEDGER_PASS"), nodes);
    ClientConfig pinned = pin.map(config::withTrustedBlock).orElse(config);
    RemoteConnection c = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10))
        .nodes(headerCache == null ? pinned : pinned.withHeaderCache(headerCache)).build();
    open.add(c);
    return c;
  }

  private static Optional<ClientConfig.TrustedBlock> pin(ChainFixture f, long height) {
    return Optional.of(new ClientConfig.TrustedBlock(height, f.ledger.block(height).header().hash()));
  }

  private static Entry entryAt(ChainFixture f, long height) {
    return f.ledger.block(height).block().entries().get(0);
  }

  @Test
  void aHistoryTheRemovedVotersForgedBelowThePinIsTakenWithoutItAndRefusedWithIt() throws Exception {
    ChainFixture live = live(0);
    ChainFixture fork = forged();
    assertEquals(live.ledger.block(1).header(), fork.ledger.block(1).header(), "control: the fork shares block 1");
    assertNotEquals(live.ledger.block(2).header(), fork.ledger.block(2).header(), "control: and forks at 2");
    Entry mallory = entryAt(fork, 2);
    // the attack is real: every configured endpoint serves the fork, and the client has only genesis
    RemoteConnection unpinned = connect(Optional.empty(), node(fork), node(fork), node(fork), node(fork));
    assertEquals(Optional.of(mallory.id()), unpinned.entry(mallory.id()).map(Entry::id),
        "without a pin the removed voters' certificates make the forged entry final");
    assertEquals(fork.ledger.block(4).header(), unpinned.header(4));
    // pinned to the live block 4, the same nodes are refused
    RemoteConnection pinned = connect(pin(live, 4), node(fork), node(fork), node(fork), node(fork));
    TrustedBlockMismatchException e = assertThrows(TrustedBlockMismatchException.class, () -> pinned.header(4));
    assertEquals(4, e.height());
    assertEquals(live.ledger.block(4).header().hash(), e.pinned());
    assertEquals(fork.ledger.block(4).header().hash(), e.served());
    assertThrows(TrustedBlockMismatchException.class, () -> pinned.entry(mallory.id()));
    assertThrows(TrustedBlockMismatchException.class, () -> pinned.header(2));
  }

  @Test
  void oneHostileNodeFirstInTheListSufficesWithoutThePinAndIsPassedOverWithIt() throws Exception {
    ChainFixture live = live(0);
    ChainFixture fork = forged();
    Entry mallory = entryAt(fork, 2);
    Entry bo = entryAt(live, 4);
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection unpinned = connect(Optional.empty(), node(fork), node(live), mute(live, asked), mute(live, asked));
    assertEquals(Optional.of(mallory.id()), unpinned.entry(mallory.id()).map(Entry::id),
        "control: the client followed the hostile node's block 2 and took the forged entry");
    RemoteConnection pinned = connect(pin(live, 4), node(fork), node(live), mute(live, asked), mute(live, asked));
    assertThrows(UnconfirmedAnswerException.class, () -> pinned.entry(mallory.id()),
        "block 2 is not an ancestor of the pinned block: its certificate does not count");
    assertEquals(live.ledger.block(2).header(), pinned.header(2),
        "the hostile node answers first, with a block 2 off the pinned chain, and is passed over");
    asked.set(0);
    assertEquals(Optional.of(bo.id()), pinned.entry(bo.id()).map(Entry::id));
    assertEquals(0, asked.get(), "the live blocks were final by the pin: the others were never asked");
  }

  @Test
  void theLiveChainWithThePinIsFollowedBelowAndAboveIt() throws Exception {
    ChainFixture live = live(3);
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(pin(live, 3), node(live), mute(live, asked), mute(live, asked), mute(live, asked));
    assertEquals(Optional.of(entryAt(live, 1).id()), c.entry(entryAt(live, 1).id()).map(Entry::id));
    assertEquals(Optional.of(entryAt(live, 4).id()), c.entry(entryAt(live, 4).id()).map(Entry::id),
        "above the pin the successors' certificate counts, as the membership changes below it say");
    assertEquals(live.ledger.block(7).header(), c.header(7));
    assertEquals(0, asked.get(), "final by the pin and by certificates alone");
  }

  @Test
  void aPinAboveTheTipIsRefusedClearlyUntilTheNodesReachIt() throws Exception {
    ChainFixture live = live(0);
    ChainFixture ahead = live(1);
    Optional<ClientConfig.TrustedBlock> at5 = pin(ahead, 5);
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(at5, node(live), node(live), mute(live, asked), mute(live, asked));
    UnconfirmedAnswerException e = assertThrows(UnconfirmedAnswerException.class, () -> c.header(4),
        "nothing is final before the pinned block is found, not even on f + 1 nodes' word");
    assertTrue(e.getMessage().contains("no ledger node serves block 5 of the pinned chain"), e.getMessage());
    commit(live, List.of(live.registerPatient(live.actor("later-0"))));
    assertEquals(ahead.ledger.block(5).header(), live.ledger.block(5).header(), "control: the nodes reach the pin");
    assertEquals(live.ledger.block(4).header(), c.header(4));
    assertEquals(live.ledger.block(5).header(), c.header(5));
  }

  @Test
  void aNodeServingThePinnedChainsHeadersWithOtherEntriesIsPassedOver() throws Exception {
    ChainFixture live = live(0);
    io.medledger.chain.Block real3 = live.ledger.block(3).block();
    List<Entry> standIns = new ArrayList<>();
    for (int i = 0; i < real3.entries().size(); i++) {
      standIns.add(live.registerPatient(live.actor("stand-in-" + i)));
    }
    io.medledger.chain.Block stripped = new io.medledger.chain.Block(real3.header(), standIns);
    RequestHandler stripping = node(live, b -> b.header().height() == 3 ? stripped : b);
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(pin(live, 3), stripping, mute(live, asked), mute(live, asked), node(live));
    assertEquals(live.ledger.block(1).header(), c.header(1), "block 1, final by the pin once read back");
    asked.set(0);
    Entry bo = entryAt(live, 4);
    assertEquals(Optional.of(bo.id()), c.entry(bo.id()).map(Entry::id));
    assertEquals(0, asked.get(), "block 3 was read with its removals, so the successors' certificate made block 4 final");
  }

  @Test
  void aPinnedConnectionReadsInFullOnlyThePinnedBlockAndTheMembershipChangesBelowIt() throws Exception {
    ChainFixture live = live(3); // membership changes at 2 and 3; pinned at 7
    List<Long> read = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger pages = new AtomicInteger();
    RequestHandler twoAPage = headersRewritten(node(live), h -> {
      pages.incrementAndGet();
      return h.subList(0, Math.min(2, h.size()));
    });
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(pin(live, 7), counting(twoAPage, read), counting(node(live), read),
        mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.block(7).header(), c.header(7));
    assertEquals(List.of(2L, 3L), read.stream().filter(h -> h < 7).sorted().toList(),
        "below the pin only the blocks that changed the membership were read in full, each once");
    assertTrue(pages.get() >= 3, "the six headers below the pin came two a page: " + pages.get());
    read.clear();
    assertEquals(live.ledger.block(1).header(), c.header(1), "final by the hashes read back");
    assertEquals(live.ledger.block(5).header(), c.header(5));
    assertEquals(List.of(1L, 5L), read.stream().sorted().toList(), "the pin is read back once per connection");
  }

  @Test
  void aNodeWhoseHeadersBreakTheHashLinkIsPassedOver() throws Exception {
    ChainFixture live = live(0);
    ChainFixture fork = forged();
    byte[] forged2 = fork.ledger.header(2).encode();
    assertNotEquals(live.ledger.header(2), fork.ledger.header(2), "control: the fork's header 2 is another");
    java.util.function.UnaryOperator<List<byte[]>> breakAt2 = hs -> hs.stream()
        .map(h -> BlockHeader.decode(h).height() == 2 ? forged2 : h).toList();
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection faithful = connect(pin(live, 4), headersRewritten(node(live), hs -> hs), mute(live, asked),
        mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.block(4).header(), faithful.header(4), "control: the rewriting itself changes nothing");
    RemoteConnection alone = connect(pin(live, 4), headersRewritten(node(live), breakAt2), mute(live, asked),
        mute(live, asked), mute(live, asked));
    UnconfirmedAnswerException e = assertThrows(UnconfirmedAnswerException.class, () -> alone.header(4),
        "header 3 links to the pin, but the forged header 2 is not the parent header 3 names");
    assertTrue(e.getMessage().contains("no ledger node serves block 3 of the pinned chain"), e.getMessage());
    RemoteConnection c = connect(pin(live, 4), headersRewritten(node(live), breakAt2), node(live), mute(live, asked),
        mute(live, asked));
    assertEquals(live.ledger.block(4).header(), c.header(4), "the next node's headers link");
    assertEquals(live.ledger.block(2).header(), c.header(2));
  }

  /** The heights of the headers in an OK HEADERS answer, checking each against {@code f}'s ledger. */
  private static List<Long> headerHeights(ChainFixture f, byte[] answer) {
    assertEquals(ClientWire.OK, answer[0]);
    LedgerWire.Reader in = new LedgerWire.Reader(answer, 1);
    List<Long> heights = new ArrayList<>();
    for (int i = in.u16(); i > 0; i--) {
      BlockHeader h = BlockHeader.decode(in.bytes(ClientWire.MAX_HEADER_BYTES));
      assertEquals(f.ledger.header(h.height()), h);
      heights.add(h.height());
    }
    in.end();
    return heights;
  }

  @Test
  void theHeadersRequestAnswersDownwardWithinItsBounds() throws Exception {
    ChainFixture live = live(3); // height 7
    LedgerRequests r = new LedgerRequests(live.ledger, CHAIN, BftProtocol.NAME, client.publicKey()::equals,
        KeyCardStore.open(Files.createDirectories(dir.resolve("headers"))), null, 1 << 22);
    Function<byte[], byte[]> ask = req -> r.handle(client.publicKey(), req);
    assertEquals(List.of(7L, 6L, 5L), headerHeights(live, ask.apply(new LedgerWire.Writer(ClientWire.HEADERS).i64(7).u16(3).toBytes())));
    assertEquals(List.of(2L, 1L, 0L), headerHeights(live, ask.apply(new LedgerWire.Writer(ClientWire.HEADERS).i64(2).u16(10).toBytes())),
        "never below genesis");
    for (long[] bad : new long[][] {{8, 1}, {7, 0}, {7, ClientWire.MAX_HEADERS + 1}, {-1, 1}}) {
      byte[] a = ask.apply(new LedgerWire.Writer(ClientWire.HEADERS).i64(bad[0]).u16((int) bad[1]).toBytes());
      assertEquals(ClientWire.REFUSED, a[0], bad[0] + " " + bad[1]);
    }
    int cap = 1024;
    LedgerRequests small = new LedgerRequests(live.ledger, CHAIN, BftProtocol.NAME, client.publicKey()::equals,
        KeyCardStore.open(Files.createDirectories(dir.resolve("small"))), null, cap);
    byte[] a = small.handle(client.publicKey(), new LedgerWire.Writer(ClientWire.HEADERS).i64(7).u16(7).toBytes());
    List<Long> heights = headerHeights(live, a);
    assertTrue(a.length <= cap && !heights.isEmpty() && heights.size() < 7 && heights.get(0) == 7,
        "a node with a small answer cap sends fewer headers, from the top: " + heights + ", " + a.length + " bytes");
  }

  /** {@code n} leaving height {@code left} out of its MEMBERSHIP_CHANGES answers. */
  private static RequestHandler omitting(RequestHandler n, long left) {
    return (who, req) -> n.handle(who, req).thenApply(a -> {
      if (req[0] != ClientWire.MEMBERSHIP_CHANGES || a[0] != ClientWire.OK) {
        return a;
      }
      LedgerWire.Reader in = new LedgerWire.Reader(a, 1);
      List<Long> heights = new ArrayList<>();
      for (int i = in.u16(); i > 0; i--) {
        heights.add(in.i64());
      }
      long through = in.i64();
      heights.remove(left);
      LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK).u16(heights.size());
      heights.forEach(w::i64);
      return w.i64(through).toBytes();
    });
  }

  @Test
  void aNodeLeavingAMembershipChangeBelowThePinOutOfItsListIsOutvotedByOneThatListsIt() throws Exception {
    ChainFixture live = live(1); // the genesis servers removed at 3; block 5 certified by the successors alone
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(pin(live, 4), omitting(node(live), 3L), mute(live, asked), mute(live, asked),
        mute(live, asked));
    assertEquals(live.ledger.block(5).header(), c.header(5));
    assertEquals(0, asked.get(), "the removals at 3 were applied: the successors' certificate made block 5 final");
    AtomicInteger asked2 = new AtomicInteger();
    RemoteConnection colluding = connect(pin(live, 4), omitting(node(live), 3L), omitting(mute(live, asked2), 3L),
        mute(live, asked2), mute(live, asked2));
    UnconfirmedAnswerException e = assertThrows(UnconfirmedAnswerException.class, () -> colluding.header(5),
        "control: when all f + 1 listing nodes leave it out, the removed servers still count and block 5 is not final");
    assertTrue(e.getMessage().contains("no other node confirmed it"), "its certificate did not count: " + e.getMessage());
  }

  /** {@code n} with the block it serves at {@code height} precommitted by {@code voters} instead. */
  private RequestHandler recertified(RequestHandler n, long height, List<Ed25519PublicKey> voters) {
    return (who, req) -> n.handle(who, req).thenApply(a -> {
      if (req[0] != ClientWire.BLOCK || a[0] != ClientWire.OK || new LedgerWire.Reader(req, 1).i64() != height) {
        return a;
      }
      CertifiedBlock b = CertifiedBlock.decode(new LedgerWire.Reader(a, 1).bytes(Limits.MAX_BLOCK_BYTES));
      CertifiedBlock s = new CertifiedBlock(b.block(), precommits(b.header(), voters));
      return new LedgerWire.Writer(ClientWire.OK).bytes(s.encode()).toBytes();
    });
  }

  @Test
  void aHostileFirstNodeNeitherDecidesNorBlocksAHeader() throws Exception {
    ChainFixture live = live(1); // the genesis servers removed at 3; block 5 certified by the successors
    ChainFixture other = live(0);
    commit(other, List.of(other.registerPatient(other.actor("mallory"))));
    assertNotEquals(live.ledger.header(5), other.ledger.header(5), "control: another block 5");
    List<Ed25519PublicKey> removed = genesis.stream().map(Actor::publicKey).toList();
    // above the pin: another block 5 precommitted by the removed servers, whose keys leaked
    RequestHandler forging = recertified(node(other), 5, removed);
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(pin(live, 4), forging, node(live), mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(5), c.header(5), "the removed servers' certificate does not count, the next node's does");
    // genesis: a node first in the list serving another chain's genesis of the same name
    ChainFixture elsewhere = ChainFixture.builder().chainName(CHAIN).federationServers(5).build();
    assertNotEquals(live.ledger.header(0).hash(), elsewhere.ledger.header(0).hash(), "control: another genesis");
    RemoteConnection g = connect(pin(live, 4), node(elsewhere), node(live), mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(0), g.header(0), "genesis is the parent block 1 of the pinned chain names");
    assertEquals(0, asked.get(), "final by the certificate and the pin alone: the other nodes were never asked for blocks");
    // control: without the pin genesis has no certificate, and the hostile node and the live one disagree
    RemoteConnection unpinned = connect(Optional.empty(), node(elsewhere), node(live), mute(live, asked),
        mute(live, asked));
    assertThrows(UnconfirmedAnswerException.class, () -> unpinned.header(0));
    // with a second node serving the live genesis, f + 1 agree on it whoever answers first
    RemoteConnection agreed = connect(Optional.empty(), node(elsewhere), node(live), node(live), mute(live, asked));
    asked.set(0);
    assertEquals(live.ledger.header(0), agreed.header(0));
    assertEquals(0, asked.get(), "taken once f + 1 served it alike: the last node was not asked");
    // seven nodes (f + 1 = 3): two serve the live genesis at once, one only when asked again; the
    // header the most nodes served is the one confirmed, not the first node's
    RemoteConnection seven = connect(Optional.empty(), node(elsewhere), node(live), node(live), lagging(node(live)),
        mute(live, asked), mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(0), seven.header(0));
  }

  /** {@code n}, refusing the first block asked of it (it has not caught up yet). */
  private static RequestHandler lagging(RequestHandler n) {
    java.util.concurrent.atomic.AtomicBoolean behind = new java.util.concurrent.atomic.AtomicBoolean(true);
    return (who, req) -> req[0] == ClientWire.BLOCK && behind.getAndSet(false)
        ? CompletableFuture.completedFuture(ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "behind"))
        : n.handle(who, req);
  }

  /** {@code n}, counting in {@code pages} the HEADERS requests asked of it. */
  private static RequestHandler pagesCounted(RequestHandler n, AtomicInteger pages) {
    return (who, req) -> {
      if (req[0] == ClientWire.HEADERS) {
        pages.incrementAndGet();
      }
      return n.handle(who, req);
    };
  }

  @Test
  void aReconnectWithTheHeaderCacheReadsNoHeaders() throws Exception {
    ChainFixture live = live(3); // height 7
    headerCache = dir.resolve("cache");
    AtomicInteger pages = new AtomicInteger();
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection first = connect(pin(live, 7), pagesCounted(node(live), pages), mute(live, asked),
        mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(7), first.header(7));
    assertTrue(pages.get() >= 1, "control: the first connection reads the headers back");
    Path file = dir.resolve("cache").resolve("pin-7-" + live.ledger.header(7).hash().toHex() + ".headers");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    pages.set(0);
    RemoteConnection again = connect(pin(live, 7), pagesCounted(node(live), pages), mute(live, asked),
        mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(1), again.header(1), "final by the hashes the cache holds");
    assertEquals(live.ledger.header(0), again.header(0));
    assertEquals(Optional.of(entryAt(live, 4).id()), again.entry(entryAt(live, 4).id()).map(Entry::id));
    assertEquals(0, pages.get(), "no header was read again");
    assertEquals(0, asked.get());
    headerCache = null;
    RemoteConnection without = connect(pin(live, 7), pagesCounted(node(live), pages), mute(live, asked),
        mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(1), without.header(1));
    assertTrue(pages.get() >= 1, "control: without the cache the headers are read again");
  }

  @Test
  void aHeaderCacheHoldingAnotherHistoryIsReadAgainAndRewritten() throws Exception {
    ChainFixture live = live(0);
    ChainFixture fork = forged();
    headerCache = dir.resolve("cache");
    HeaderCache cache = HeaderCache.open(headerCache, HeaderCache.MAX_FILE_BYTES);
    // the pinned header and its parent are the live chain's, below them the fork's
    try (HeaderCache.Writer w = cache.writer(live.ledger.header(0).chainId(), 4, live.ledger.header(4).hash())) {
      List.of(live.ledger.header(4), live.ledger.header(3), fork.ledger.header(2), fork.ledger.header(1)).forEach(w::add);
      w.commit();
    }
    AtomicInteger pages = new AtomicInteger();
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(pin(live, 4), pagesCounted(node(live), pages), mute(live, asked),
        mute(live, asked), mute(live, asked));
    assertEquals(live.ledger.header(2), c.header(2), "the live block 2, not the one the file names");
    assertTrue(pages.get() >= 1, "the headers were read from the nodes again");
    HeaderCache.ReadBack rewritten = cache.load(live.ledger.header(0).chainId(), 4, live.ledger.header(4).hash())
        .orElseThrow();
    assertEquals(live.ledger.header(2).hash(), Digest.of(rewritten.hashes(), Digest.LENGTH));
    RemoteConnection forkFirst = connect(pin(live, 4), node(fork), pagesCounted(node(live), pages), mute(live, asked),
        mute(live, asked));
    assertThrows(UnconfirmedAnswerException.class, () -> forkFirst.entry(entryAt(fork, 2).id()),
        "the fork's block 2 is not final, whatever the file said");
  }
}
