package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.client.ClinicianClient;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.federation.Federation;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote ledger requests' rules beyond the request types' rights, over the in-process
 * federation's ledger without a network: who may publish which key cards.
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
   * A patient's history is answered whole, as JSON longer than the entries' encodings: one whose
   * stored entries alone would not fit the answer the endpoint sends is refused from the
   * state's index, before any block is read or any proof built (a patient writing its own records
   * and reads grows its history without bound, and every request for it made the node build it all
   * in memory, only for the endpoint to drop the answer).
   */
  @Test
  void aPatientHistoryTooLargeToAnswerIsRefusedBeforeItIsBuilt() {
    for (int i = 0; i < 4; i++) {
      anna.upload(SmallFederation.observation(Integer.toString(i)));
    }
    io.medledger.chain.Ledger ledger = f.federationNodes().get(0).ledger();
    int fits = ledger.patientHistory(anna.id()).toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 64;
    byte[] request = new LedgerWire.Writer(ClientWire.PATIENT_HISTORY).id(anna.id()).toBytes();
    Ed25519PublicKey leeKey = lee.identity().publicKey();
    LedgerRequests roomy = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals,
        KeyCardStore.open(dir), null, fits);
    assertEquals(ClientWire.OK, roomy.handle(leeKey, request)[0]);
    LedgerRequests tight = new LedgerRequests(ledger, "ledger-requests-test", "p", operator::equals,
        KeyCardStore.open(dir), null, 1024);
    byte[] refused = tight.handle(leeKey, request);
    assertEquals(ClientWire.REFUSED, refused[0]);
    assertTrue(refused.length < 1024);
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
