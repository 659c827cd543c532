package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Participant;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.RecordQuery;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.AuditorClient;
import io.medledger.client.ChainReport;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.consensus.RotatingAuditProtocol;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.federation.Federation;
import io.medledger.federation.Removals;
import io.medledger.internal.PageWalk;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.storage.InMemoryBlockStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node answering a patient's history chooses its height, and an old history is genuine: its
 * header is confirmed by a second node, yet it hides the access events since. A remote connection
 * takes a history only at or above the highest height f + 1 ledger nodes report (f the faulty nodes
 * the configured ones tolerate; two at least), less a small lag; f nodes reporting a huge height do
 * not raise that floor. The point reads are held to the same
 * floor, and those that gate what a client does (grant status, erasure, participant status) need
 * f + 1 nodes at or above it to answer alike (two, with three or four nodes), an entry or key card is
 * taken only from a node that proves it, and its absence only as f + 1 say so.
 */
@Timeout(120)
class FreshHistoryTest {
  @TempDir
  Path dir;
  private Federation f;
  private PatientClient anna;
  private final Identity auditor = Identity.generate(ParticipantKind.AUDIT_SERVER, "auditor", SmallFederation.seeded(3));
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void start() {
    f = SmallFederation.builder("fresh-history-test", 11).directSequencer().build();
    anna = f.registerPatient("Anna");
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    f.close();
  }

  /** A node on loopback and its key. */
  private record Served(NodeEndpoint endpoint, Ed25519PublicKey key) {}

  /** A node serving {@code ledger}, its operator key the auditor's. */
  private Served serve(Ledger ledger, String name) throws Exception {
    return serve(requests(ledger, name)::handle);
  }

  private LedgerRequests requests(Ledger ledger, String name) throws Exception {
    return new LedgerRequests(ledger, "fresh-history-test", RotatingAuditProtocol.NAME, auditor.publicKey()::equals,
        KeyCardStore.open(Files.createDirectories(dir.resolve(name))), null, 1 << 20);
  }

  /** A node serving {@code ledger} that answers every request of type {@code type} with {@code answer}. */
  private Served serve(Ledger ledger, String name, byte type, byte[] answer) throws Exception {
    LedgerRequests requests = requests(ledger, name);
    return serve((who, req) -> req[0] == type ? answer : requests.handle(who, req));
  }

  /** A node serving {@code ledger} that reports {@code height} as its own. */
  private Served lying(Ledger ledger, long height, String name) throws Exception {
    return serve(ledger, name, ClientWire.HEIGHT, new LedgerWire.Writer(ClientWire.OK).i64(height).toBytes());
  }

