package io.medledger.node;

import io.medledger.merkle.InclusionProof;
import io.medledger.tlog.NoteKeyBinding;
import io.medledger.tlog.SignedNote;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node answers a client asking for its latest checkpoint: the signed, cosigned note, the
 * note key bindings of the federation servers it knows, and an entry's inclusion proof at the
 * checkpoint's size. All unverified: a client verifies the note with
 * {@code CheckpointVerifier.forFederation(chainId, federationKeys, bindings(), n)
 * .requireListedWitnesses(witnesses, k)} and then the proof with
 * {@code VerifiedCheckpoint.includes}; {@code AnchorReceipt.withCheckpoint(note(), inclusion())}
 * puts both into a receipt.
 *
 * <p>Immutable and thread-safe.
 *
 * @param note the signed checkpoint with its signatures and cosignatures
 * @param bindings the federation servers' note key bindings
 * @param inclusion the entry's inclusion proof in the checkpoint's tree, when an entry was named and is in it
 */
public record CheckpointProof(SignedNote note, List<NoteKeyBinding> bindings, Optional<InclusionProof> inclusion) {
  /** Checks for nulls and copies. */
  public CheckpointProof {
    Objects.requireNonNull(note, "note");
    bindings = List.copyOf(bindings);
    Objects.requireNonNull(inclusion, "inclusion");
  }
}
