package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantKind;
import org.junit.jupiter.api.Test;

/**
 * What a membership change does to the participant it names: a removal deactivates it, and a
 * re-admission reactivates the same participant (its first registration height kept), not a new one.
 */
class MembershipEffectsTest {
  @Test
  void aRemovedServerIsInactiveAndItsReadmissionKeepsItsRegistration() {
    ChainFixture f = ChainFixture.builder().auditServers(2).build();
    ChainFixture.Actor auditor = f.auditors.get(1);
    Participant before = f.ledger.participant(auditor.id()).orElseThrow();
    assertTrue(before.active());
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, auditor, f.hospitalB));
    Participant removed = f.ledger.participant(auditor.id()).orElseThrow();
    assertFalse(removed.active());
    assertFalse(f.ledger.membership().isAuditServer(auditor.id()));
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, auditor, f.hospitalB));
    Participant back = f.ledger.participant(auditor.id()).orElseThrow();
    assertTrue(back.active());
    assertEquals(before.registeredAt(), back.registeredAt());
    assertTrue(f.ledger.membership().isAuditServer(auditor.id()));
  }
}
