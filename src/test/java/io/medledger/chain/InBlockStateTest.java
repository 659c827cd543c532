package io.medledger.chain;

import static io.medledger.internal.consensus.StatementBytes.PRECOMMIT;
import static io.medledger.internal.consensus.StatementBytes.PROPOSAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state a block's later entries see: every effect of an earlier entry of the same block (a
 * record, its erasure, a published key, a revocation, a suspension, a removal from the federation)
 * counts for the entries after it. Each case is one block, validated whole; the later entry is
 * accepted or refused because of the earlier one alone.
 */
class InBlockStateTest {
  private static Block block(ChainFixture f, Entry... entries) {
    return f.rawBlock(List.of(entries));
  }

  /** Validates the block of {@code entries} and appends it (certified), or fails with the refusal. */
  private static void accepted(ChainFixture f, Entry... entries) {
    Block b = block(f, entries);
    ValidationResult<VerifiedBlock> v = f.ledger.validate(b);
    assertTrue(v.isAccepted(), () -> "refused: " + v.reason());
    assertTrue(f.ledger.append(v.value(), f.certify(b.header())).isAccepted());
    f.clock.advance(java.time.Duration.ofSeconds(1));
  }

  /** The block of {@code entries} is refused at entry {@code index} with a reason ending in {@code reason}. */
  private static void refusedAt(ChainFixture f, int index, String reason, Entry... entries) {
    ValidationResult<VerifiedBlock> v = f.ledger.validate(block(f, entries));
    assertFalse(v.isAccepted(), "expected a refusal of entry " + index);
    String prefix = "entry " + index + " (" + entries[index].kind().label() + " " + entries[index].id().toHex() + "): ";
    assertEquals(prefix + reason, v.reason());
  }

  private record Clinic(ChainFixture f, Actor alice, Actor doc, AccessGrant grant) {}

  private static Clinic clinic() {
    ChainFixture f = ChainFixture.create();
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    return new Clinic(f, alice, doc, g);
  }

  @Test
  void aRecordWrittenEarlierInTheBlockIsReadAmendedAndErasedLaterInIt() {
    Clinic c = clinic();
    ChainFixture f = c.f();
    MedicalRecord rec = f.record(c.doc(), c.alice(), f.hospitalA, "Observation", "in-block");
    MedicalRecord amend = f.amend(c.doc(), c.alice(), f.hospitalA, "Observation", "in-block v2", rec);
    AccessEvent read = f.accessEvent(c.doc(), rec, c.grant());
    // the erasure makes the read after it refer to an erased record, in the same block
    RecordErasure erase = f.erase(c.alice(), rec);
    refusedAt(f, 2, "the record was erased", rec, erase, read);
    accepted(f, rec, read, amend);
  }

  @Test
  void aSecondKeyPublicationInOneBlockIsRefused() {
    Clinic c = clinic();
    ChainFixture f = c.f();
    KeyPublication first = publication(f, c.alice());
    KeyPublication second = publication(f, c.alice());
    refusedAt(f, 1, "keys of " + c.alice().id() + " are already published", first, second);
    accepted(f, first);
  }

  private static KeyPublication publication(ChainFixture f, Actor who) {
    io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new SecureRandom());
    return f.sign(new KeyPublication(who.id(), ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()),
        ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()), f.now(), List.of()), who);
  }

  @Test
  void aRevocationAtTheBlockTimeEndsTheGrantForTheRecordsAfterItInTheBlock() {
    Clinic c = clinic();
    ChainFixture f = c.f();
    MedicalRecord rec = f.record(c.doc(), c.alice(), f.hospitalA, "Observation", "after revocation");
    // revoked at the block's own time: not in force at that time
    refusedAt(f, 1, "no active treatment grant from the patient covers this Observation by " + c.doc().id(),
        f.revoke(c.alice(), c.grant()), rec);
    accepted(f, rec, f.revoke(c.alice(), c.grant()));
  }

  @Test
  void aServerSuspendedEarlierInTheBlockCanBeReinstatedLaterInIt() {
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    f.commit(f.registerPatient(f.actor("p1")));
    Actor bad = f.auditors.get(2);
    Evidence e = f.evidence(f.federation.get(0), bad, f.statement(PRECOMMIT, f.ledger.height(), 0, "X", -1),
        f.statement(PRECOMMIT, f.ledger.height(), 0, "Y", -1));
    MembershipChange reinstate = f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, bad, null);
    refusedAt(f, 0, bad.id() + " is not suspended", reinstate, e);
    accepted(f, e, reinstate);
    assertFalse(f.ledger.membership().isSuspended(bad.id()));
    assertTrue(f.ledger.membership().isAuditServer(bad.id()));
  }

  @Test
  void aFederationServerRemovedEarlierInTheBlockNoLongerServesForTheEntriesAfterIt() {
    ChainFixture f = ChainFixture.builder().federationServers(2).auditServers(2).build();
    f.commit(f.registerPatient(f.actor("p1")));
    Actor a = f.federation.get(0);
    Actor b = f.federation.get(1);
    MembershipChange removeB = f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, b, null);
    MembershipChange removeA = f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, a, null);
    refusedAt(f, 1, "the last federation server cannot be removed", removeB, removeA);
    // Evidence against the one server left serving does not suspend it (the last of its role).
    Evidence e = f.evidence(f.auditors.get(0), a, f.statement(PROPOSAL, f.ledger.height(), 0, "X", -1),
        f.statement(PROPOSAL, f.ledger.height(), 0, "Y", -1));
    accepted(f, removeB, e);
    assertFalse(f.ledger.membership().isSuspended(a.id()));
    assertEquals(List.of(a.id()), f.ledger.membership().federationServers().stream()
        .map(io.medledger.access.Participant::id).toList());
  }
}
