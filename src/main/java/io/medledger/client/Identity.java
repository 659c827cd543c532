package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.pre.EntropySource;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import io.medledger.pre.Signer;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A participant's keys: the Ed25519 key that identifies it on the ledger and signs its entries
 * (its {@link ParticipantId}, for a patient the pseudonym), the Umbral key payloads are encrypted
 * to (for patients) or re-encrypted to (for grantees and proxies), and a separate Umbral signing
 * key for key fragments. The display name stays local and never reaches the ledger.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows the kind, name and id only.
 */
public final class Identity {
  private final ParticipantKind kind;
  private final String name;
  private final Ed25519PrivateKey signingKey;
  private final SecretKey encryptionKey;
  private final SecretKey fragmentSigningKey;

  private Identity(ParticipantKind kind, String name, Ed25519PrivateKey signingKey, SecretKey encryptionKey,
      SecretKey fragmentSigningKey) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.name = Objects.requireNonNull(name, "name");
    this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
    this.encryptionKey = Objects.requireNonNull(encryptionKey, "encryptionKey");
    this.fragmentSigningKey = Objects.requireNonNull(fragmentSigningKey, "fragmentSigningKey");
  }

  /** Fresh keys from a {@link SecureRandom}. */
  public static Identity generate(ParticipantKind kind, String name) {
    return generate(kind, name, new SecureRandom());
  }

  /** Fresh keys from {@code random} (inject a seeded generator only in tests). */
  public static Identity generate(ParticipantKind kind, String name, SecureRandom random) {
    EntropySource e = EntropySource.of(random);
    return new Identity(kind, name, Ed25519PrivateKey.generate(random), SecretKey.random(e), SecretKey.random(e));
  }

  /** Rebuilds an identity from stored keys. */
  public static Identity of(ParticipantKind kind, String name, Ed25519PrivateKey signingKey, SecretKey encryptionKey,
      SecretKey fragmentSigningKey) {
    return new Identity(kind, name, signingKey, encryptionKey, fragmentSigningKey);
  }

  /** The participant kind. */
  public ParticipantKind kind() {
    return kind;
  }

  /** The local display name (never written to the ledger for people). */
  public String name() {
    return name;
  }

  /** The ledger identifier (a patient's pseudonym). */
  public ParticipantId id() {
    return ParticipantId.of(signingKey.publicKey());
  }

  /** The Ed25519 public key. */
  public Ed25519PublicKey publicKey() {
    return signingKey.publicKey();
  }

  /** The Umbral public key payloads are encrypted or re-encrypted to. */
  public PublicKey encryptionPublicKey() {
    return encryptionKey.publicKey();
  }

  /** The Umbral key that verifies this participant's key fragments. */
  public PublicKey fragmentVerifyingKey() {
    return fragmentSigningKey.publicKey();
  }

  /** The signed public part, for the key directory. */
  public KeyCard card() {
    return KeyCard.sign(this);
  }

  /**
   * The Ed25519 signing key, for the software that acts as this participant (a client signs
   * locally; a federation server signs blocks and votes). Named so that every use is greppable.
   */
  public Ed25519PrivateKey secretSigningKey() {
    return signingKey;
  }

  /** The Umbral secret key this participant decrypts or re-encrypts with. Named so every use is greppable. */
  public SecretKey secretEncryptionKey() {
    return encryptionKey;
  }

  Signer fragmentSigner() {
    return new Signer(fragmentSigningKey);
  }

  @Override
  public String toString() {
    return "Identity[" + kind.label() + " " + name + " " + id() + ", keys redacted]";
  }
}
