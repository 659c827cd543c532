package io.medledger.internal.node;

import io.medledger.access.ParticipantKind;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.client.SmallFederation;
import io.medledger.testing.BitFlips;
import org.junit.jupiter.api.Test;

/**
 * Every byte of a key card as the client endpoint carries it (KEY_CARD answers) is bound: a
 * mutation is refused when read, fails the card's signature, or reads to the very same card.
 */
class KeyCardWireBindingTest {
  @Test
  void everyByteOfAKeyCardAnswerIsBound() {
    everyByteIsBound(Identity.generate(ParticipantKind.CLINICIAN, "dr-a", SmallFederation.seeded(7)).card());
  }

  @Test
  void everyByteOfAPatientsKeyCardWithAResearchKeyIsBound() {
    KeyCard card = Identity.generate(ParticipantKind.PATIENT, "anna", SmallFederation.seeded(8)).card();
    org.junit.jupiter.api.Assertions.assertTrue(card.researchKey().isPresent());
    byte[] answer = new LedgerWire.Writer(ClientWire.OK).card(card).toBytes();
    LedgerWire.Reader in = new LedgerWire.Reader(answer, 1);
    org.junit.jupiter.api.Assertions.assertEquals(card, in.card());
    in.end();
    everyByteIsBound(card);
  }

  private static void everyByteIsBound(KeyCard card) {
    byte[] answer = new LedgerWire.Writer(ClientWire.OK).card(card).toBytes();
    BitFlips.assertEveryByteIsBound("key card answer", answer, b -> {
      if (b.length == 0 || b[0] != ClientWire.OK) {
        return null;
      }
      LedgerWire.Reader in = new LedgerWire.Reader(b, 1);
      KeyCard c = in.card();
      in.end();
      return c.verify() ? c : null;
    });
  }
}
