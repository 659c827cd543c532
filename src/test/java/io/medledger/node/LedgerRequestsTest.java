package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.Ledger;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.client.ClinicianClient;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.federation.Federation;
import io.medledger.internal.PageWalk;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote ledger requests' rules beyond the request types' rights, over the in-process
 * federation's ledger without a network: who may publish which key cards, how histories and
 * blocks are answered within the answer cap.
 */
class LedgerRequestsTest {
  @TempDir
  Path dir;
  private final Federation f = SmallFederation.builder("ledger-requests-test", 9).directSequencer().build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
  private final Ed25519PublicKey operator = Identity.generate(ParticipantKind.AUDIT_SERVER, "operator").publicKey();

  @AfterEach
  void close() {
    f.close();
  }

  /**
   * Any active participant may publish the card of a participant the ledger lists (its own or
   * another's), but only operator keys the card of a key not on the ledger yet (onboarding), so
   * that no participant can fill the node's card store with cards of keys it made up.
   */
  @Test
  void onlyOperatorsPublishCardsOfKeysNotOnTheLedger() {
    LedgerRequests requests = new LedgerRequests(f.federationNodes().get(0).ledger(), "ledger-requests-test", "p",
        operator::equals, KeyCardStore.open(dir), null, 1 << 20);
    Ed25519PublicKey annaKey = anna.identity().publicKey();
    assertEquals(ClientWire.OK, publish(requests, annaKey, anna.identity().card()), "its own card");
    assertEquals(ClientWire.OK, publish(requests, annaKey, lee.identity().card()), "a listed participant's card");
    KeyCard madeUp = Identity.generate(ParticipantKind.PATIENT, "nobody").card();
    assertEquals(ClientWire.REFUSED, publish(requests, annaKey, madeUp), "the card of a key not on the ledger");
    assertFalse(keyCard(requests, annaKey, madeUp), "not kept");
    assertEquals(ClientWire.OK, publish(requests, operator, madeUp), "the operator onboards it");
    assertTrue(keyCard(requests, annaKey, madeUp));
  }