  private Served serve(BiFunction<Ed25519PublicKey, byte[], byte[]> h) {
    Ed25519PrivateKey key = Ed25519PrivateKey.generate();
    NodeEndpoint e = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(key),
        auditor.publicKey()::equals, (who, req) -> CompletableFuture.completedFuture(h.apply(who, req)),
        TransportLimits.defaults());
    open.add(e);
    return new Served(e, key.publicKey());
  }

  /** A node that reports {@code height} and refuses every other request. */
  private Served reporting(long height) {
    return serve((who, req) -> req[0] == ClientWire.HEIGHT
        ? new LedgerWire.Writer(ClientWire.OK).i64(height).toBytes()
        : ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy"));
  }

  /** A node that lags: a ledger of this chain's blocks up to the current height. */
  private Ledger prefix() {
    return prefix(f);
  }

  private Ledger prefix(Federation of) {
    Ledger live = of.federationNodes().get(0).ledger();
    InMemoryBlockStore store = new InMemoryBlockStore();
    for (long h = 0; h <= live.height(); h++) {
      store.append(live.block(h).encode());
    }
    Ledger l = Ledger.builder(of.parameters()).store(store).clock(of.clock()).certificatePolicy(of.certificatePolicy())
        .replay(Ledger.ReplayMode.FULL).open();
    open.add(l);
    return l;
  }

  private RemoteConnection connect(Served... nodes) {
    return connect(RemoteConnection.DEFAULT_HISTORY_LAG, nodes);
  }

  private RemoteConnection connect(int lag, Served... nodes) {
    return connect(RemoteConnection.builder(auditor).historyLag(lag), nodes);
  }

  private RemoteConnection connect(RemoteConnection.Builder b, Served... nodes) {
    b.timeouts(Duration.ofSeconds(2), Duration.ofSeconds(4));
    for (Served n : nodes) {
      b.node(n.key(), n.endpoint().boundAddress(), ServerRole.FEDERATION);
    }
    RemoteConnection c = b.build();
    open.add(c);
    return c;
  }

  private static List<AccessEvent> events(PatientHistoryProof p, RemoteConnection c) {
    List<Entry> v = p.verify(c.header(p.height())).value();
    return v.stream().filter(AccessEvent.class::isInstance).map(AccessEvent.class::cast).toList();
  }

  @Test
  void aGenuineButStaleHistoryIsPassedOverOrRefused() throws Exception {
    MedicalRecord r = anna.upload(SmallFederation.observation("1")).record();
    anna.read(r.id());
    Ledger stale = prefix();
    for (int i = 0; i < 3; i++) {
      anna.read(r.id()); // recent access events the stale node does not know of
    }
    Ledger live = f.federationNodes().get(0).ledger();
    assertTrue(live.height() > stale.height() + RemoteConnection.DEFAULT_HISTORY_LAG, "the stale node lags");
    Served old = serve(stale, "stale");
    RemoteConnection c = connect(old, serve(live, "a"), serve(live, "b"));
    PatientHistoryProof p = c.patientHistory(anna.id());
    assertTrue(p.height() >= live.height() - RemoteConnection.DEFAULT_HISTORY_LAG, "the history at " + p.height());
    assertEquals(4, events(p, c).size(), "the recent access events are in the history the client took");
    // the stale node's index is passed over as its history is
    assertEquals(4, AuditorClient.open(c, auditor).accessTrail(anna.id()).size());
    // a node that reports the live height but answers from its stale ledger: its history is passed
    // over by its height, its index pages (the trail asks for proofs) by the header they are proved against
    RemoteConnection lied = connect(lying(stale, live.height(), "liar"), serve(live, "c"), serve(live, "d"));
    assertEquals(4, AuditorClient.open(lied, auditor).accessTrail(anna.id()).size());
    // the fresh nodes do not serve the history: refused, naming the heights
    RemoteConnection behind = connect(old, serve(stale, "e"), reporting(live.height()), reporting(live.height()));
    UnconfirmedAnswerException u = assertThrows(UnconfirmedAnswerException.class, () -> behind.patientHistory(anna.id()));
    assertTrue(u.getMessage().contains("below height " + live.height()), u.getMessage());
  }

  @Test
  void oneNodeClaimingAHugeHeightDoesNotBreakReadsAndALagOfABlockPasses() throws Exception {
    MedicalRecord r = anna.upload(SmallFederation.observation("1")).record();
    anna.read(r.id());
    Ledger oneBehind = prefix();
    anna.read(r.id());
    Ledger live = f.federationNodes().get(0).ledger();
    assertEquals(oneBehind.height() + 1, live.height(), "one block behind");
    Served liar = reporting(Long.MAX_VALUE);
    Served behind = serve(oneBehind, "behind");
    Served current = serve(live, "live");
    RemoteConnection c = connect(liar, behind, current);
    PatientHistoryProof p = c.patientHistory(anna.id());
    assertEquals(oneBehind.height(), p.height(), "the node a block behind is asked first and its history taken");
    assertEquals(1, events(p, c).size());
    assertEquals(1, AuditorClient.open(c, auditor).accessTrail(anna.id()).size(), "its index and history agree");
    // the index from a node a block ahead of the history: its event after the history's height is left out
    Served noHistory = serve(live, "ahead", ClientWire.PATIENT_HISTORY,
        ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy"));
    RemoteConnection split = connect(noHistory, behind, current);
    assertEquals(oneBehind.height(), split.patientHistory(anna.id()).height(), "the history from the node behind");
    assertEquals(1, AuditorClient.open(split, auditor).accessTrail(anna.id()).size(), "the index's newer event left out");
    // with no lag allowed, the floor is the live height (the liar's alone does not count)
    RemoteConnection strict = connect(0, liar, behind, current);
    assertEquals(live.height(), strict.patientHistory(anna.id()).height());
    assertThrows(IllegalArgumentException.class, () -> RemoteConnection.builder(auditor).historyLag(-1));
  }

  @Test
  void theHeightIsTheOneTwoNodesReportAndTheChainIsVerifiedUpToIt() throws Exception {
    // a chain certified by its consensus protocol, whose certificates a remote auditor checks
    Federation g = SmallFederation.builder("fresh-history-test", 12).build();
    open.add(g);
    PatientClient bea = g.registerPatient("Bea");
    MedicalRecord r = bea.upload(SmallFederation.observation("1")).record();
    Ledger stale = prefix(g);
    for (int i = 0; i < 3; i++) {
      bea.read(r.id()); // blocks the stale node does not know of
    }
    Ledger live = g.federationNodes().get(0).ledger();
    assertTrue(live.height() > stale.height() + RemoteConnection.DEFAULT_HISTORY_LAG, "the stale node lags");
    Served old = serve(stale, "stale");
    RemoteConnection c = connect(old, serve(live, "a"), serve(live, "b"));
    assertEquals(live.height(), c.height(), "the stale node first does not lower the height");
    ChainReport report = AuditorClient.open(c, auditor).verifyChain();
    assertTrue(report.valid(), report.problem().orElse(""));
    assertEquals(live.height() + 1, report.blocks(), "the replay does not stop at the stale node's tip");
    assertEquals(live.tip().map(BlockHeader::hash), report.tipHash());
    assertEquals(List.of(ParticipantId.of(old.key()) + " (tip differs)"), report.disagreeingNodes());
    // one node claiming a huge height does not raise it; a single node's own is taken
    assertEquals(live.height(), connect(reporting(Long.MAX_VALUE), serve(live, "c"), old).height());
    assertEquals(stale.height(), connect(old).height());
  }

  @Test
  void aSingleHistoryPageOrIndexPageBelowTheFloorIsPassedOverOrRefused() throws Exception {
    MedicalRecord r = anna.upload(SmallFederation.observation("1")).record();
    anna.read(r.id());
    Ledger stale = prefix();
    MedicalRecord later = anna.upload(SmallFederation.observation("2")).record();
    for (int i = 0; i < 3; i++) {
      anna.read(later.id());
    }
    Ledger live = f.federationNodes().get(0).ledger();
    assertTrue(live.height() > stale.height() + RemoteConnection.DEFAULT_HISTORY_LAG, "the stale node lags");
    Served old = serve(stale, "stale");
    RemoteConnection c = connect(old, serve(live, "a"), serve(live, "b"));
    PatientHistoryPage page = c.patientHistory(anna.id(), PageRequest.first(PageWalk.HISTORY_PAGE));
    assertEquals(live.height(), page.height(), "the page is the live node's");
    assertTrue(page.isLast());
    assertEquals(4, c.accessEventsByPatient(anna.id(), PageRequest.first(100)).items().size());
    assertEquals(List.of(r.id(), later.id()), c.records(RecordQuery.all(), PageRequest.first(100)).items().stream()
        .map(h -> h.entry().id()).filter(List.of(r.id(), later.id())::contains).toList());
    // a node reporting the live height but answering from its stale ledger: its history page is
    // passed over by the page's height, its index page when proved against its stale tip
    RemoteConnection lied = connect(lying(stale, live.height(), "liar"), serve(live, "c"), serve(live, "d"));
    assertEquals(live.height(), lied.patientHistory(anna.id(), PageRequest.first(PageWalk.HISTORY_PAGE)).height());
    Page<AccessEvent> proved = lied.accessEventsByPatient(anna.id(), PageRequest.first(100).proving());
    assertEquals(4, proved.items().size());
    assertEquals(live.height(), proved.provedAgainst().orElseThrow().height());
    assertEquals(1, lied.accessEventsByPatient(anna.id(), PageRequest.first(100)).items().size(),
        "an unproved index page is the reporting node's word (a documented limit)");
    // the fresh nodes do not answer: refused, naming the heights
    RemoteConnection behind = connect(old, serve(stale, "e"), reporting(live.height()), reporting(live.height()));
    UnconfirmedAnswerException u = assertThrows(UnconfirmedAnswerException.class,
        () -> behind.patientHistory(anna.id(), PageRequest.first(PageWalk.HISTORY_PAGE)));
    assertTrue(u.getMessage().contains("below height " + live.height()), u.getMessage());
    assertThrows(UnconfirmedAnswerException.class, () -> behind.accessEventsByPatient(anna.id(), PageRequest.first(100)));
    assertThrows(UnconfirmedAnswerException.class, () -> behind.grantsByPatient(anna.id(), PageRequest.first(100)));
  }

  /** Lee, granted treatment access to Anna's record, and a ledger that ends there. */
  private record Granted(ClinicianClient lee, MedicalRecord record, AccessGrant grant, Ledger stale) {}

  private Granted granted() {
    ClinicianClient lee = f.registerClinician("Lee", "Hospital A");
    MedicalRecord r = anna.upload(SmallFederation.observation("1")).record();
    AccessGrant g = anna.grant(GrantRequest.treatment(lee.id()));
    return new Granted(lee, r, g, prefix());
  }

  /** Anna revokes the grant and erases the record, and Lee's hospital removes him. */
  private void revokeEraseAndRemove(Granted x) {
    anna.revoke(x.grant().id());
    anna.erase(x.record().id());
    Removals.affiliate(f, x.lee().id(), "Hospital A");
  }

  @Test
  void aStaleOrLyingFirstNodeCannotSayARevokedGrantIsActiveNorAnErasedRecordNorARemovedClinician() throws Exception {
    Granted x = granted();
    revokeEraseAndRemove(x);
    MedicalRecord later = anna.upload(SmallFederation.observation("2")).record();
    Ledger live = f.federationNodes().get(0).ledger();
    assertTrue(live.height() > x.stale().height() + RemoteConnection.DEFAULT_HISTORY_LAG, "the stale node lags");
    long now = f.clock().millis();
    Served old = serve(x.stale(), "stale");
    RemoteConnection c = connect(old, serve(live, "a"), serve(live, "b"));
    assertFalse(c.isGrantActive(x.grant().id(), now), "the revocation the stale node does not know of");
    assertTrue(c.isGrantRevoked(x.grant().id()));
    assertTrue(c.isErased(x.record().id()));
    assertEquals(Optional.of(false), c.participant(x.lee().id()).map(Participant::active), "removed by his hospital");
    assertEquals(Optional.of(later.id()), c.entry(later.id()).map(Entry::id), "an entry the stale node lacks");
    // a node reporting the live height but answering from its stale ledger: two live nodes outvote it
    RemoteConnection lied = connect(lying(x.stale(), live.height(), "liar"), serve(live, "c"), serve(live, "d"));
    assertFalse(lied.isGrantActive(x.grant().id(), now));
    assertTrue(lied.isGrantRevoked(x.grant().id()));
    assertTrue(lied.isErased(x.record().id()));
    assertEquals(Optional.of(false), lied.participant(x.lee().id()).map(Participant::active));
    // beside a single live node, neither word is taken
    RemoteConnection split = connect(lying(x.stale(), live.height(), "liar2"), serve(live, "e"));
    UnconfirmedAnswerException u = assertThrows(UnconfirmedAnswerException.class, () -> split.isGrantActive(x.grant().id(), now));
    assertTrue(u.getMessage().contains("answered true") && u.getMessage().contains("answered false"), u.getMessage());
    assertThrows(UnconfirmedAnswerException.class, () -> split.isGrantRevoked(x.grant().id()));
    assertThrows(UnconfirmedAnswerException.class, () -> split.isErased(x.record().id()));
    assertThrows(UnconfirmedAnswerException.class, () -> split.participant(x.lee().id()));
    // the fresh nodes do not answer: refused rather than the stale nodes' word
    RemoteConnection behind = connect(old, serve(x.stale(), "f"), reporting(live.height()), reporting(live.height()));
    assertThrows(UnconfirmedAnswerException.class, () -> behind.isGrantActive(x.grant().id(), now));
    assertThrows(UnconfirmedAnswerException.class, () -> behind.isErased(x.record().id()));
    assertThrows(UnconfirmedAnswerException.class, () -> behind.participant(x.lee().id()));
    assertThrows(UnconfirmedAnswerException.class, () -> behind.entry(later.id()));
    // a single ledger node is its own word
    assertTrue(connect(serve(live, "g")).isGrantRevoked(x.grant().id()));
  }

  @Test
  void aKeyCardIsNotTakenFromANodeBelowTheFloor() throws Exception {
    MedicalRecord r = anna.upload(SmallFederation.observation("1")).record();
    Ledger stale = prefix();
    PatientClient bo = f.registerPatient("Bo");
    for (int i = 0; i < 3; i++) {
      anna.read(r.id());
    }
    Ledger live = f.federationNodes().get(0).ledger();
    assertTrue(live.height() > stale.height() + RemoteConnection.DEFAULT_HISTORY_LAG, "the stale node lags");
    Served a = serve(live, "a");
    Served b = serve(live, "b");
    connect(a, b).publish(bo.identity().card()); // the stale node, which does not know Bo, holds no card
    Served old = serve(stale, "stale");
    assertEquals(Optional.empty(), connect(old).keyCard(bo.id()), "the stale node alone has none");
    assertEquals(Optional.of(bo.identity().card()), connect(old, a, b).keyCard(bo.id()));
    RemoteConnection behind = connect(old, reporting(live.height()), reporting(live.height()));
    assertThrows(UnconfirmedAnswerException.class, () -> behind.keyCard(bo.id()));
  }

  @Test
  void twoColludingNodesOfSevenCannotDecideAPointReadNorMoveTheHeight() throws Exception {
    Granted x = granted();
    Ledger live = f.federationNodes().get(0).ledger();
    List<Served> honest = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      honest.add(serve(live, "live" + i));
    }
    connect(honest.toArray(Served[]::new)).publish(x.lee().identity().card()); // before he is removed
    revokeEraseAndRemove(x);
    MedicalRecord later = anna.upload(SmallFederation.observation("2")).record();
    assertTrue(live.height() > x.stale().height() + RemoteConnection.DEFAULT_HISTORY_LAG, "the stale nodes lag");
    long now = f.clock().millis();
    // seven ledger nodes tolerate two faulty ones: three must confirm
    assertEquals(3, RemoteConnection.confirmations(7));
    Served liar1 = lying(x.stale(), live.height(), "liar1");
    Served liar2 = lying(x.stale(), live.height(), "liar2");
    connect(liar1, liar2).publish(x.lee().identity().card());
    List<Served> all = new ArrayList<>(List.of(liar1, liar2));
    all.addAll(honest);
    RemoteConnection c = connect(all.toArray(Served[]::new));
    assertFalse(c.isGrantActive(x.grant().id(), now), "the two stale nodes say the revoked grant is active");
    assertTrue(c.isGrantRevoked(x.grant().id()));
    assertTrue(c.isErased(x.record().id()));
    assertEquals(Optional.of(false), c.participant(x.lee().id()).map(Participant::active));
    assertEquals(Optional.of(later.id()), c.entry(later.id()).map(Entry::id), "the two say there is no such entry");
    // every node serves his card (these test nodes keep it), but he was removed: refused
    AccessRefusedException refused = assertThrows(AccessRefusedException.class, () -> c.keyCard(x.lee().id()));
    assertEquals(AccessRight.PARTICIPANT, refused.missingRight());
    // two nodes reporting a huge height neither raise the height nor stop the reads
    List<Served> loud = new ArrayList<>(List.of(reporting(Long.MAX_VALUE), reporting(Long.MAX_VALUE)));
    loud.addAll(honest);
    RemoteConnection high = connect(loud.toArray(Served[]::new));
    assertEquals(live.height(), high.height());
    assertEquals(live.height(), high.patientHistory(anna.id()).height());
    assertFalse(high.isGrantActive(x.grant().id(), now));
    // three of seven (f + 1) can: the reads then fail, no stale answer passes
    loud.add(0, reporting(Long.MAX_VALUE));
    loud.remove(loud.size() - 1);
    RemoteConnection raised = connect(loud.toArray(Served[]::new));
    assertEquals(Long.MAX_VALUE, raised.height());
    assertThrows(UnconfirmedAnswerException.class, () -> raised.patientHistory(anna.id()));
    assertThrows(UnconfirmedAnswerException.class, () -> raised.isGrantActive(x.grant().id(), now));
    assertThrows(UnconfirmedAnswerException.class, () -> raised.entry(later.id()));
  }

  @Test
  void anEntryIsFinalOnlyInABlockWhoseHeaderEnoughNodesServe() throws Exception {
    // a fork of this chain: its entries are endorsed for the same chain id, but were never final here
    Federation fork = SmallFederation.builder("fresh-history-test", 13).directSequencer().build();
    open.add(fork);
    MedicalRecord forked = fork.registerPatient("Cy").upload(SmallFederation.observation("1")).record();
    MedicalRecord here = anna.upload(SmallFederation.observation("2")).record();
    Ledger live = f.federationNodes().get(0).ledger();
    Served liar = lying(fork.federationNodes().get(0).ledger(), live.height(), "fork");
    RemoteConnection c = connect(liar, serve(live, "a"), serve(live, "b"), serve(live, "c"));
    assertEquals(Optional.empty(), c.entry(forked.id()), "the forked entry is not final here");
    assertEquals(Optional.of(here.id()), c.entry(here.id()).map(Entry::id));
    // beside one honest node, the fork's block header is not confirmed, nor is the absence
    RemoteConnection split = connect(liar, serve(live, "d"));
    UnconfirmedAnswerException u = assertThrows(UnconfirmedAnswerException.class, () -> split.entry(forked.id()));
    assertTrue(u.getMessage().contains("has none") && u.getMessage().contains("failed"), u.getMessage());
  }

  @Test
  void theConfirmationsCanBeRaisedButNotLowered() throws Exception {
    AccessGrant g = anna.grant(GrantRequest.treatment(f.registerClinician("Lee", "Hospital A").id()));
    Ledger stale = prefix();
    anna.revoke(g.id());
    anna.upload(SmallFederation.observation("1"));
    Ledger live = f.federationNodes().get(0).ledger();
    long now = f.clock().millis();
    assertEquals(List.of(1, 2, 2, 2, 3, 4), List.of(1, 2, 3, 4, 7, 10).stream().map(RemoteConnection::confirmations).toList());
    Served[] four = {lying(stale, live.height(), "liar"), serve(live, "a"), serve(live, "b"), reporting(live.height())};
    assertThrows(IllegalArgumentException.class, () -> connect(RemoteConnection.builder(auditor).confirmations(1), four));
    assertThrows(IllegalArgumentException.class, () -> connect(RemoteConnection.builder(auditor).confirmations(5), four));
    assertFalse(connect(four).isGrantActive(g.id(), now), "the two live nodes outvote the liar");
    RemoteConnection three = connect(RemoteConnection.builder(auditor).confirmations(3), four);
    UnconfirmedAnswerException u = assertThrows(UnconfirmedAnswerException.class, () -> three.isGrantActive(g.id(), now));
    assertTrue(u.getMessage().contains("answered true") && u.getMessage().contains("answered false"), u.getMessage());
    // a builder built again counts its ledger nodes again: one node's word is not kept for three
    RemoteConnection.Builder reused = RemoteConnection.builder(auditor);
    assertEquals(Long.MAX_VALUE, connect(reused, reporting(Long.MAX_VALUE)).height(), "one node configured: its word");
    assertEquals(live.height(), connect(reused, serve(live, "c"), serve(live, "d")).height());
  }
}
