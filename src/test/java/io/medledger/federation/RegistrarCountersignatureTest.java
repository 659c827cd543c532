package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.Block;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.PatientRegistration;
import io.medledger.chain.ValidationResult;
import io.medledger.client.Identity;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bookkeeper that makes up patient keys and puts their registrations into its block, signed by
 * the keys alone or countersigned by a key of its own making, has the block refused by every audit
 * server; the same registration countersigned by an institution is voted for.
 */
class RegistrarCountersignatureTest {
  @Test
  void everyAuditServerRefusesABlockOfRegistrationsNoRegistrarSigned() {
    try (Federation f = TestFederation.create()) {
      Identity minted = Identity.generate(ParticipantKind.PATIENT, "Minted", TestFederation.seeded(7));
      Identity madeUpDesk = Identity.generate(ParticipantKind.INSTITUTION, "Made-up desk", TestFederation.seeded(8));
      PatientRegistration bare = new PatientRegistration(minted.publicKey(), f.now(), List.of());
      FederationServer bookkeeper = f.federationNodes().get(0);
      for (Entry bad : List.of(f.sign(bare, minted), f.sign(bare, minted, madeUpDesk))) {
        for (FederationServer n : f.nodes()) {
          assertFalse(n.admit(bad).isAccepted(), n + " admitted it");
        }
        Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(bad));
        for (FederationServer auditor : f.auditNodes()) {
          ValidationResult<Endorsement> vote = auditor.vote(block);
          assertFalse(vote.isAccepted(), auditor + " voted for it");
          assertTrue(vote.reason().contains("registrar"), vote.reason());
        }
      }
      Entry good = f.sign(bare, minted, f.institution("Hospital A1"));
      Block block = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.now(), List.of(good));
      for (FederationServer auditor : f.auditNodes()) {
        ValidationResult<Endorsement> vote = auditor.vote(block);
        assertTrue(vote.isAccepted(), vote::reason);
      }
      assertEquals(1, f.submit(List.of(good)).blocks().size());
      assertTrue(f.auditor("a").verifyChain().valid());
    }
  }
}
