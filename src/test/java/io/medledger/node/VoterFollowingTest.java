package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.Block;
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
import io.medledger.codec.ByteString;
import io.medledger.consensus.BftProtocol;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote connection follows the on-ledger membership from its configured voters: governance
 * adds four federation servers at height 2 and removes the four configured ones at height 3, so
 * that from height 4 on the configured voters certify nothing. The client still takes blocks
 * final by their certificates, no longer counts the removed voters' precommits, and passes over a
 * node that strips, withholds or forges the block that changed the membership.
 */
@Timeout(120)
class VoterFollowingTest {
  private static final String CHAIN = "voter-following-test";
  @TempDir
  Path dir;
  private final Identity client = Identity.generate(ParticipantKind.AUDIT_SERVER, "auditor", SmallFederation.seeded(3));
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<Ed25519PublicKey, Ed25519PrivateKey> keys = new HashMap<>();
  private int served;
  /** The live chain: block 4 registers Bo. */
  private ChainFixture live;
  private Entry bo;

  @BeforeEach
  void build() {
    live = chain(3, List.of(f -> f.registerPatient(f.actor("bo"))));
    bo = live.ledger.block(4).block().entries().get(0);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** The configured (genesis) federation servers, whose keys the client is given. */
  private static List<Actor> configured(ChainFixture f) {
    return f.federation;
  }

  /** The four servers governance adds at height 2. */
  private List<Actor> successors(ChainFixture f) {
    List<Actor> n = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      n.add(f.actor("successor-" + i));
    }
    return n;
  }

