package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainFixture.Actor;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * A federation or audit server that governance removed and adds again, for another institution:
 * from the chain's {@code reusedKeysFrom} height the ledger records the operator the new addition
 * names, and the institution-removal rule reads that one, at admission, in block validation and
 * on replay alike; below the height the first operator stays, so an older chain replays.
 */
class ReAddedServerOperatorTest {

  /** A chain where {@code server} was added for {@code first}, removed, and added again for {@code second}. */
  private record ReAdded(ChainFixture f, Actor server, Actor first, Actor second) {}

  private static ReAdded reAdd(ChainFixture f, ParticipantKind role) {
    InstitutionClass cls = role == ParticipantKind.FEDERATION_SERVER ? InstitutionClass.A : InstitutionClass.B;
    Actor first = f.actor("first-operator");
    Actor second = f.actor("second-operator");
    Actor server = f.actor("moved-server");
    f.commit(f.registerInstitution(first, "First", cls), f.registerInstitution(second, "Second", cls));
    f.commit(f.membership(MembershipChange.Operation.ADD, role, server, first));
    f.commit(f.membership(MembershipChange.Operation.REMOVE, role, server, null));
    f.commit(f.membership(MembershipChange.Operation.ADD, role, server, second));
    return new ReAdded(f, server, first, second);
  }

  private static Optional<ParticipantId> listedOperator(ChainFixture f, Actor server) {
    Membership m = f.ledger.membership();
    return java.util.stream.Stream.of(m.federationServers(), m.auditServers()).flatMap(List::stream)
        .filter(p -> p.id().equals(server.id())).findFirst().orElseThrow().affiliation();
  }

  @ParameterizedTest
  @EnumSource(value = ParticipantKind.class, names = {"FEDERATION_SERVER", "AUDIT_SERVER"})
  void aServerAddedAgainIsOperatedByTheInstitutionItsNewAdditionNames(ParticipantKind role) {
    ReAdded r = reAdd(ChainFixture.builder().federationServers(4).auditServers(4).build(), role);
    ChainFixture f = r.f();
    assertEquals(Optional.of(r.second().id()), f.ledger.participant(r.server().id()).orElseThrow().affiliation());
    assertEquals(Optional.of(r.second().id()), listedOperator(f, r.server()));
    f.refusedEverywhere(f.removeInstitution(r.second()), "still operates the listed " + role.label());
    f.acceptedEverywhere(f.removeInstitution(r.first()));
  }

  @Test
  void theNewOperatorCountsWithinTheBlockThatAddsTheServerAgain() {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    Actor first = f.actor("first-operator");
    Actor second = f.actor("second-operator");
    Actor server = f.actor("moved-server");
    f.commit(f.registerInstitution(first, "First", InstitutionClass.B),
        f.registerInstitution(second, "Second", InstitutionClass.B));
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, server, first));
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, server, null));
    ValidationResult<VerifiedBlock> v = f.ledger.validate(f.rawBlock(List.of(
        f.membership(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, server, second),
        f.removeInstitution(second))));
    assertFalse(v.isAccepted(), "validated");
    assertTrue(v.reason().contains("still operates the listed audit_server"), v.reason());
  }

  @Test
  void aReplayRecordsTheNewOperatorToo() {
    ReAdded r = reAdd(ChainFixture.builder().federationServers(4).auditServers(4).build(), ParticipantKind.AUDIT_SERVER);
    ChainFixture f = r.f();
    f.commit(f.removeInstitution(r.first()));
    for (Ledger.ReplayMode m : Ledger.ReplayMode.values()) {
      try (Ledger again = Ledger.builder(f.params).store(f.copyOfBlocks()).clock(f.clock)
          .certificatePolicy(CertificatePolicy.auditQuorum()).replay(m).open()) {
        assertEquals(f.ledger.tip(), again.tip());
        Participant p = again.participant(r.server().id()).orElseThrow();
        assertEquals(Optional.of(r.second().id()), p.affiliation(), m.name());
        assertTrue(p.active());
      }
    }
  }

  @Test
  void belowTheActivationHeightTheFirstOperatorStaysSoAnOlderChainReplays() {
    // genesis, the institutions, add, remove and add again are blocks 0 to 4: the rule binds from 6
    ReAdded r = reAdd(ChainFixture.builder().federationServers(4).auditServers(4).reusedKeysFrom(6).build(),
        ParticipantKind.AUDIT_SERVER);
    ChainFixture old = r.f();
    assertEquals(Optional.of(r.first().id()), listedOperator(old, r.server()));
    old.commit(old.removeInstitution(r.second())); // block 5: what the old rule let through
    assertEquals(6, old.ledger.height() + 1);
    try (Ledger again = old.replayed(old.params)) {
      assertEquals(old.ledger.tip(), again.tip());
      assertEquals(Optional.of(r.first().id()), again.participant(r.server().id()).orElseThrow().affiliation());
    }
    LedgerReplayException e = assertThrows(LedgerReplayException.class,
        () -> old.replayed(old.params.withReusedKeysFrom(0)));
    assertEquals(5, e.height());
    assertTrue(e.getMessage().contains("still operates the listed audit_server"), e.getMessage());
  }
}
