package io.medledger.tlog;

import java.util.List;

/**
 * A checkpoint whose note a {@link CheckpointVerifier} accepted: enough log signatures and
 * witness cosignatures from the keys of its policy. Only the verifier creates instances.
 *
 * <p>Immutable and thread-safe.
 */
public final class VerifiedCheckpoint {
  /** A verified witness cosignature: the witness key and the time it claims (POSIX seconds). */
  public record Cosignature(NoteKey witness, long timestamp) {}

  private final Checkpoint checkpoint;
  private final SignedNote note;
  private final List<NoteKey> signers;
  private final List<Cosignature> cosignatures;

  VerifiedCheckpoint(Checkpoint checkpoint, SignedNote note, List<NoteKey> signers, List<Cosignature> cosignatures) {
    this.checkpoint = checkpoint;
    this.note = note;
    this.signers = List.copyOf(signers);
    this.cosignatures = List.copyOf(cosignatures);
  }

  /** The checkpoint. */
  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /** The note as received (with every signature line, verified or ignored). */
  public SignedNote note() {
    return note;
  }

  /** The log keys whose signatures verified. */
  public List<NoteKey> signers() {
    return signers;
  }

  /** The witness cosignatures that verified. */
  public List<Cosignature> cosignatures() {
    return cosignatures;
  }

  @Override
  public String toString() {
    return "VerifiedCheckpoint[" + checkpoint.origin() + " size=" + checkpoint.size() + ", signers=" + signers.size()
        + ", cosignatures=" + cosignatures.size() + "]";
  }
}
