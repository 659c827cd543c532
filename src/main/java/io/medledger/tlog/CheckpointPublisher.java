package io.medledger.tlog;

import io.medledger.chain.BlockHeader;
import io.medledger.crypto.Digest;
import io.medledger.merkle.LeafHashLog;
import java.util.Objects;

/**
 * A federation server's side of the open log: for each certified block it signs the checkpoint of
 * the ledger-wide log (origin {@link Checkpoint#originOf}, the header's ledger size and root) with
 * its note key, after checking that the root is what its own log computes, and stores it; it
 * merges other servers' signatures and witnesses' cosignatures into the stored checkpoint, and
 * builds the consistency proofs witnesses ask for.
 *
 * <p>Thread-safe if the log is (signing and storing are synchronized by the store).
 */
public final class CheckpointPublisher {
  private final String origin;
  private final LeafHashLog log;
  private final NoteSigner signer;
  private final CheckpointStore store;

  /**
   * Creates a publisher.
   *
   * @param chainId the chain whose ledger-wide log this is
   * @param log the ledger-wide log (the same one the ledger appends to)
   * @param signer this server's note signer (type {@link NoteKey#ED25519})
   * @param store where signed checkpoints are kept
   */
  public CheckpointPublisher(Digest chainId, LeafHashLog log, NoteSigner signer, CheckpointStore store) {
    this.origin = Checkpoint.originOf(chainId);
    this.log = Objects.requireNonNull(log, "log");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.store = Objects.requireNonNull(store, "store");
    if (signer.verifierKey().type() != NoteKey.ED25519) {
      throw new IllegalArgumentException("checkpoints are signed with an Ed25519 note key");
    }
  }

  /** The log's origin line. */
  public String origin() {
    return origin;
  }

  /**
   * Signs and stores the checkpoint of {@code header}'s ledger-wide log; returns the stored note
   * with every signature gathered so far.
   *
   * @throws IllegalStateException if the header's size or root is not the log's (never signed)
   */
  public SignedNote publish(BlockHeader header) {
    long size = header.ledgerSize();
    if (size > log.size() || !log.root(size).equals(header.ledgerRoot())) {
      throw new IllegalStateException("header " + header.height() + " does not match the ledger-wide log");
    }
    Checkpoint c = new Checkpoint(origin, size, header.ledgerRoot());
    return store.put(new SignedNote(c.text(), java.util.List.of(signer.sign(c.text()))));
  }

  /**
   * Merges signature lines for a stored checkpoint (other servers' signatures, witness
   * cosignatures) after {@code policy} accepts the merged note; returns the verdict.
   */
  public CheckpointVerdict addSignatures(SignedNote note, CheckpointVerifier policy, long nowSeconds) {
    Checkpoint c = Checkpoint.parse(note.text());
    SignedNote mine = store.at(c.size()).orElse(null);
    if (mine == null || !mine.text().equals(note.text())) {
      return CheckpointVerdict.refused(CheckpointVerdict.Reason.WRONG_ORIGIN,
          "no checkpoint of this text was published for size " + c.size());
    }
    SignedNote merged = mine;
    for (NoteSignature s : note.signatures()) {
      merged = merged.with(s);
    }
    CheckpointVerdict v = policy.verify(merged, nowSeconds);
    if (v.isVerified()) {
      store.put(merged);
    }
    return v;
  }

  /**
   * The C2SP {@code tlog-witness} {@code add-checkpoint} request body for a witness that last saw
   * size {@code oldSize}: the latest checkpoint with a consistency proof from that size.
   *
   * @throws IllegalStateException if nothing was published yet
   */
  public WitnessRequest witnessRequest(long oldSize) {
    SignedNote latest = store.latest().orElseThrow(() -> new IllegalStateException("no checkpoint published yet"));
    long size = Checkpoint.parse(latest.text()).size();
    if (oldSize < 0 || oldSize > size) {
      throw new IllegalArgumentException("old size " + oldSize + " outside 0.." + size);
    }
    java.util.List<Digest> proof = oldSize == 0 || oldSize == size ? java.util.List.of()
        : log.consistencyProof(oldSize, size).path();
    return new WitnessRequest(oldSize, proof, latest);
  }

  /** The store. */
  public CheckpointStore store() {
    return store;
  }
}
