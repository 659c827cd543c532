package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.Ledger;
import io.medledger.chain.Limits;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.codec.ByteString;
import io.medledger.consensus.BftProtocol;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.Federation;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote connection takes an entry (read or submitted) and a header as final by the block's
 * certificate where it can: precommits of the header by at least f + 1 of the configured voters,
 * and by more than two thirds of them. Then no other node need serve the header or locate the
 * entry. A certificate short of that, forged, or of another header makes nothing final on its
 * own: the other nodes must then serve the header, as they do for a chain whose voters the client
 * does not know.
 */
@Timeout(120)
class CertifiedFinalityTest {
  private static final String CHAIN = "certified-finality-test";
  @TempDir
  Path dir;
  private Federation f;
  private final Identity annaKey = Identity.generate(ParticipantKind.PATIENT, "Anna", SmallFederation.seeded(5));
  private final Identity client = Identity.generate(ParticipantKind.AUDIT_SERVER, "auditor", SmallFederation.seeded(3));
  private PatientClient anna;
  /** The four configured voters' keys. */
  private final List<Ed25519PrivateKey> voters = List.of(Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate(),
      Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate());
  private final List<AutoCloseable> open = new ArrayList<>();
  private int served;

  @BeforeEach
  void start() {
    f = SmallFederation.builder(CHAIN, 19).directSequencer().build();
    anna = f.registerPatient(annaKey);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    f.close();
  }

  /** A precommit certificate of {@code header} by {@code signers} at the given voter indices. */
  private static Certificate precommits(BlockHeader header, List<Ed25519PrivateKey> signers) {
    return precommits(header, header.hash(), signers);
  }

