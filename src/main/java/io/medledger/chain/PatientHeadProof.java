package io.medledger.chain;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.util.List;
import java.util.Optional;

/**
 * Proof of what a header's {@code patientHeadsRoot} maps one key to: the hash of the key's latest
 * sub-block, or nothing (the key has no entries yet). The proof lists the sibling hashes from the
 * root down to where the key's path ends, and the leaf found there (absent for an empty slot).
 *
 * <p>Immutable and thread-safe.
 *
 * @param key the patient's pseudonym digest (or {@link SubBlockHeader#NO_PATIENT})
 * @param siblings sibling hashes from the root down (at most 256)
 * @param leafKey the key of the leaf at the end of the path, or null for an empty slot
 * @param leafValue that leaf's value, or null
 */
public record PatientHeadProof(Digest key, List<Digest> siblings, Digest leafKey, Digest leafValue) {
  /** Validates the shape. */
  public PatientHeadProof {
    Checks.notNull(key, "key");
    siblings = Checks.list(siblings, "siblings", 256);
    if ((leafKey == null) != (leafValue == null)) {
      throw new IllegalArgumentException("leaf key and value are both present or both absent");
    }
  }

  /**
   * Checks the proof against {@code patientHeadsRoot} for {@code expectedKey} and returns the
   * latest sub-block hash of that key: a present optional for a member, empty for a proven
   * non-member; null if the proof is about another key or does not match the root.
   */
  public Optional<Digest> verify(Digest expectedKey, Digest patientHeadsRoot) {
    return key.equals(expectedKey) ? verify(patientHeadsRoot) : null;
  }

  /**
   * Checks the proof against {@code patientHeadsRoot} and returns the latest sub-block hash of
   * {@link #key()}: a present optional for a member, empty for a proven non-member; null if the
   * proof does not match the root. The answer is about the proof's own key, which a prover
   * chooses: a proof for another key verifies too, as a proof about that key. To ask about one
   * key, use {@link #verify(Digest, Digest)}.
   */
  public Optional<Digest> verify(Digest patientHeadsRoot) {
    int depth = siblings.size();
    if (leafKey != null && !leafKey.equals(key)) {
      for (int i = 0; i < depth; i++) {
        if (HeadsTree.bit(leafKey, i) != HeadsTree.bit(key, i)) {
          return null;
        }
      }
    }
    Digest h = leafKey == null ? HeadsTree.EMPTY : Sha256.hashPrefixed(HeadsTree.LEAF, leafKey, leafValue);
    for (int i = depth - 1; i >= 0; i--) {
      Digest s = siblings.get(i);
      h = HeadsTree.bit(key, i) == 0 ? Sha256.hashPrefixed(HeadsTree.NODE, h, s) : Sha256.hashPrefixed(HeadsTree.NODE, s, h);
    }
    if (!h.equals(patientHeadsRoot)) {
      return null;
    }
    return leafKey != null && leafKey.equals(key) ? Optional.of(leafValue) : Optional.empty();
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** The canonical encoding. */
  public byte[] encode() {
    return Codecs.encode(this::write);
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws MalformedEncodingException if the bytes are not one valid proof
   */
  public static PatientHeadProof decode(byte[] bytes) {
    return Codecs.decode(bytes, 16384, "patient head proof", PatientHeadProof::read);
  }

  /**
   * Parses the JSON view.
   *
   * @throws MalformedEncodingException if the text is not one valid proof
   */
  public static PatientHeadProof fromJson(String json) {
    return Codecs.fromJson(json, 65536, "patient head proof", PatientHeadProof::read);
  }

  void write(FieldWriter w) {
    w.digest("key", key);
    w.digestList("siblings", siblings);
    w.optionalDigest("leafKey", leafKey);
    w.optionalDigest("leafValue", leafValue);
  }

  static PatientHeadProof read(FieldReader r) {
    Digest k = r.digest("key");
    List<Digest> s = r.digestList("siblings", 256);
    Digest lk = r.optionalDigest("leafKey");
    Digest lv = r.optionalDigest("leafValue");
    return Codecs.guard("patient head proof", () -> new PatientHeadProof(k, s, lk, lv));
  }
}
