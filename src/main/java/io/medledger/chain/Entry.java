package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A ledger entry: one of a closed family of signed statements. An entry value is only data; its
 * signatures and authorization are checked when a block holding it is validated
 * ({@link Ledger#validate}), so an entry read from outside is unverified until then.
 *
 * <p>The canonical encoding is the <em>content</em> (version, kind, fields) followed by the
 * endorsements. The {@link #id() id} hashes the content only; signers sign
 * {@link #signingMessage(Digest)}, which binds the content to one chain; the Merkle leaf is the
 * whole encoding, so inclusion proofs also cover the signatures.
 *
 * <p>All implementations are immutable records and thread-safe.
 */
public sealed interface Entry
    permits MedicalRecord, AccessGrant, AccessRevocation, AccessEvent, PatientRegistration,
        InstitutionRegistration, AffiliateRegistration, AffiliateRemoval, MembershipChange, Anchor, Evidence, RecordErasure,
        KeyPublication, WitnessChange, InstitutionRemoval {

  /** The kind. */
  EntryKind kind();

  /** When the entry was made, milliseconds since the epoch. */
  long createdAt();

  /** The signatures, sorted by signer key. */
  List<Endorsement> endorsements();

  /** The patient whose sub-block holds this entry, or empty for entries about no patient. */
  Optional<ParticipantId> subject();

  /** The same content with other signatures. */
  Entry withEndorsements(List<Endorsement> endorsements);

  /** The canonical encoding (content and endorsements). */
  default byte[] encode() {
    return EntryCodec.encode(this);
  }

  /** The canonical encoding of the content alone (what the signatures cover, with the chain id). */
  default byte[] contentBytes() {
    return EntryCodec.encodeContent(this);
  }

  /** The entry id: SHA-256 of the content bytes (signatures excluded). */
  default Digest id() {
    return EntryCodec.id(contentBytes());
  }

  /** The RFC 9162 leaf hash of the whole encoding. */
  default Digest leafHash() {
    return EntryCodec.leafHash(encode());
  }

  /** The message a signer signs for chain {@code chainId}. */
  default byte[] signingMessage(Digest chainId) {
    return EntryCodec.signingMessage(chainId, contentBytes());
  }

  /** The JSON view. */
  default String toJson() {
    return EntryCodec.toJson(this, false);
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws io.medledger.codec.MalformedEncodingException if the bytes are not one valid entry
   */
  static Entry decode(byte[] encoded) {
    return EntryCodec.decode(encoded);
  }

  /**
   * Parses the JSON view.
   *
   * @throws io.medledger.codec.MalformedEncodingException if the text is not one valid entry
   */
  static Entry fromJson(String json) {
    return EntryCodec.fromJson(json);
  }

  /**
   * Returns {@code entry} with signatures by {@code keys} added for chain {@code chainId}
   * (existing signatures are kept; the result is in canonical order).
   */
  @SuppressWarnings("unchecked")
  static <E extends Entry> E sign(E entry, Digest chainId, Ed25519PrivateKey... keys) {
    byte[] msg = entry.signingMessage(chainId);
    List<Endorsement> all = new ArrayList<>(entry.endorsements());
    for (Ed25519PrivateKey k : keys) {
      all.removeIf(e -> e.signer().equals(k.publicKey()));
      all.add(Endorsement.sign(k, msg));
    }
    all.sort(null);
    return (E) entry.withEndorsements(all);
  }
}
