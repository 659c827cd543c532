package io.medledger.chain;

import static io.medledger.internal.consensus.StatementBytes.PRECOMMIT;
import static io.medledger.internal.consensus.StatementBytes.PREVOTE;
import static io.medledger.internal.consensus.StatementBytes.PROPOSAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.storage.InMemoryBlockStore;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, "evidence with consequences": only real equivocation is evidence, judged against the
 * membership of the height it is about; valid evidence suspends the accused from the next block
 * until governance reinstates it; every ledger replaying the chain agrees.
 */
class EvidenceConsequencesTest {
  ChainFixture f;
  Actor reporter;

  @BeforeEach
  void setUp() {
    f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    reporter = f.federation.get(0);
    f.commit(f.registerPatient(f.actor("p1")));
    f.commit(f.registerPatient(f.actor("p2")));
  }

  private String refusal(Entry e) {
    ValidationResult<Entry> r = f.ledger.checkEntry(e);
    assertFalse(r.isAccepted(), () -> "expected a refusal of " + e);
    return r.reason();
  }

  private void refused(Entry e, String reasonPart) {
    String reason = refusal(e);
    assertTrue(reason.contains(reasonPart), () -> "reason '" + reason + "' does not contain '" + reasonPart + "'");
  }

  private Evidence equivocation(Actor accused, int kind, long height) {
    return f.evidence(reporter, accused, f.statement(kind, height, 0, "X", -1), f.statement(kind, height, 0, "Y", -1));
  }

  private static List<ParticipantId> ids(List<Participant> ps) {
    return ps.stream().map(Participant::id).toList();
  }

  @Test
  void anHonestAuditorsVotesAtTwoHeightsAreNotEvidenceButRealEquivocationIs() {
    Actor honest = f.auditors.get(1);
    // The attack of review finding 6: the auditor's real prevotes of heights 1 and 2 filed as "equivocation".
    Evidence twoHeights = f.evidence(reporter, honest, f.statement(PREVOTE, 1, 0, "block-1", -1),
        f.statement(PREVOTE, 2, 0, "block-2", -1));
    refused(twoHeights, "prove no offence");
    // Nor are a prevote and a precommit of one block, two rounds, or the same statement with another aux round.
    refused(f.evidence(reporter, honest, f.statement(PREVOTE, 2, 0, "b", -1), f.statement(PRECOMMIT, 2, 0, "b", -1)),
        "prove no offence");
    refused(f.evidence(reporter, honest, f.statement(PREVOTE, 2, 0, "b", -1), f.statement(PREVOTE, 2, 1, "c", -1)),
        "prove no offence");
    refused(f.evidence(reporter, honest, f.statement(PROPOSAL, 2, 1, "b", -1), f.statement(PROPOSAL, 2, 1, "b", 0)),
        "prove no offence");
    refused(f.evidence(reporter, honest, ByteString.of("vote h=1".getBytes()), ByteString.of("vote h=2".getBytes())),
        "prove no offence");
    // Control: the same auditor signing two prevotes for different blocks at one height and round is evidence.
    Evidence real = equivocation(honest, PREVOTE, 2);
    assertTrue(f.ledger.checkEntry(real).isAccepted());
    f.commit(real);
    assertTrue(f.ledger.membership().isSuspended(honest.id()));
  }

