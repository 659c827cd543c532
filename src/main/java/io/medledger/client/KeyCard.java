package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.KeyPublication;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.pre.PublicKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * The public keys of one participant as published in the key directory: its Ed25519 key (whose
 * hash is its ledger id), its Umbral encryption key, its Umbral fragment-verifying key and, for a
 * patient, its Umbral research key (the de-identified copies of its records are sealed to it and
 * its research grants delegate from it), signed with the Ed25519 key so that nobody can substitute
 * a key for someone else.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind the participant kind
 * @param signingKey the Ed25519 key
 * @param encryptionKey the Umbral encryption key
 * @param verifyingKey the Umbral key that verifies the participant's key fragments
 * @param researchKey the Umbral research key, if the participant has one (patients whose keys
 *     were made before research keys existed have none)
 * @param signature Ed25519 signature over the other fields
 */
public record KeyCard(ParticipantKind kind, Ed25519PublicKey signingKey, PublicKey encryptionKey,
    PublicKey verifyingKey, Optional<PublicKey> researchKey, ByteString signature) {
  private static final byte[] TAG = "medledger/key-card/v1\0".getBytes(StandardCharsets.US_ASCII);
  /** The tag of a card with a research key; a card without one is signed as before research keys. */
  private static final byte[] TAG_RESEARCH = "medledger/key-card/v2\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * Checks for nulls.
   *
   * @throws IllegalArgumentException if the research key equals the encryption or verifying key
   */
  public KeyCard {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(signingKey, "signingKey");
    Objects.requireNonNull(encryptionKey, "encryptionKey");
    Objects.requireNonNull(verifyingKey, "verifyingKey");
    Objects.requireNonNull(researchKey, "researchKey");
    Objects.requireNonNull(signature, "signature");
    if (researchKey.filter(r -> r.equals(encryptionKey) || r.equals(verifyingKey)).isPresent()) {
      throw new IllegalArgumentException("a research key must differ from the encryption and verifying keys");
    }
  }

  /** A card without a research key. */
  public KeyCard(ParticipantKind kind, Ed25519PublicKey signingKey, PublicKey encryptionKey, PublicKey verifyingKey,
      ByteString signature) {
    this(kind, signingKey, encryptionKey, verifyingKey, Optional.empty(), signature);
  }

  static KeyCard sign(Identity id) {
    Optional<PublicKey> research = id.researchPublicKey();
    byte[] msg = message(id.kind(), id.publicKey(), id.encryptionPublicKey(), id.fragmentVerifyingKey(), research);
    return new KeyCard(id.kind(), id.publicKey(), id.encryptionPublicKey(), id.fragmentVerifyingKey(), research,
        ByteString.of(id.secretSigningKey().sign(msg)));
  }

  /**
   * The key the de-identified copies of this participant's records are sealed to, and its research
   * grants delegate from: the research key, or the encryption key if it has none.
   */
  public PublicKey deidentifiedKey() {
    return researchKey.orElse(encryptionKey);
  }

  /**
   * Whether this card may replace {@code inForce}, the card published before it: only as the
   * one-time research-key upgrade of a patient, which adds a research key to a card without one
   * and keeps every other key, so no key is substituted (the signature is not checked here).
   */
  public boolean addsResearchKeyTo(KeyCard inForce) {
    return kind == ParticipantKind.PATIENT && inForce.kind == kind && inForce.researchKey.isEmpty()
        && researchKey.isPresent() && signingKey.equals(inForce.signingKey)
        && encryptionKey.equals(inForce.encryptionKey) && verifyingKey.equals(inForce.verifyingKey);
  }

  /**
   * Whether this card holds the keys {@code p} publishes on the ledger for the same participant:
   * the encryption, verifying and research keys alike (a research key on one side only disagrees).
   */
  public boolean agreesWith(KeyPublication p) {
    return p.participant().equals(id()) && p.encryptionPublicKey().equals(encryptionKey)
        && p.verifyingPublicKey().equals(verifyingKey) && p.researchPublicKey().equals(researchKey);
  }

  /** The participant's ledger id. */
  public ParticipantId id() {
    return ParticipantId.of(signingKey);
  }

  /** Whether the signature verifies. */
  public boolean verify() {
    return signingKey.verify(message(kind, signingKey, encryptionKey, verifyingKey, researchKey),
        signature.toByteArray());
  }

  private static byte[] message(ParticipantKind kind, Ed25519PublicKey k, PublicKey enc, PublicKey ver,
      Optional<PublicKey> research) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(research.isPresent() ? TAG_RESEARCH : TAG);
    b.write(kind.ordinal());
    b.writeBytes(k.toBytes());
    b.writeBytes(enc.toBytes());
    b.writeBytes(ver.toBytes());
    research.ifPresent(r -> b.writeBytes(r.toBytes()));
    return b.toByteArray();
  }
}
