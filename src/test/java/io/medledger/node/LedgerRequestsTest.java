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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote ledger requests' rules that are not about access rights, over the in-process
 * federation's ledger without a network: who may publish which key cards, and the time budget of
 * each participant's requests.
 */
class LedgerRequestsTest {
  private static final long SECOND = 1_000_000_000L;

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

  private LedgerRequests requests(Function<Ed25519PublicKey, Boolean> isOperator, LongSupplier nanos) {
    return new LedgerRequests(f.federationNodes().get(0).ledger(), "ledger-requests-test", "p", isOperator,
        KeyCardStore.open(dir), null, nanos);
  }

  /**
   * Any active participant may publish the card of a participant the ledger lists (its own or
   * another's), but only operator keys the card of a key not on the ledger yet (onboarding), so
   * that no participant can fill the node's card store with cards of keys it made up.
   */
  @Test
  void onlyOperatorsPublishCardsOfKeysNotOnTheLedger() {
    LedgerRequests requests = requests(operator::equals, System::nanoTime);
    Ed25519PublicKey annaKey = anna.identity().publicKey();
    assertEquals(ClientWire.OK, publish(requests, annaKey, anna.identity().card()), "its own card");
    assertEquals(ClientWire.OK, publish(requests, annaKey, lee.identity().card()), "a listed participant's card");
    KeyCard madeUp = Identity.generate(ParticipantKind.PATIENT, "nobody").card();
    assertEquals(ClientWire.REFUSED, publish(requests, annaKey, madeUp), "the card of a key not on the ledger");
    assertFalse(keyCard(requests, annaKey, madeUp), "not kept");
    assertEquals(ClientWire.OK, publish(requests, operator, madeUp), "the operator onboards it");
    assertTrue(keyCard(requests, annaKey, madeUp));
  }

  private static byte publish(LedgerRequests requests, Ed25519PublicKey client, KeyCard card) {
    return requests.handle(client, new LedgerWire.Writer(ClientWire.PUBLISH_KEY_CARD).card(card).toBytes())[0];
  }

  private static boolean keyCard(LedgerRequests requests, Ed25519PublicKey client, KeyCard card) {
    byte[] r = requests.handle(client, new LedgerWire.Writer(ClientWire.KEY_CARD).id(card.id()).toBytes());
    assertEquals(ClientWire.OK, r[0]);
    return r[1] == 1;
  }

  /**
   * A participant whose requests keep the node busy is answered BUSY beyond its rate plus a burst,
   * while another participant is still answered and operator keys are not budgeted. Each request of
   * Anna's and the operator's takes one second of a fake clock here: the clock is advanced while
   * the node checks whether the caller is an operator.
   */
  @Test
  void aParticipantKeepingTheNodeBusyIsAnsweredBusyBeyondItsRate() {
    Ed25519PublicKey slow = anna.identity().publicKey();
    AtomicLong clock = new AtomicLong(7 * SECOND);
    LedgerRequests requests = requests(k -> {
      if (k.equals(slow) || k.equals(operator)) {
        clock.addAndGet(SECOND);
      }
      return k.equals(operator);
    }, clock::get);
    byte[] height = new LedgerWire.Writer(ClientWire.HEIGHT).toBytes();
    int served = 0;
    int asked = 40;
    for (int i = 0; i < asked; i++) {
      byte[] r = requests.handle(slow, height);
      if (r[0] == ClientWire.OK) {
        served++;
      } else {
        assertEquals(ClientWire.REFUSED, r[0]);
        assertEquals(SubmissionRefusedException.Cause.BUSY.ordinal(), r[1]);
      }
    }
    long allowed = (LedgerRequests.SERVE_BURST_NANOS + LedgerRequests.SERVE_NANOS_PER_SECOND * asked) / SECOND + 1;
    assertTrue(served <= allowed, served + " one-second requests of " + asked + " served, at most " + allowed);
    assertEquals(ClientWire.OK, requests.handle(lee.identity().publicKey(), height)[0], "another participant");
    for (int i = 0; i < asked; i++) {
      assertEquals(ClientWire.OK, requests.handle(operator, height)[0], "operator keys are not budgeted");
    }
  }
}
