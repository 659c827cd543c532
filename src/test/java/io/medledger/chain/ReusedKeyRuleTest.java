package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.pre.EntropySource;
import io.medledger.pre.SecretKey;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rule on reused keys for key publications: a research key is one patient's alone, so a
 * publication whose research key another participant published (as any of its keys), or whose
 * encryption or verifying key is another participant's research key, is refused at admission, in
 * block validation and on replay, from the chain's {@code reusedKeysFrom} height on.
 */
class ReusedKeyRuleTest {
  private static final String RULE = "reused-key rule";
  private final EntropySource entropy = EntropySource.of(new SecureRandom());
  private final ChainFixture f = ChainFixture.builder().federationServers(4).build();
  private final Actor alice = f.actor("alice");
  private final Actor bob = f.actor("bob");
  private final Actor doc = f.actor("dr-a");

  @BeforeEach
  void registerTheParticipants() {
    f.commit(f.registerPatient(alice), f.registerPatient(bob), f.registerClinician(doc, f.hospitalA));
  }

  private ByteString freshKey() {
    return ByteString.of(SecretKey.random(entropy).publicKey().toBytes());
  }

  private KeyPublication publication(ChainFixture c, Actor who, ByteString enc, ByteString ver,
      Optional<ByteString> research) {
    return c.sign(new KeyPublication(who.id(), enc, ver, research, c.now(), List.of()), who);
  }

  @Test
  void aResearchKeyThatAnotherParticipantPublishedIsRefused() {
    KeyPublication docs = publication(f, doc, freshKey(), freshKey(), Optional.empty());
    KeyPublication alices = publication(f, alice, freshKey(), freshKey(), Optional.of(freshKey()));
    f.commit(docs, alices);
    for (ByteString taken : List.of(docs.encryptionKey(), docs.verifyingKey(), alices.encryptionKey(),
        alices.verifyingKey(), alices.researchKey().orElseThrow())) {
      f.refusedEverywhere(publication(f, bob, freshKey(), freshKey(), Optional.of(taken)), RULE);
    }
    KeyPublication own = publication(f, bob, freshKey(), freshKey(), Optional.of(freshKey()));
    assertTrue(f.ledger.checkEntry(own).isAccepted());
    f.commit(own);
    assertEquals(Optional.of(own), f.ledger.publishedKeys(bob.id()));
  }

  @Test
  void anEncryptionOrVerifyingKeyThatIsAnotherParticipantsResearchKeyIsRefused() {
    KeyPublication alices = publication(f, alice, freshKey(), freshKey(), Optional.of(freshKey()));
    f.commit(alices);
    ByteString research = alices.researchKey().orElseThrow();
    f.refusedEverywhere(publication(f, doc, research, freshKey(), Optional.empty()), RULE);
    f.refusedEverywhere(publication(f, doc, freshKey(), research, Optional.empty()), RULE);
    // sharing an encryption key is not this rule's business
    assertTrue(f.ledger.checkEntry(publication(f, doc, alices.encryptionKey(), freshKey(), Optional.empty()))
        .isAccepted());
  }

  @Test
  void aPatientsOwnUpgradeKeepsItsKeysAndTheRuleHoldsWithinABlock() {
    KeyPublication old = publication(f, alice, freshKey(), freshKey(), Optional.empty());
    f.commit(old);
    ByteString research = freshKey();
    KeyPublication upgrade = publication(f, alice, old.encryptionKey(), old.verifyingKey(), Optional.of(research));
    KeyPublication copycat = publication(f, bob, freshKey(), freshKey(), Optional.of(research));
    ValidationResult<BlockCandidate> c = f.ledger.propose(f.bookkeeper().id(), 0, ByteString.EMPTY, f.now(),
        List.of(upgrade, copycat));
    assertTrue(c.isAccepted(), c::reason);
    assertEquals(List.of(upgrade.id()), c.value().block().block().entryIds());
    assertTrue(c.value().rejected().get(0).reason().contains(RULE), c.value().rejected().get(0).reason());
    ValidationResult<VerifiedBlock> both = f.ledger.validate(f.rawBlock(List.of(upgrade, copycat)));
    assertFalse(both.isAccepted());
    assertTrue(both.reason().contains(RULE), both.reason());
  }

  @Test
  void belowTheActivationHeightAReusedResearchKeyIsAcceptedSoAnOlderChainReplays() {
    ChainFixture old = ChainFixture.builder().reusedKeysFrom(3).build(); // genesis is block 0
    Actor carol = old.actor("carol");
    Actor dan = old.actor("dan");
    old.commit(old.registerPatient(carol), old.registerPatient(dan));
    KeyPublication carols = publication(old, carol, freshKey(), freshKey(), Optional.empty());
    KeyPublication dans = publication(old, dan, freshKey(), freshKey(), Optional.of(carols.encryptionKey()));
    old.commit(carols, dans); // block 2
    // from block 3 the index built below the height refuses the same reuse
    Actor erin = old.actor("erin");
    old.commit(old.registerPatient(erin));
    ValidationResult<Entry> late = old.ledger.checkEntry(publication(old, erin, freshKey(), freshKey(),
        Optional.of(carols.verifyingKey())));
    assertFalse(late.isAccepted());
    assertTrue(late.reason().contains(RULE), late.reason());
    try (Ledger again = old.replayed(old.params)) {
      assertEquals(old.ledger.tip(), again.tip());
      assertFalse(again.checkEntry(publication(old, erin, freshKey(), freshKey(), Optional.of(carols.verifyingKey())))
          .isAccepted(), "the replayed index refuses it too");
    }
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> old.replayed(old.params.withReusedKeysFrom(0)));
    assertEquals(2, e.height());
    assertTrue(e.getMessage().contains(RULE), e.getMessage());
  }

  @Test
  void theReasonNamesTheKeysFirstPublisherAndAPatientsOwnRepeatIsRefusedAsARepeat() {
    ByteString shared = freshKey();
    f.commit(publication(f, doc, shared, freshKey(), Optional.empty()));
    f.commit(publication(f, bob, shared, freshKey(), Optional.empty())); // two encryption keys alike: not this rule's
    String reason = f.refusal(publication(f, alice, freshKey(), freshKey(), Optional.of(shared)));
    assertTrue(reason.contains(RULE) && reason.contains(doc.id().toString()), reason);
    KeyPublication alices = publication(f, alice, freshKey(), freshKey(), Optional.of(freshKey()));
    f.commit(alices);
    String again = f.refusal(publication(f, alice, alices.encryptionKey(), alices.verifyingKey(), alices.researchKey()));
    assertTrue(again.contains("already published, with a research key"), again);
  }

  @Test
  void aResearcherCannotPublishAPatientsResearchKeyAsItsOwn() {
    Actor researcher = f.actor("researcher");
    f.commit(f.registerAffiliate(researcher, f.hospitalB, ParticipantKind.RESEARCHER));
    KeyPublication alices = publication(f, alice, freshKey(), freshKey(), Optional.of(freshKey()));
    f.commit(alices);
    // a researcher holding a patient's research key would open the de-identified copies sealed to it
    f.refusedEverywhere(publication(f, researcher, alices.researchKey().orElseThrow(), freshKey(), Optional.empty()),
        RULE);
    assertTrue(f.ledger.checkEntry(publication(f, researcher, freshKey(), freshKey(), Optional.empty())).isAccepted());
  }
}
