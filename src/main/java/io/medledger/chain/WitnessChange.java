package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.List;
import java.util.Optional;

/**
 * Governance: lists or delists a transparency-log witness whose {@code tlog-cosignature}s count
 * for the chain's checkpoints. Signed by a quorum of the current federation servers (more than
 * two thirds), as a {@link MembershipChange}; a witness signs nothing on the ledger. A listing
 * needs a name and key no listed witness uses; a delisting names a listed witness exactly (name,
 * key and URL).
 *
 * <p>Immutable and thread-safe.
 *
 * @param action add (list) or remove (delist)
 * @param witness the witness
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the federation servers' signatures
 */
public record WitnessChange(MembershipChange.Operation action, Witness witness, long createdAt, List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public WitnessChange {
    Checks.notNull(action, "action");
    Checks.notNull(witness, "witness");
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.WITNESS_CHANGE;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.empty();
  }

  @Override
  public WitnessChange withEndorsements(List<Endorsement> e) {
    return new WitnessChange(action, witness, createdAt, e);
  }
}