  @Test
  void evidenceIsJudgedAgainstTheMembershipOfTheHeightItIsAbout() {
    Actor late = f.actor("audit-late");
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, late, f.hospitalB));
    long joined = f.ledger.height(); // late serves from joined + 1 on
    assertFalse(f.ledger.membershipAfter(joined - 1).isAuditServer(late.id()));
    assertTrue(f.ledger.membershipAfter(joined).isAuditServer(late.id()));
    refused(equivocation(late, PREVOTE, joined), "was not a serving server at height " + joined);
    assertTrue(f.ledger.checkEntry(equivocation(late, PREVOTE, joined + 1)).isAccepted());
    refused(equivocation(late, PREVOTE, joined + 2), "which this chain has not reached");
    // A bookkeeper's offence needs a federation server at that height; an auditor is not one.
    refused(equivocation(late, PROPOSAL, joined + 1), "was not a serving federation server");
    // A server removed later is still accountable for the heights it served.
    Actor gone = f.auditors.get(3);
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, gone, null));
    long removed = f.ledger.height();
    Evidence past = equivocation(gone, PRECOMMIT, removed);
    assertTrue(f.ledger.checkEntry(past).isAccepted());
    refused(equivocation(gone, PRECOMMIT, removed + 1), "was not a serving server");
    f.commit(past);
    assertFalse(f.ledger.membership().isSuspended(gone.id()), "a removed server is not suspended");
  }

  @Test
  void aSuspendedServerNeitherProposesNorVotesUntilGovernanceReinstatesIt() {
    Actor badFed = f.federation.get(3);
    Actor badAud = f.auditors.get(2);
    Evidence e1 = equivocation(badFed, PROPOSAL, f.ledger.height());
    Evidence e2 = equivocation(badAud, PRECOMMIT, f.ledger.height() + 1);
    f.commit(e1, e2);
    long c = f.ledger.height();
    // In force up to the block holding the evidence, suspended from the next height on.
    Membership before = f.ledger.membershipAfter(c - 1);
    Membership after = f.ledger.membershipAfter(c);
    assertTrue(before.isFederationServer(badFed.id()) && before.isAuditServer(badAud.id()));
    assertFalse(after.isFederationServer(badFed.id()) || after.isAuditServer(badAud.id()));
    assertEquals(List.of(badFed.id(), badAud.id()).stream().sorted(java.util.Comparator.comparing(ParticipantId::digest))
        .toList(), ids(after.suspended()));
    assertEquals(3, after.federationServers().size());
    assertEquals(3, after.auditQuorum(), "the quorum follows: 3 of 3 serving auditors");
    assertEquals(3, after.governanceQuorum());
    // Skipped as bookkeeper ...
    ValidationResult<BlockCandidate> asBookkeeper = f.ledger.propose(badFed.id(), 0, ByteString.EMPTY, f.now(),
        List.of());
    assertTrue(asBookkeeper.reason().contains("is suspended by evidence"), asBookkeeper.reason());
    // ... and its vote does not count towards a certificate.
    VerifiedBlock next = f.propose(List.of(f.registerPatient(f.actor("p3"))));
    Certificate withSuspended = Certificate.sign(next.header(), f.auditors.get(0).key(), f.auditors.get(1).key(),
        badAud.key());
    ValidationResult<CertifiedBlock> r = f.ledger.append(next, withSuspended);
    assertTrue(r.reason().contains("not an audit server"), r.reason());
    f.ledger.append(next, f.certify(next.header())).value();
    // Statements of heights it was suspended at are no evidence (it was no member); a second piece
    // of evidence about a height it served changes nothing. A reinstatement needs governance.
    refused(equivocation(badAud, PREVOTE, c + 1), "was not a serving server");
    f.commit(equivocation(badAud, PREVOTE, c));
    assertTrue(f.ledger.membership().isSuspended(badAud.id()));
    MembershipChange reinstate = new MembershipChange(MembershipChange.Operation.REINSTATE,
        ParticipantKind.AUDIT_SERVER, badAud.publicKey(), java.util.Optional.empty(), f.now(), List.of());
    refused(f.sign(reinstate, badAud), "which is not a federation server");
    refused(f.sign(reinstate, f.federation.get(0), f.federation.get(1)), "needs 3 federation server signatures");
    refused(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, f.auditors.get(0), null),
        "is not suspended");
    f.commit(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, badAud, null));
    long back = f.ledger.height();
    assertFalse(f.ledger.membershipAfter(back - 1).isAuditServer(badAud.id()));
    assertEquals(ids(before.auditServers()), ids(f.ledger.membershipAfter(back).auditServers()),
        "reinstated in its old place");
    // The old offences were forgiven: refiling them is still valid evidence but suspends nobody.
    f.commit(equivocation(badAud, PRECOMMIT, c));
    assertTrue(f.ledger.membership().isAuditServer(badAud.id()));
    // A new offence after the reinstatement suspends it again.
    f.commit(equivocation(badAud, PRECOMMIT, f.ledger.height()));
    assertTrue(f.ledger.membership().isSuspended(badAud.id()));
    // Every ledger replaying the chain derives the same memberships at every height.
    Ledger replay = Ledger.builder(f.params).store(new InMemoryBlockStore()).clock(f.clock)
        .certificatePolicy(CertificatePolicy.auditQuorum()).open();
    for (long h = 0; h <= f.ledger.height(); h++) {
      assertTrue(replay.append(f.ledger.block(h)).isAccepted());
      assertEquals(f.ledger.membershipAfter(h), replay.membershipAfter(h));
    }
  }

  @Test
  void removingASuspendedServerLiftsItsSuspensionSoThatARemovalAndReAdditionStartsClean() {
    Actor bad = f.auditors.get(2);
    f.commit(equivocation(bad, PRECOMMIT, f.ledger.height()));
    assertTrue(f.ledger.membership().isSuspended(bad.id()));
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, bad, null));
    assertFalse(f.ledger.membership().isSuspended(bad.id()), "a removed server is no longer suspended");
    assertTrue(f.ledger.membership().suspended().isEmpty());
    // Governance may add it again: it then serves, with no suspension left over from before.
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, bad, f.hospitalB));
    assertTrue(f.ledger.membership().isAuditServer(bad.id()));
    assertFalse(f.ledger.membership().isSuspended(bad.id()));
  }

  @Test
  void evidenceInTheReinstatingBlockAboutAForgivenHeightDoesNotSuspendAgain() {
    Actor bad = f.auditors.get(0);
    long h = f.ledger.height();
    f.commit(equivocation(bad, PREVOTE, h));
    assertTrue(f.ledger.membership().isSuspended(bad.id()));
    f.commit(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, bad, null),
        equivocation(bad, PRECOMMIT, h));
    assertTrue(f.ledger.membership().isAuditServer(bad.id()));
  }

  @Test
  void anOffenceAtTheReinstatingHeightIsNoEvidenceAndTheNextHeightsIs() {
    Actor bad = f.auditors.get(0);
    f.commit(equivocation(bad, PREVOTE, f.ledger.height()));
    f.commit(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, bad, null));
    long back = f.ledger.height();
    // At the reinstating height it was still suspended (membership takes effect from the next
    // height), so statements of that height are no evidence at all.
    refused(equivocation(bad, PRECOMMIT, back), "was not a serving server");
    // one height later it is a new offence
    f.commit(f.registerPatient(f.actor("later")));
    f.commit(equivocation(bad, PRECOMMIT, back + 1));
    assertTrue(f.ledger.membership().isSuspended(bad.id()));
  }

  @Test
  void suspensionNeverEmptiesARole() {
    ChainFixture one = ChainFixture.builder().federationServers(1).auditServers(1).build();
    Actor fed = one.federation.get(0);
    Actor aud = one.auditors.get(0);
    one.commit(one.evidence(fed, aud, one.statement(PREVOTE, 1, 0, "X", -1), one.statement(PREVOTE, 1, 0, "Y", -1)),
        one.evidence(aud, fed, one.statement(PROPOSAL, 1, 0, "X", -1), one.statement(PROPOSAL, 1, 0, "Y", -1)));
    Membership m = one.ledger.membership();
    assertTrue(m.isFederationServer(fed.id()) && m.isAuditServer(aud.id()), "the last server of a role keeps serving");
    assertTrue(m.suspended().isEmpty());
  }
}