  /**
   * Cards were kept forever, also those of participants the ledger removed (and anyone could
   * publish such a card again): a removed participant's card is now dropped, durably, and
   * publishing it again is refused.
   */
  @Test
  void theCardOfARemovedParticipantIsDroppedAndNotTakenAgain() {
    Ledger ledger = f.federationNodes().get(0).ledger();
    Ed25519PublicKey annaKey = anna.identity().publicKey();
    KeyCardStore store = KeyCardStore.open(dir);
    LedgerRequests requests = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals, store, null,
        1 << 20);
    assertEquals(ClientWire.OK, publish(requests, annaKey, lee.identity().card()));
    assertEquals(ClientWire.OK, publish(requests, annaKey, anna.identity().card()));
    assertEquals(2, store.size());
    io.medledger.federation.Removals.affiliate(f, lee.id(), "Hospital A");
    Node.forgetCards(ledger.block(ledger.height()).block().entries(), ledger, store); // as the node on commit
    assertEquals(1, store.size(), "the removed clinician's card goes, not the patient's");
    assertTrue(store.lookup(anna.id()).isPresent());
    assertFalse(keyCard(requests, annaKey, lee.identity().card()));
    assertEquals(1, KeyCardStore.open(dir).size(), "its file is gone too");
    assertEquals(ClientWire.REFUSED, publish(requests, annaKey, lee.identity().card()), "not taken again");
    assertEquals(ClientWire.REFUSED, publish(requests, operator, lee.identity().card()), "not even from an operator");
    assertEquals(1, store.size());
    // a card whose removal committed while the node could not delete it goes on the next start
    KeyCardStore other = KeyCardStore.open(dir.resolve("other"));
    other.publish(lee.identity().card());
    other.publish(anna.identity().card());
    assertEquals(1, other.forgetAll(c -> ledger.participant(c.id()).filter(p -> !p.active()).isPresent()));
    assertTrue(other.lookup(anna.id()).isPresent());
  }

  /**
   * Governance removes an institution: the cards of its clinicians go with its own, as for a
   * removed affiliate, and the other cards stay.
   */
  @Test
  void theCardsOfARemovedInstitutionsAffiliatesAreDropped() {
    try (Federation g = SmallFederation.builder("ledger-requests-test-clinic", 10)
        .institution("Clinic", io.medledger.access.InstitutionClass.C).directSequencer().build()) {
      Ledger ledger = g.federationNodes().get(0).ledger();
      PatientClient ben = g.registerPatient("Ben");
      ClinicianClient kim = g.registerClinician("Dr Kim", "Clinic");
      KeyCardStore store = KeyCardStore.open(dir);
      store.publish(ben.identity().card());
      store.publish(kim.identity().card());
      assertEquals(2, store.size());
      g.removeInstitution("Clinic");
      Node.forgetCards(ledger.block(ledger.height()).block().entries(), ledger, store); // as the node on commit
      assertEquals(1, store.size(), "the clinician's card goes, not the patient's");
      assertTrue(store.lookup(ben.id()).isPresent());
      assertEquals(1, KeyCardStore.open(dir).size(), "its file is gone too");
    }
  }

  /**
   * A node that missed a patient's research-key upgrade card kept serving the card without the
   * research key while the ledger's publication in force carried one: it now serves no card that
   * disagrees with that publication, and takes none; the contradicted card it kept is dropped (file
   * and memory) when it is asked for, so the current card can be published.
   */
  @Test
  void aCardTheLedgersKeyPublicationContradictsIsNeitherServedNorTaken() {
    Identity old = Identity.of(ParticipantKind.PATIENT, "Li", io.medledger.crypto.Ed25519PrivateKey.generate(),
        io.medledger.pre.SecretKey.random(), io.medledger.pre.SecretKey.random());
    PatientClient li = f.registerPatient(old);
    KeyCardStore store = KeyCardStore.open(dir);
    LedgerRequests requests = new LedgerRequests(f.federationNodes().get(0).ledger(), "ledger-requests-test", "p",
        operator::equals, store, null, 1 << 20);
    Ed25519PublicKey annaKey = anna.identity().publicKey();
    assertEquals(ClientWire.OK, publish(requests, annaKey, old.card()));
    Identity upgraded = old.withResearchKey();
    PatientClient.open(f.connection(), upgraded).addResearchKey(); // the node's store is not the directory: it misses the card
    assertTrue(store.lookup(li.id()).isPresent(), "still kept");
    assertFalse(keyCard(requests, annaKey, old.card()), "but no longer served");
    assertTrue(store.lookup(li.id()).isEmpty(), "and dropped once found contradicted");
    assertTrue(KeyCardStore.open(dir).lookup(li.id()).isEmpty(), "its file is gone too");
    KeyCard other = old.withResearchKey().card();
    assertEquals(ClientWire.REFUSED, publish(requests, annaKey, other), "another research key than the ledger's");
    assertEquals(ClientWire.OK, publish(requests, annaKey, upgraded.card()));
    assertTrue(keyCard(requests, annaKey, upgraded.card()));
  }

  /**
   * A contradicted card stayed on disk: the node now drops it when the key publication that
   * contradicts it commits (as {@code Node} does on every committed block) and, for a publication
   * committed while the node was down, when it opens its cards; the agreeing cards stay, and a
   * card published since the contradicted one is never dropped in its place.
   */
  @Test
  void contradictedCardsAreDroppedOnCommitAndOnStartAndTheOthersStay() throws Exception {
    Ledger ledger = f.federationNodes().get(0).ledger();
    Identity oldLi = Identity.of(ParticipantKind.PATIENT, "Li", io.medledger.crypto.Ed25519PrivateKey.generate(),
        io.medledger.pre.SecretKey.random(), io.medledger.pre.SecretKey.random());
    Identity oldMo = Identity.of(ParticipantKind.PATIENT, "Mo", io.medledger.crypto.Ed25519PrivateKey.generate(),
        io.medledger.pre.SecretKey.random(), io.medledger.pre.SecretKey.random());
    f.registerPatient(oldLi);
    f.registerPatient(oldMo);
    KeyCardStore store = KeyCardStore.open(dir);
    KeyCardStore stopped = KeyCardStore.open(dir.resolve("stopped")); // a node that was down meanwhile
    for (KeyCardStore s : java.util.List.of(store, stopped)) {
      assertTrue(s.publish(oldLi.card()));
      assertTrue(s.publish(oldMo.card()));
      assertTrue(s.publish(anna.identity().card()));
    }
    PatientClient.open(f.connection(), oldLi.withResearchKey()).addResearchKey(); // the stores miss the new card
    Node.forgetCards(ledger.block(ledger.height()).block().entries(), ledger, store); // as the node on commit
    assertTrue(store.lookup(oldLi.id()).isEmpty(), "the contradicted card goes");
    assertEquals(2, store.size(), "the agreeing cards stay");
    assertEquals(2, KeyCardStore.open(dir).size(), "its file is gone too");
    // the node that was down drops it when it opens its cards, as Node's start does
    KeyCardStore reopened = KeyCardStore.open(dir.resolve("stopped"));
    assertEquals(3, reopened.size());
    assertEquals(1, reopened.forgetAll(c -> KeyCardStore.contradicted(ledger, c)));
    assertTrue(reopened.lookup(oldMo.id()).isPresent() && reopened.lookup(anna.id()).isPresent());
    // a card that agrees by the time the store decides is kept, whatever the caller saw before
    Identity newMo = oldMo.withResearchKey();
    PatientClient.open(f.connection(), newMo).addResearchKey();
    KeyCard seen = reopened.lookup(oldMo.id()).orElseThrow();
    assertTrue(KeyCardStore.contradicted(ledger, seen));
    assertTrue(reopened.publish(newMo.card()));
    assertFalse(reopened.forgetIf(oldMo.id(), c -> KeyCardStore.contradicted(ledger, c)), "the upgrade card stays");
    assertEquals(newMo.card(), KeyCardStore.open(dir.resolve("stopped")).lookup(oldMo.id()).orElseThrow());
  }

  /**
   * A patient's history longer than one answer (a patient's own records and reads grow it without
   * bound) was refused whole, so it could never be read remotely: it is now answered a page at a
   * time, each page within the endpoint's answer cap, and the pages make the proof of the whole
   * history. A sub-block larger than an answer alone is refused from the state's index.
   */
  @Test
  void aHistoryLongerThanAnAnswerIsServedInPagesWithinTheCapThatMakeItsProof() {
    for (int i = 0; i < 30; i++) {
      anna.upload(SmallFederation.observation(Integer.toString(i)));
    }
    Ledger ledger = f.federationNodes().get(0).ledger();
    PatientHistoryProof whole = ledger.patientHistory(anna.id());
    long largest = whole.subBlocks().stream().mapToLong(s -> s.entries().stream().mapToLong(e -> e.encode().length + 4L)
        .sum() + 256).max().orElseThrow();
    int cap = (int) (PatientHistoryPage.HEAD_BYTES + 16 + 2 * largest);
    long entries = whole.subBlocks().stream().flatMap(s -> s.entries().stream()).mapToLong(e -> e.encode().length).sum();
    assertTrue(entries > cap, "the history's entries alone take more than one answer: " + entries);
    Ed25519PublicKey leeKey = lee.identity().publicKey();
    LedgerRequests tight = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals,
        KeyCardStore.open(dir), null, cap);
    AtomicInteger pages = new AtomicInteger();
    PatientHistoryProof walked = PageWalk.history(anna.id(), p -> {
      byte[] r = tight.handle(leeKey, historyRequest(anna.id(), p));
      assertEquals(ClientWire.OK, r[0]);
      assertTrue(r.length <= cap, r.length + " bytes, over the cap of " + cap);
      pages.incrementAndGet();
      return PatientHistoryPage.decode(new LedgerWire.Reader(r, 1).bytes(PatientHistoryPage.MAX_BYTES));
    });
    assertEquals(whole, walked);
    assertTrue(walked.verify(ledger.header(walked.height())).isAccepted());
    assertTrue(pages.get() >= whole.subBlocks().size() / 2, pages.get() + " pages");
    LedgerRequests tiny = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals,
        KeyCardStore.open(dir), null, PatientHistoryPage.HEAD_BYTES + 64);
    byte[] refused = tiny.handle(leeKey, historyRequest(anna.id(), PageRequest.first(10)));
    assertEquals(ClientWire.REFUSED, refused[0]);
    // a cursor that is no sub-block of the patient's is refused too
    assertEquals(ClientWire.REFUSED, tight.handle(leeKey, historyRequest(anna.id(),
        PageRequest.first(10).after(ledger.height() + 100)))[0]);
  }

  /**
   * A block is served as the block store holds it, not decoded and encoded again, and one larger
   * than an answer of the endpoint is refused before it is read where the state records its
   * layout: the node used to decode it, encode it again, and only then have the endpoint drop it.
   */
  @Test
  void aBlockIsServedAsStoredAndOneLargerThanAnAnswerIsRefused() {
    anna.upload(SmallFederation.observation("x"));
    Ledger ledger = f.federationNodes().get(0).ledger();
    long h = ledger.height();
    byte[] encoded = ledger.block(h).encode();
    byte[] request = new LedgerWire.Writer(ClientWire.BLOCK).i64(h).toBytes();
    Ed25519PublicKey leeKey = lee.identity().publicKey();
    LedgerRequests roomy = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals,
        KeyCardStore.open(dir), null, encoded.length + 64);
    byte[] ok = roomy.handle(leeKey, request);
    assertEquals(ClientWire.OK, ok[0]);
    assertArrayEquals(encoded, new LedgerWire.Reader(ok, 1).bytes(encoded.length));
    LedgerRequests tight = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals,
        KeyCardStore.open(dir), null, encoded.length - 1);
    byte[] refused = tight.handle(leeKey, request);
    assertEquals(ClientWire.REFUSED, refused[0]);
    assertTrue(refused.length < 1024);
  }

  private static byte[] historyRequest(io.medledger.access.ParticipantId patient, PageRequest p) {
    return new LedgerWire.Writer(ClientWire.PATIENT_HISTORY).id(patient).i64(p.after()).u16(p.limit()).bool(false)
        .toBytes();
  }

  private static byte publish(LedgerRequests requests, Ed25519PublicKey client, KeyCard card) {
    return requests.handle(client, new LedgerWire.Writer(ClientWire.PUBLISH_KEY_CARD).card(card).toBytes())[0];
  }

  private static boolean keyCard(LedgerRequests requests, Ed25519PublicKey client, KeyCard card) {
    byte[] r = requests.handle(client, new LedgerWire.Writer(ClientWire.KEY_CARD).id(card.id()).toBytes());
    assertEquals(ClientWire.OK, r[0]);
    return r[1] == 1;
  }
}
