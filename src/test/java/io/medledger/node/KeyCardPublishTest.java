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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may publish a key card to a node: any active participant a card of a participant the ledger
 * lists (its own or another's), but only the node's operator keys the card of a key not on the
 * ledger yet (onboarding), so that no participant can fill the node's card store with cards of keys
 * it made up. Over the in-process federation's ledger, without a network.
 */
class KeyCardPublishTest {
  @TempDir
  Path dir;

  @Test
  void onlyOperatorsPublishCardsOfKeysNotOnTheLedger() {
    try (Federation f = SmallFederation.builder("key-card-publish-test", 9).directSequencer().build()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
      Ed25519PublicKey operator = Identity.generate(ParticipantKind.AUDIT_SERVER, "operator").publicKey();
      KeyCardStore cards = KeyCardStore.open(dir);
      LedgerRequests requests = new LedgerRequests(f.federationNodes().get(0).ledger(), "key-card-publish-test", "p",
          operator::equals, cards, null);
      Ed25519PublicKey annaKey = anna.identity().publicKey();

      assertEquals(ClientWire.OK, publish(requests, annaKey, anna.identity().card()), "its own card");
      assertEquals(ClientWire.OK, publish(requests, annaKey, lee.identity().card()), "a listed participant's card");
      KeyCard madeUp = Identity.generate(ParticipantKind.PATIENT, "nobody").card();
      assertEquals(ClientWire.REFUSED, publish(requests, annaKey, madeUp), "the card of a key not on the ledger");
      assertFalse(cards.lookup(madeUp.id()).isPresent(), "not kept");
      assertEquals(ClientWire.OK, publish(requests, operator, madeUp), "the operator onboards it");
      assertTrue(cards.lookup(madeUp.id()).isPresent());
    }
  }

  private static byte publish(LedgerRequests requests, Ed25519PublicKey client, KeyCard card) {
    return requests.handle(client, new LedgerWire.Writer(ClientWire.PUBLISH_KEY_CARD).card(card).toBytes())[0];
  }
}
