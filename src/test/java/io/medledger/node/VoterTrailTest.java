package io.medledger.node;

import static io.medledger.internal.consensus.StatementBytes.PRECOMMIT;
import static io.medledger.internal.consensus.StatementBytes.PROPOSAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Membership;
import io.medledger.chain.MembershipChange;
import io.medledger.consensus.BftProtocol;
import io.medledger.consensus.RotatingAuditProtocol;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The membership a client follows block by block from the membership after genesis is the one the
 * ledger computes at every height: additions, removals, suspensions by evidence (and evidence that
 * suspends nobody: about a height a reinstatement forgave), reinstatements, and the removal of a
 * suspended server.
 */
class VoterTrailTest {
  @Test
  void theFollowedVotersAreTheLedgersAtEveryHeight() {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    Actor reporter = f.federation.get(0);
    Actor badFed = f.federation.get(3);
    Actor badAud = f.auditors.get(2);
    Actor lateAud = f.auditors.get(1);
    f.commit(f.registerPatient(f.actor("p1")));
    long h = f.ledger.height();
    f.commit(f.evidence(reporter, badFed, f.statement(PROPOSAL, h, 0, "X", -1), f.statement(PROPOSAL, h, 0, "Y", -1)),
        f.evidence(reporter, badAud, f.statement(PRECOMMIT, h, 0, "X", -1), f.statement(PRECOMMIT, h, 0, "Y", -1)));
    f.commit(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, badAud, null));
    // an offence forgiven by the reinstatement, refiled: valid, but suspends nobody
    f.commit(f.evidence(reporter, badAud, f.statement(PRECOMMIT, h, 0, "X", -1), f.statement(PRECOMMIT, h, 0, "Z", -1)),
        f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, f.actor("new-audit"), f.hospitalB));
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, badFed, null));
    long h2 = f.ledger.height();
    f.commit(f.evidence(reporter, lateAud, f.statement(PRECOMMIT, h2, 0, "X", -1),
        f.statement(PRECOMMIT, h2, 0, "Y", -1)));
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, lateAud, null));
    f.commit(f.registerPatient(f.actor("p2")));

    Membership start = f.ledger.membershipAfter(0);
    VoterTrail t = VoterTrail.trusted(start.federationKeys(), start.auditKeys());
    List<Integer> suspendedSeen = new ArrayList<>();
    for (long k = 1; k <= f.ledger.height(); k++) {
      t = t.after(f.ledger.block(k).block(), f.params);
      Membership m = f.ledger.membershipAfter(k);
      assertEquals(m.federationKeys(), t.voters(BftProtocol.NAME), "federation voters after block " + k);
      assertEquals(m.auditKeys(), t.voters(RotatingAuditProtocol.NAME), "audit voters after block " + k);
      suspendedSeen.add(m.suspended().size());
    }
    assertTrue(suspendedSeen.contains(2), "control: the chain suspended two servers at once: " + suspendedSeen);
    assertEquals(0, f.ledger.membership().suspended().size(), "control: the removals ended every suspension");
  }
}