  /** A precommit certificate of block {@code hash} at {@code header}'s height and chain. */
  private static Certificate precommits(BlockHeader header, Digest hash, List<Ed25519PrivateKey> signers) {
    Statement s = new Statement(StatementKind.PRECOMMIT, header.height(), 0, hash, -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < signers.size(); i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, signers.get(i).sign(s.signingBytes(header.chainId()))));
    }
    return new Certificate(List.of(), ByteString.of(new QuorumCertificate(s, sigs).encode()));
  }

  /**
   * A node serving {@code ledger}: its blocks after genesis with the
   * certificate {@code certify} gives their header, submissions sequenced by the federation.
   */
  private RequestHandler node(Ledger ledger, Function<BlockHeader, Certificate> certify) throws Exception {
    LedgerRequests r = new LedgerRequests(ledger, CHAIN, BftProtocol.NAME, client.publicKey()::equals,
        KeyCardStore.open(Files.createDirectories(dir.resolve("node" + served++))), null, 1 << 22);
    return (who, req) -> CompletableFuture.completedFuture(answer(r, ledger, certify, who, req));
  }

  private byte[] answer(LedgerRequests r, Ledger ledger, Function<BlockHeader, Certificate> certify,
      io.medledger.crypto.Ed25519PublicKey who, byte[] req) {
    if (req[0] == ClientWire.SUBMIT) {
      Entry e = Entry.decode(Arrays.copyOfRange(req, 1, req.length));
      assertTrue(f.submit(List.of(e)).rejected().isEmpty(), "the federation took it");
      return new LedgerWire.Writer(ClientWire.OK).i64(ledger.height()).digest(e.id()).toBytes();
    }
    byte[] a = r.handle(who, req);
    if (req[0] != ClientWire.BLOCK) {
      return a;
    }
    CertifiedBlock b = CertifiedBlock.decode(new LedgerWire.Reader(a, 1).bytes(Limits.MAX_BLOCK_BYTES));
    if (b.header().height() == 0) {
      return a;
    }
    return new LedgerWire.Writer(ClientWire.OK).bytes(new CertifiedBlock(b.block(), certify.apply(b.header())).encode())
        .toBytes();
  }

  /**
   * A node that states the chain and its height, and refuses every other request; {@code asks}
   * counts the requests for a block or an entry's place.
   */
  private RequestHandler mute(Ledger ledger, AtomicInteger asks) throws Exception {
    RequestHandler n = node(ledger, h -> Certificate.EMPTY);
    return (who, req) -> {
      if (req[0] == ClientWire.CHAIN || req[0] == ClientWire.HEIGHT) {
        return n.handle(who, req);
      }
      if (req[0] == ClientWire.BLOCK || req[0] == ClientWire.LOCATE) {
        asks.incrementAndGet();
      }
      return CompletableFuture.completedFuture(
          ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy"));
    };
  }

  /** A connection to the four voters' nodes, as federation servers. */
  private RemoteConnection connect(RequestHandler... handlers) {
    RemoteConnection.Builder b = RemoteConnection.builder(client)
        .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10));
    for (int i = 0; i < handlers.length; i++) {
      NodeEndpoint e = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(voters.get(i)),
          client.publicKey()::equals, handlers[i], TransportLimits.defaults());
      open.add(e);
      b.node(voters.get(i).publicKey(), e.boundAddress(), ServerRole.FEDERATION);
    }
    RemoteConnection c = b.build();
    open.add(c);
    return c;
  }

  @Test
  void anEntryAndAHeaderAreFinalByACertificateOfAQuorumOfTheConfiguredVoters() throws Exception {
    MedicalRecord record = anna.upload(SmallFederation.observation("1")).record();
    Ledger live = f.federationNodes().get(0).ledger();
    AtomicInteger othersAsked = new AtomicInteger();
    // three of four voters signed: more than two thirds; the other nodes serve no block and locate nothing
    RemoteConnection c = connect(node(live, h -> precommits(h, voters.subList(0, 3))),
        mute(live, othersAsked), mute(live, othersAsked), mute(live, othersAsked));
    assertEquals(Optional.of(record.id()), c.entry(record.id()).map(Entry::id));
    long at = live.locate(record.id()).orElseThrow().height();
    assertEquals(live.block(at).header(), c.header(at));
    assertEquals(0, othersAsked.get(), "the others were never asked for a block or an entry's place");
  }

  @Test
  void aSubmissionIsFinalByItsBlocksCertificate() throws Exception {
    Ledger live = f.federationNodes().get(0).ledger();
    AtomicInteger othersAsked = new AtomicInteger();
    RemoteConnection c = connect(node(live, h -> precommits(h, voters.subList(1, 4))),
        mute(live, othersAsked), mute(live, othersAsked), mute(live, othersAsked));
    Entry revocation = revocationOfANewGrant();
    EntryLocation l = c.submit(revocation).get();
    assertEquals(live.locate(revocation.id()).orElseThrow(), l);
    assertEquals(0, othersAsked.get(), "the others were never asked for a block or an entry's place");
  }

  @Test
  void aCertificateShortOfAQuorumOfTheConfiguredVotersMakesNothingFinalOnItsOwn() throws Exception {
    MedicalRecord record = anna.upload(SmallFederation.observation("1")).record();
    Ledger live = f.federationNodes().get(0).ledger();
    long at = live.locate(record.id()).orElseThrow().height();
    Ed25519PrivateKey stranger = Ed25519PrivateKey.generate();
    List<Function<BlockHeader, Certificate>> short_ = List.of(
        h -> precommits(h, voters.subList(0, 2)), // f + 1, but not more than two thirds
        h -> precommits(h, List.of(voters.get(0), voters.get(0), voters.get(0))), // one voter thrice
        h -> precommits(h, List.of(voters.get(0), stranger, Ed25519PrivateKey.generate())), // keys not configured
        h -> precommits(h, Digest.of(new byte[32]), voters), // another block's
        h -> new Certificate(List.of(), ByteString.of(new byte[] {1, 2, 3}))); // no precommit certificate
    for (Function<BlockHeader, Certificate> certify : short_) {
      AtomicInteger asked = new AtomicInteger();
      RemoteConnection c = connect(node(live, certify), mute(live, asked), mute(live, asked),
          mute(live, asked));
      // the entry's node fails as its header is not confirmed, the others as they refuse
      assertThrows(RuntimeException.class, () -> c.entry(record.id()));
      UnconfirmedAnswerException u = assertThrows(UnconfirmedAnswerException.class, () -> c.header(at));
      assertTrue(u.getMessage().contains("no other node confirmed"), u.getMessage());
      assertTrue(asked.get() > 0, "the others were asked for the header");
    }
  }

  @Test
  void aForkedEntryWithAForgedCertificateIsNotFinal() throws Exception {
    Federation fork = SmallFederation.builder(CHAIN, 23).directSequencer().build();
    open.add(fork);
    MedicalRecord forked = fork.registerPatient("Cy").upload(SmallFederation.observation("1")).record();
    MedicalRecord here = anna.upload(SmallFederation.observation("2")).record();
    Ledger live = f.federationNodes().get(0).ledger();
    Ledger other = fork.federationNodes().get(0).ledger();
    byte[] garbage = new byte[64];
    Function<BlockHeader, Certificate> forged = h -> {
      Statement s = new Statement(StatementKind.PRECOMMIT, h.height(), 0, h.hash(), -1);
      List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sigs.add(new QuorumCertificate.VoterSignature(i, garbage));
      }
      return new Certificate(List.of(), ByteString.of(new QuorumCertificate(s, sigs).encode()));
    };
    // the hostile voter's fork block comes with forged precommits of all four, or with its own
    // alone; the honest nodes certify the live chain
    for (Function<BlockHeader, Certificate> certify : List.<Function<BlockHeader, Certificate>>of(forged,
        h -> precommits(h, List.of(voters.get(0))))) {
      Function<BlockHeader, Certificate> honest = h -> precommits(h, voters.subList(1, 4));
      RemoteConnection c = connect(node(other, certify), node(live, honest),
          node(live, honest), node(live, honest));
      assertEquals(Optional.empty(), c.entry(forked.id()), "the forked entry is not final here");
      assertEquals(Optional.of(here.id()), c.entry(here.id()).map(Entry::id));
    }
    // the honest precommits of the live block do not certify the fork's block at that height
    long h = other.locate(forked.id()).orElseThrow().height();
    assertTrue(h <= live.height(), "the live chain has a block at the fork's height");
    BlockHeader liveHeader = live.block(h).header();
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(node(other, x -> precommits(liveHeader, voters.subList(0, 3))),
        mute(live, asked), mute(live, asked), mute(live, asked));
    assertThrows(RuntimeException.class, () -> c.entry(forked.id()));
  }

  @Test
  void theSubmitFutureWaitsForTheOtherNodesWhenTheCertificateIsShort() throws Exception {
    Ledger live = f.federationNodes().get(0).ledger();
    AtomicInteger asked = new AtomicInteger();
    RemoteConnection c = connect(node(live, h -> precommits(h, voters.subList(0, 2))),
        mute(live, asked), mute(live, asked), mute(live, asked));
    Entry revocation = revocationOfANewGrant();
    ExecutionException e = assertThrows(ExecutionException.class, () -> c.submit(revocation).get());
    assertTrue(e.getCause() instanceof UnconfirmedAnswerException, String.valueOf(e.getCause()));
  }

  /** Anna's revocation, signed and not submitted, of a treatment grant she has just made to a new clinician. */
  private Entry revocationOfANewGrant() {
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    Digest grant = anna.grant(GrantRequest.treatment(lee.id())).id();
    return Entry.sign(new AccessRevocation(anna.id(), grant, f.clock().millis(), List.of()),
        f.federationNodes().get(0).ledger().parameters().chainId(), annaKey.secretSigningKey());
  }
}
