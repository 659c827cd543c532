package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Governance: adds or removes a federation server, an audit server or a regulator, or reinstates
 * a server that evidence suspended. Signed by a quorum of the current (serving) federation servers
 * (more than two thirds); an addition is also signed by the new member. While the federation is empty (genesis) an addition needs only the new
 * member's signature. Servers name the institution that operates them.
 *
 * <p>Immutable and thread-safe.
 *
 * @param action add, remove or reinstate
 * @param role {@link ParticipantKind#FEDERATION_SERVER}, {@link ParticipantKind#AUDIT_SERVER} or
 *     {@link ParticipantKind#REGULATOR}
 * @param memberKey the member's public key
 * @param operator the operating institution, present exactly for a server addition
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the signatures
 */
public record MembershipChange(
    Operation action,
    ParticipantKind role,
    Ed25519PublicKey memberKey,
    Optional<ParticipantId> operator,
    long createdAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Addition or removal; the ordinal is the binary code. */
  public enum Operation {
    /** Admit the member. */
    ADD,
    /** Remove the member. */
    REMOVE,
    /**
     * Reinstate a server suspended by evidence: it proposes and votes again from the height after
     * the block holding this entry.
     */
    REINSTATE;

    static final List<String> LABELS = List.of("add", "remove", "reinstate");

    /** The JSON label. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Validates the fields. */
  public MembershipChange {
    Checks.notNull(action, "action");
    Checks.notNull(role, "role");
    if (role != ParticipantKind.FEDERATION_SERVER && role != ParticipantKind.AUDIT_SERVER
        && role != ParticipantKind.REGULATOR) {
      throw new IllegalArgumentException("membership covers federation servers, audit servers and regulators");
    }
    Checks.notNull(memberKey, "memberKey");
    Checks.notNull(operator, "operator");
    boolean needsOperator = action == Operation.ADD && role != ParticipantKind.REGULATOR;
    if (operator.isPresent() != needsOperator) {
      throw new IllegalArgumentException("an operator is named exactly when a server is added");
    }
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  /** The member's id. */
  public ParticipantId member() {
    return ParticipantId.of(memberKey);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.MEMBERSHIP_CHANGE;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public MembershipChange withEndorsements(List<Endorsement> e) {
    return new MembershipChange(action, role, memberKey, operator, createdAt, e);
  }
}