  /** The configured servers' removals, each signed by six of the eight servers listed at height 2. */
  private List<Entry> removals(ChainFixture f) {
    List<Actor> old = configured(f);
    List<Entry> removals = new ArrayList<>();
    for (Actor a : old) {
      List<Actor> signers = new ArrayList<>(successors(f));
      signers.addAll(old.subList(0, 2));
      removals.add(f.sign(new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
          a.publicKey(), Optional.empty(), f.now(), List.of()), signers.toArray(Actor[]::new)));
    }
    return removals;
  }

  /** Appends a block of {@code entries} proposed by the first serving federation server. */
  private static void commit(ChainFixture f, List<Entry> entries) {
    Ledger l = f.ledger;
    VerifiedBlock vb = l.propose(io.medledger.access.ParticipantId.of(l.membership().federationKeys().get(0)), 0,
        ByteString.EMPTY, f.now(), entries).value().block();
    assertTrue(l.append(vb, f.certify(vb.header())).isAccepted(), "the fixture chain takes block " + vb.header().height());
    f.clock.advance(Duration.ofSeconds(1));
  }

  /** Precommits of {@code header} by each of {@code voters}, at its index there. */
  private Certificate precommits(BlockHeader header, List<Ed25519PublicKey> voters) {
    Statement s = new Statement(StatementKind.PRECOMMIT, header.height(), 0, header.hash(), -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < voters.size(); i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, keys.get(voters.get(i)).sign(s.signingBytes(header.chainId()))));
    }
    return new Certificate(List.of(), ByteString.of(new QuorumCertificate(s, sigs).encode()));
  }

  /** Precommits by every voter {@code ledger} had in force at the header's height. */
  private Certificate honest(Ledger ledger, BlockHeader h) {
    return precommits(h, ledger.membershipAfter(h.height() - 1).federationKeys());
  }

  /** Precommits by the four configured voters, which governance removed at height 3. */
  private Certificate removed(BlockHeader h) {
    return precommits(h, configured(live).stream().map(Actor::publicKey).toList());
  }

  /**
   * A node serving {@code ledger}'s blocks after genesis as {@code serve} gives them (null: it
   * refuses the block).
   */
  private RequestHandler node(Ledger ledger, Function<CertifiedBlock, CertifiedBlock> serve) throws Exception {
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
      CertifiedBlock s = serve.apply(b);
      return CompletableFuture.completedFuture(s == null ? refused()
          : new LedgerWire.Writer(ClientWire.OK).bytes(s.encode()).toBytes());
    };
  }

  private static byte[] refused() {
    return ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy");
  }

  /** A node serving {@code ledger} with every block certified by the voters in force at its height. */
  private RequestHandler honestNode(Ledger ledger) throws Exception {
    return node(ledger, b -> new CertifiedBlock(b.block(), honest(ledger, b.header())));
  }

  /** A node that states the chain and its height and refuses the rest; {@code asks} counts the requests for a block or an entry's place. */
  private RequestHandler mute(AtomicInteger asks) throws Exception {
    RequestHandler n = honestNode(live.ledger);
    return (who, req) -> {
      if (req[0] == ClientWire.CHAIN || req[0] == ClientWire.HEIGHT) {
        return n.handle(who, req);
      }
      if (req[0] == ClientWire.BLOCK || req[0] == ClientWire.LOCATE) {
        asks.incrementAndGet();
      }
      return CompletableFuture.completedFuture(refused());
    };
  }

  /** A connection whose configured federation servers are the four genesis ones, at these handlers. */
  private RemoteConnection connect(RequestHandler... handlers) {
    return connect(RemoteConnection.FOLLOW_BLOCK_BY_BLOCK, handlers);
  }

  /** The same, reading every block only up to {@code blockByBlock} blocks ahead. */
  private RemoteConnection connect(int blockByBlock, RequestHandler... handlers) {
    RemoteConnection.Builder b = RemoteConnection.builder(client).timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10))
        .followBlockByBlock(blockByBlock);
    return LoopbackEndpoints.connect(b, configured(live).stream().map(Actor::key).toList(), client.publicKey(), handlers,
        open);
  }

  /** {@code n}, counting the blocks asked of it by height in {@code blocks}. */
  private static RequestHandler counting(RequestHandler n, Map<Long, Integer> blocks) {
    return (who, req) -> {
      if (req[0] == ClientWire.BLOCK) {
        blocks.merge(new LedgerWire.Reader(req, 1).i64(), 1, Integer::sum);
      }
      return n.handle(who, req);
    };
  }

  /** {@code n}, but listing {@code listed} (those in the range asked) as the blocks that changed the membership. */
  private static RequestHandler listing(RequestHandler n, List<Long> listed) {
    return (who, req) -> {
      if (req[0] != ClientWire.MEMBERSHIP_CHANGES) {
        return n.handle(who, req);
      }
      LedgerWire.Reader in = new LedgerWire.Reader(req, 1);
      long from = in.i64();
      long to = in.i64();
      List<Long> l = listed.stream().filter(k -> k >= from && k <= to).toList();
      LedgerWire.Writer out = new LedgerWire.Writer(ClientWire.OK).u16(l.size());
      l.forEach(out::i64);
      return CompletableFuture.completedFuture(out.i64(to).toBytes());
    };
  }

  /**
   * A chain whose block 1 registers Anna, block 2 adds the four successors, block 3 (when
   * {@code upTo} is 3) removes the four configured servers, and the next block holds {@code then}.
   * The same actors and clock give the same blocks, so two such chains share their first blocks.
   */
  private ChainFixture chain(long upTo, List<Function<ChainFixture, Entry>> then) {
    ChainFixture f = ChainFixture.builder().chainName(CHAIN).federationServers(4).build();
    List<Actor> old = configured(f);
    old.forEach(a -> keys.put(a.publicKey(), a.key()));
    successors(f).forEach(a -> keys.put(a.publicKey(), a.key()));
    commit(f, List.of(f.registerPatient(f.actor("anna"))));
    List<Entry> adds = new ArrayList<>();
    for (Actor a : successors(f)) {
      adds.add(f.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
          a.publicKey(), Optional.of(f.hospitalA.id()), f.now(), List.of()), old.get(0), old.get(1), old.get(2), a));
    }
    commit(f, adds);
    if (upTo >= 3) {
      commit(f, removals(f));
    }
    commit(f, then.stream().map(x -> x.apply(f)).toList());
    return f;
  }

  @Test
  void governanceReplacingEveryConfiguredVoterStillLeavesBlocksFinalByTheirCertificates() throws Exception {
    AtomicInteger othersAsked = new AtomicInteger();
    RemoteConnection c = connect(honestNode(live.ledger), mute(othersAsked), mute(othersAsked), mute(othersAsked));
    assertEquals(Optional.of(bo.id()), c.entry(bo.id()).map(Entry::id));
    assertEquals(live.ledger.block(4).header(), c.header(4));
    assertEquals(0, othersAsked.get(), "final by certificate: the others were never asked for a block or a place");
  }

  @Test
  void theRemovedVotersPrecommitsNoLongerCount() throws Exception {
    ChainFixture mallory = chain(3, List.of(f -> f.registerPatient(f.actor("mallory"))));
    Entry forged = mallory.ledger.block(4).block().entries().get(0);
    assertEquals(live.ledger.block(3).header(), mallory.ledger.block(3).header(), "control: the fork shares blocks 1 to 3");
    // the removed voters precommit the fork's block 4; its node serves blocks 1 to 3 as certified
    RequestHandler hostile = node(mallory.ledger, b -> new CertifiedBlock(b.block(), b.header().height() < 4
        ? honest(mallory.ledger, b.header()) : removed(b.header())));
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(hostile, honestNode(live.ledger), mute(asked), mute(asked));
    assertThrows(UnconfirmedAnswerException.class, () -> c.entry(forged.id()),
        "the removed voters' certificate does not make the forged entry final");
    assertEquals(Optional.of(bo.id()), c.entry(bo.id()).map(Entry::id));
  }

  @Test
  void aNodeStrippingWithholdingOrForgingTheMembershipChangeIsPassedOver() throws Exception {
    ChainFixture mallory = chain(3, List.of(f -> f.registerPatient(f.actor("mallory"))));
    ChainFixture early = chain(2, List.of(f -> f.registerPatient(f.actor("eve"))));
    commit(early, List.of(early.registerPatient(early.actor("mallory"))));
    Block real3 = live.ledger.block(3).block();
    List<Entry> stand = new ArrayList<>();
    for (int i = 0; i < real3.entries().size(); i++) {
      stand.add(live.registerPatient(live.actor("stand-in-" + i)));
    }
    Block stripped = new Block(real3.header(), stand);
    Function<CertifiedBlock, CertifiedBlock> removedAt4 = b -> new CertifiedBlock(b.block(), removed(b.header()));
    List<RequestHandler> hostile = List.of(
        // block 3 without its removals, under the certified header
        node(mallory.ledger, b -> b.header().height() == 3 ? new CertifiedBlock(stripped, honest(live.ledger, b.header()))
            : b.header().height() < 4 ? new CertifiedBlock(b.block(), honest(live.ledger, b.header())) : removedAt4.apply(b)),
        // block 3 withheld
        node(mallory.ledger, b -> b.header().height() == 3 ? null
            : b.header().height() < 4 ? new CertifiedBlock(b.block(), honest(live.ledger, b.header())) : removedAt4.apply(b)),
        // another block 3, without the removals, precommitted by the configured voters alone
        node(early.ledger, b -> b.header().height() < 3 ? new CertifiedBlock(b.block(), honest(live.ledger, b.header()))
            : removedAt4.apply(b)));
    assertNotEquals(live.ledger.block(3).header(), early.ledger.block(3).header(), "control: the early fork differs at 3");
    List<Ledger> served = List.of(mallory.ledger, mallory.ledger, early.ledger);
    for (int i = 0; i < hostile.size(); i++) {
      AtomicInteger asked = new AtomicInteger();
      RemoteConnection c = connect(hostile.get(i), honestNode(live.ledger), mute(asked), mute(asked));
      Entry forged = served.get(i).block(4).block().entries().get(0);
      assertThrows(UnconfirmedAnswerException.class, () -> c.entry(forged.id()),
          "a certificate of removed voters makes nothing final");
      asked.set(0);
      assertEquals(Optional.of(bo.id()), c.entry(bo.id()).map(Entry::id));
      assertEquals(0, asked.get(), "the honest node's block was final by its certificate");
    }
  }

  @Test
  void farBehindTheClientReadsOnlyTheBlocksThatChangedTheMembership() throws Exception {
    Map<Long, Integer> blocks = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicInteger othersAsked = new AtomicInteger();
    RemoteConnection c = connect(0, counting(honestNode(live.ledger), blocks), counting(honestNode(live.ledger), blocks),
        mute(othersAsked), mute(othersAsked));
    assertEquals(Optional.of(bo.id()), c.entry(bo.id()).map(Entry::id));
    assertEquals(live.ledger.block(4).header(), c.header(4));
    assertEquals(null, blocks.get(1L), "block 1 changed nothing and was not read: " + blocks);
    assertEquals(1, blocks.get(2L), "the additions were read once: " + blocks);
    assertEquals(1, blocks.get(3L), "the removals were read once: " + blocks);
    assertEquals(0, othersAsked.get(), "final by certificate");
  }

  @Test
  void aNodeLeavingTheChangesOutOfItsListIsOutvoted() throws Exception {
    ChainFixture mallory = chain(3, List.of(f -> f.registerPatient(f.actor("mallory"))));
    Entry forged = mallory.ledger.block(4).block().entries().get(0);
    // it says the membership never changed, so the removed voters would still certify its block 4
    RequestHandler hostile = listing(node(mallory.ledger, b -> new CertifiedBlock(b.block(), b.header().height() < 4
        ? honest(mallory.ledger, b.header()) : removed(b.header()))), List.of());
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(0, hostile, honestNode(live.ledger), mute(asked), mute(asked));
    assertThrows(UnconfirmedAnswerException.class, () -> c.entry(forged.id()),
        "the other node lists the changes, and the removed voters' certificate does not count");
    assertEquals(Optional.of(bo.id()), c.entry(bo.id()).map(Entry::id));
  }

  @Test
  void aNodeListingBlocksThatChangedNothingIsPassedOverAfterOneRead() throws Exception {
    for (int i = 0; i < 20; i++) {
      commit(live, List.of(live.registerPatient(live.actor("later-" + i))));
    }
    long tip = live.ledger.height();
    List<Long> every = java.util.stream.LongStream.rangeClosed(1, tip).boxed().toList();
    Map<Long, Integer> blocks = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(0, counting(listing(honestNode(live.ledger), every), blocks),
        counting(honestNode(live.ledger), blocks), counting(honestNode(live.ledger), blocks), mute(asked));
    assertEquals(live.ledger.block(tip).header(), c.header(tip));
    int read = blocks.values().stream().mapToInt(Integer::intValue).sum();
    assertTrue(read <= 4, "blocks 1 (to catch the lie), 2, 3 and the tip, not every block the liar listed: " + blocks);
    assertEquals(0, asked.get(), "final by certificate");
  }
}
