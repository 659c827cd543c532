package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A client's trust policy for a log's checkpoints: the origin, the log's note keys and how many of
 * them must sign, and the witnesses' cosigner keys and how many of them must cosign. Signature
 * lines from unknown keys are ignored; a line from a known key that fails to verify refuses the
 * whole note, as {@code signed-note} recommends. Signers and cosigners are counted by public key:
 * one key listed under several names counts once, however many lines carry its signature.
 *
 * <p>Immutable and thread-safe.
 *
 * @param origin the expected origin line
 * @param logKeys the log's note keys (type {@link NoteKey#ED25519})
 * @param minSignatures how many distinct log keys must sign (at least 1)
 * @param witnesses witness cosigner keys (type {@link NoteKey#COSIGNATURE_V1})
 * @param minCosignatures how many distinct witnesses must cosign (0 to trust the log alone)
 * @param maxFutureSeconds how far ahead of {@code now} a cosignature's timestamp may be
 */
public record CheckpointVerifier(String origin, List<NoteKey> logKeys, int minSignatures, List<NoteKey> witnesses,
    int minCosignatures, long maxFutureSeconds) {
  /**
   * Checks the policy.
   *
   * @throws IllegalArgumentException if a key has the wrong type, or a threshold cannot be met
   */
  public CheckpointVerifier {
    Objects.requireNonNull(origin, "origin");
    logKeys = List.copyOf(logKeys);
    witnesses = List.copyOf(witnesses);
    if (logKeys.stream().anyMatch(k -> k.type() != NoteKey.ED25519)) {
      throw new IllegalArgumentException("log keys must be Ed25519 note keys");
    }
    if (witnesses.stream().anyMatch(k -> k.type() != NoteKey.COSIGNATURE_V1)) {
      throw new IllegalArgumentException("witness keys must be cosignature/v1 keys");
    }
    int distinctLogKeys = distinctKeys(logKeys);
    if (minSignatures < 1 || minSignatures > distinctLogKeys) {
      throw new IllegalArgumentException("minSignatures must be 1.." + distinctLogKeys);
    }
    int distinctWitnesses = distinctKeys(witnesses);
    if (minCosignatures < 0 || minCosignatures > distinctWitnesses) {
      throw new IllegalArgumentException("minCosignatures must be 0.." + distinctWitnesses);
    }
    if (maxFutureSeconds < 0) {
      throw new IllegalArgumentException("maxFutureSeconds must not be negative");
    }
  }

  /** A policy trusting any one of {@code logKeys}, without witnesses. */
  public static CheckpointVerifier of(String origin, List<NoteKey> logKeys) {
    return new CheckpointVerifier(origin, logKeys, 1, List.of(), 0, 0);
  }

  /**
   * A policy trusting the federation servers of a chain: the note keys of {@code bindings} that
   * are valid server bindings ({@link NoteKeyBinding#verifyForServer}) of keys in
   * {@code federation} (the chain's membership, which the client trusts), at least
   * {@code minSignatures} of them; other bindings are ignored. Each server counts once: of its
   * valid bindings only the first is taken (an honest server has one, its note key being derived
   * from its ledger key), so one server cannot make up several of the signatures required.
   *
   * @throws IllegalArgumentException if fewer than {@code minSignatures} (at least 1) servers have a valid binding
   */
  public static CheckpointVerifier forFederation(io.medledger.crypto.Digest chainId,
      List<Ed25519PublicKey> federation, List<NoteKeyBinding> bindings, int minSignatures) {
    Map<Ed25519PublicKey, NoteKey> byServer = new LinkedHashMap<>();
    for (NoteKeyBinding b : bindings) {
      if (!byServer.containsKey(b.ledgerKey()) && federation.contains(b.ledgerKey()) && b.verifyForServer(chainId)) {
        byServer.put(b.ledgerKey(), b.noteKey());
      }
    }
    return new CheckpointVerifier(Checkpoint.originOf(chainId), List.copyOf(byServer.values()), minSignatures,
        List.of(), 0, 0);
  }

  /** How many distinct public keys {@code keys} hold. */
  private static int distinctKeys(List<NoteKey> keys) {
    return (int) keys.stream().map(NoteKey::publicKey).distinct().count();
  }

  /**
   * This policy, also requiring {@code k} cosignatures from the witnesses a chain lists
   * ({@code io.medledger.chain.Ledger#witnessesAt}); timestamps at most 60 s ahead.
   */
  public CheckpointVerifier requireListedWitnesses(List<io.medledger.chain.Witness> listed, int k) {
    return requireWitnesses(listed.stream().map(NoteKey::of).toList(), k);
  }

  /** This policy, also requiring {@code k} of {@code witnessKeys} to cosign (timestamps at most 60 s ahead). */
  public CheckpointVerifier requireWitnesses(List<NoteKey> witnessKeys, int k) {
    return new CheckpointVerifier(origin, logKeys, minSignatures, witnessKeys, k, 60);
  }

  /** This policy, requiring {@code n} distinct log signatures. */
  public CheckpointVerifier requireSignatures(int n) {
    return new CheckpointVerifier(origin, logKeys, n, witnesses, minCosignatures, maxFutureSeconds);
  }

  /**
   * Verifies a note received as bytes.
   *
   * @throws io.medledger.codec.MalformedEncodingException if the bytes are not a signed note
   */
  public CheckpointVerdict verify(byte[] note, long nowSeconds) {
    return verify(SignedNote.parse(note), nowSeconds);
  }

  /** Verifies a parsed note; {@code nowSeconds} bounds cosignature timestamps. Never throws for bad input. */
  public CheckpointVerdict verify(SignedNote note, long nowSeconds) {
    byte[] text = note.text().getBytes(StandardCharsets.UTF_8);
    List<NoteKey> signers = new ArrayList<>();
    Set<Ed25519PublicKey> signerKeys = new HashSet<>();
    List<VerifiedCheckpoint.Cosignature> cosigs = new ArrayList<>();
    Set<Ed25519PublicKey> cosigners = new HashSet<>();
    for (NoteSignature s : note.signatures()) {
      for (NoteKey k : logKeys) {
        if (k.matches(s)) {
          if (!k.publicKey().verify(text, s.signature())) {
            return CheckpointVerdict.refused(CheckpointVerdict.Reason.BAD_SIGNATURE, "signature by " + k.name()
                + " does not verify");
          }
          if (signerKeys.add(k.publicKey())) {
            signers.add(k);
          }
        }
      }
      for (NoteKey w : witnesses) {
        if (w.matches(s)) {
          byte[] sig = s.signature();
          if (sig.length != 8 + 64) {
            return CheckpointVerdict.refused(CheckpointVerdict.Reason.BAD_COSIGNATURE, "cosignature by " + w.name()
                + " is not 72 bytes");
          }
          long ts = ByteBuffer.wrap(sig).getLong();
          byte[] ed = java.util.Arrays.copyOfRange(sig, 8, sig.length);
          if (ts < 0 || !w.publicKey().verify(NoteSigner.cosignedMessage(note.text(), ts), ed)) {
            return CheckpointVerdict.refused(CheckpointVerdict.Reason.BAD_COSIGNATURE, "cosignature by " + w.name()
                + " does not verify");
          }
          if (ts > nowSeconds + maxFutureSeconds) {
            return CheckpointVerdict.refused(CheckpointVerdict.Reason.BAD_COSIGNATURE, "cosignature by " + w.name()
                + " is dated " + ts + ", in the future");
          }
          if (cosigners.add(w.publicKey())) {
            cosigs.add(new VerifiedCheckpoint.Cosignature(w, ts));
          }
        }
      }
    }
    if (signers.size() < minSignatures) {
      return CheckpointVerdict.refused(CheckpointVerdict.Reason.TOO_FEW_SIGNATURES, signers.size()
          + " valid log signatures, need " + minSignatures);
    }
    Checkpoint c;
    try {
      c = Checkpoint.parse(note.text());
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return CheckpointVerdict.refused(CheckpointVerdict.Reason.NOT_A_CHECKPOINT, e.getMessage());
    }
    if (!c.origin().equals(origin)) {
      return CheckpointVerdict.refused(CheckpointVerdict.Reason.WRONG_ORIGIN, "origin is not " + origin);
    }
    if (cosigners.size() < minCosignatures) {
      return CheckpointVerdict.refused(CheckpointVerdict.Reason.TOO_FEW_COSIGNATURES, cosigners.size()
          + " valid witness cosignatures, need " + minCosignatures);
    }
    return new CheckpointVerdict(CheckpointVerdict.Reason.VERIFIED, "verified",
        java.util.Optional.of(new VerifiedCheckpoint(c, note, List.copyOf(signers), cosigs)));
  }
}
