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
  public record Cosignature(NoteKey witness, long timestamp) {
    /** Checks that no required component is null. */
    public Cosignature {
      java.util.Objects.requireNonNull(witness, "witness");
    }
  }

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

  /**
   * Whether {@code proof} shows that {@code leafHash} is leaf {@code proof.leafIndex()} of this
   * checkpoint's tree (the proof's tree size must be the checkpoint's); false on any mismatch.
   */
  public boolean includes(io.medledger.crypto.Digest leafHash, io.medledger.merkle.InclusionProof proof) {
    return proof.treeSize() == checkpoint.size() && proof.verify(leafHash, checkpoint.root());
  }

  /**
   * Whether {@code proof} shows that this checkpoint's tree extends {@code older}'s (same origin,
   * sizes as in the proof); false on any mismatch.
   */
  public boolean extendsFrom(VerifiedCheckpoint older, io.medledger.merkle.ConsistencyProof proof) {
    Checkpoint o = older.checkpoint;
    if (!o.origin().equals(checkpoint.origin()) || o.size() > checkpoint.size()) {
      return false;
    }
    if (o.size() == checkpoint.size()) {
      return o.root().equals(checkpoint.root());
    }
    return proof.size1() == o.size() && proof.size2() == checkpoint.size() && proof.verify(o.root(), checkpoint.root());
  }

  @Override
  public String toString() {
    return "VerifiedCheckpoint[" + checkpoint.origin() + " size=" + checkpoint.size() + ", signers=" + signers.size()
        + ", cosignatures=" + cosignatures.size() + "]";
  }
}
