package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.PassphraseSeal;
import io.medledger.internal.node.SealedKeys;
import io.medledger.pre.EntropySource;
import io.medledger.pre.PublicKey;
import io.medledger.pre.SecretKey;
import io.medledger.pre.Signer;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A participant's keys: the Ed25519 key that identifies it on the ledger and signs its entries
 * (its {@link ParticipantId}, for a patient the pseudonym), the Umbral key payloads are encrypted
 * to (for patients) or re-encrypted to (for grantees and proxies), a separate Umbral signing key
 * for key fragments and, for a patient, a separate Umbral research key: the de-identified copies of
 * its records are sealed to it and its research grants delegate from it, so that no research
 * grant's fragments can re-encrypt a full payload. The display name stays local and never reaches
 * the ledger.
 *
 * <p>{@link #destroy()} wipes the secret keys; from then on signing, decrypting and exporting
 * throw {@link IllegalStateException}. Thread-safe; apart from the one-way destruction, immutable.
 * {@link #toString()} shows the kind, name and id only.
 */
public final class Identity implements javax.security.auth.Destroyable {
  private static final byte[] EXPORT_MAGIC = "MLID".getBytes(StandardCharsets.US_ASCII);
  private static final int EXPORT_VERSION = 1;
  /** The export version of an identity with a research key (its sealed secret is 32 bytes longer). */
  private static final int EXPORT_VERSION_RESEARCH = 2;
  private static final int MAX_NAME = 1024;
  private final ParticipantKind kind;
  private final String name;
  private final Ed25519PrivateKey signingKey;
  private final SecretKey encryptionKey;
  private final SecretKey fragmentSigningKey;
  private final Optional<SecretKey> researchKey;

  private Identity(ParticipantKind kind, String name, Ed25519PrivateKey signingKey, SecretKey encryptionKey,
      SecretKey fragmentSigningKey, Optional<SecretKey> researchKey) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.name = Objects.requireNonNull(name, "name");
    this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
    this.encryptionKey = Objects.requireNonNull(encryptionKey, "encryptionKey");
    this.fragmentSigningKey = Objects.requireNonNull(fragmentSigningKey, "fragmentSigningKey");
    this.researchKey = Objects.requireNonNull(researchKey, "researchKey");
    if (researchKey.filter(r -> r.equals(encryptionKey) || r.equals(fragmentSigningKey)).isPresent()) {
      throw new IllegalArgumentException("a research key must differ from the encryption and fragment-signing keys");
    }
  }

  /** Fresh keys from a {@link SecureRandom}. */
  public static Identity generate(ParticipantKind kind, String name) {
    return generate(kind, name, new SecureRandom());
  }

  /**
   * Fresh keys from {@code random} (inject a seeded generator only in tests); a patient also gets a
   * research key.
   */
  public static Identity generate(ParticipantKind kind, String name, SecureRandom random) {
    EntropySource e = EntropySource.of(random);
    Ed25519PrivateKey ledger = Ed25519PrivateKey.generate(random);
    SecretKey enc = SecretKey.random(e);
    SecretKey frag = SecretKey.random(e);
    return new Identity(kind, name, ledger, enc, frag,
        kind == ParticipantKind.PATIENT ? Optional.of(SecretKey.random(e)) : Optional.empty());
  }

  /** Rebuilds an identity from stored keys, without a research key. */
  public static Identity of(ParticipantKind kind, String name, Ed25519PrivateKey signingKey, SecretKey encryptionKey,
      SecretKey fragmentSigningKey) {
    return new Identity(kind, name, signingKey, encryptionKey, fragmentSigningKey, Optional.empty());
  }

  /**
   * Rebuilds an identity from stored keys, with a research key.
   *
   * @throws IllegalArgumentException if the research key equals the encryption or fragment-signing key
   */
  public static Identity of(ParticipantKind kind, String name, Ed25519PrivateKey signingKey, SecretKey encryptionKey,
      SecretKey fragmentSigningKey, SecretKey researchKey) {
    return new Identity(kind, name, signingKey, encryptionKey, fragmentSigningKey,
        Optional.of(Objects.requireNonNull(researchKey, "researchKey")));
  }

  /**
   * This patient identity with a research key: itself if it holds one, else the same keys and a
   * fresh research key from a {@link SecureRandom} (for a patient whose keys predate research keys,
   * such as one imported from an export of version 1; publish it with
   * {@link PatientClient#addResearchKey()} and export the result again, or the research key is lost).
   * The two identities share the other secret keys: destroying either wipes them for both.
   *
   * @throws IllegalArgumentException if this is not a patient identity
   * @throws IllegalStateException if the keys were destroyed
   */
  public Identity withResearchKey() {
    if (kind != ParticipantKind.PATIENT) {
      throw new IllegalArgumentException("only a patient has a research key, not a " + kind.label());
    }
    if (isDestroyed()) {
      throw new IllegalStateException("the keys of " + name + " were destroyed");
    }
    return researchKey.isPresent() ? this : new Identity(kind, name, signingKey, encryptionKey, fragmentSigningKey,
        Optional.of(SecretKey.random(EntropySource.of(new SecureRandom()))));
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

  /** The Umbral research key the de-identified copies of a patient's records are sealed to, if it has one. */
  public Optional<PublicKey> researchPublicKey() {
    return researchKey.map(SecretKey::publicKey);
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

  /**
   * The Umbral research secret key, if this identity has one: a research grant's fragments are
   * made from it. Named so every use is greppable.
   */
  public Optional<SecretKey> secretResearchKey() {
    return researchKey;
  }

  Signer fragmentSigner() {
    return new Signer(fragmentSigningKey);
  }

  /**
   * Exports the keys encrypted under {@code passphrase} (Argon2id, then AES-256-GCM), in the
   * versioned byte format described in docs/model.md ("Exported keys"). The kind and display
   * name travel in the clear but are authenticated; the secret keys are encrypted (version 1
   * without a research key, as before research keys; version 2 with one).
   */
  public byte[] exportEncrypted(char[] passphrase) {
    return exportEncrypted(passphrase, new SecureRandom());
  }

  /** {@link #exportEncrypted(char[])} with the salt and nonce drawn from {@code random}. */
  public byte[] exportEncrypted(char[] passphrase, SecureRandom random) {
    PassphraseSeal.Cost cost = PassphraseSeal.Cost.defaults();
    byte[] header = exportHeader(researchKey.isPresent() ? EXPORT_VERSION_RESEARCH : EXPORT_VERSION, kind, name, cost);
    byte[] secret = new SealedKeys(signingKey, encryptionKey, fragmentSigningKey, researchKey).toSecretBytes();
    try {
      PassphraseSeal.Sealed sealed = PassphraseSeal.seal(passphrase, secret, header, cost, random);
      ByteBuffer out = ByteBuffer.allocate(header.length + PassphraseSeal.SALT + PassphraseSeal.NONCE
          + sealed.ciphertext().length);
      return out.put(header).put(sealed.salt()).put(sealed.nonce()).put(sealed.ciphertext()).array();
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /**
   * Imports keys exported by {@link #exportEncrypted}. The Argon2id cost stored in the export
   * is bounded before use, so a crafted export cannot make the import exhaust memory.
   *
   * @throws KeyImportException if the bytes are not an export of a known version, or the
   *     passphrase does not open them
   */
  public static Identity importEncrypted(byte[] exported, char[] passphrase) {
    ByteBuffer in = ByteBuffer.wrap(exported);
    try {
      byte[] magic = new byte[EXPORT_MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, EXPORT_MAGIC)) {
        throw new KeyImportException("not a MedLedger identity export");
      }
      int version = in.get() & 0xff;
      if (version != EXPORT_VERSION && version != EXPORT_VERSION_RESEARCH) {
        throw new KeyImportException("unsupported identity export version " + version);
      }
      int k = in.get() & 0xff;
      if (k >= ParticipantKind.values().length) {
        throw new KeyImportException("unknown participant kind " + k);
      }
      int n = in.getShort() & 0xffff;
      if (n > MAX_NAME) {
        throw new KeyImportException("name longer than " + MAX_NAME + " bytes");
      }
      byte[] nameBytes = new byte[n];
      in.get(nameBytes);
      PassphraseSeal.Cost cost = new PassphraseSeal.Cost(in.getInt(), in.getInt(), in.get() & 0xff);
      int headerLength = in.position();
      byte[] salt = new byte[PassphraseSeal.SALT];
      byte[] nonce = new byte[PassphraseSeal.NONCE];
      in.get(salt).get(nonce);
      byte[] ciphertext = new byte[in.remaining()];
      in.get(ciphertext);
      int secretLength = version == EXPORT_VERSION ? SealedKeys.LENGTH : SealedKeys.LENGTH_WITH_RESEARCH;
      if (ciphertext.length != secretLength + 16) {
        throw new KeyImportException("identity export has " + ciphertext.length + " ciphertext bytes, expected "
            + (secretLength + 16));
      }
      byte[] secret = PassphraseSeal.open(passphrase, new PassphraseSeal.Sealed(cost, salt, nonce, ciphertext),
          Arrays.copyOf(exported, headerLength));
      try {
        SealedKeys keys = SealedKeys.fromSecretBytes(secret);
        return new Identity(ParticipantKind.values()[k], new String(nameBytes, StandardCharsets.UTF_8),
            keys.ledgerKey(), keys.encryptionKey(), keys.fragmentSigningKey(), keys.researchKey());
      } finally {
        Arrays.fill(secret, (byte) 0);
      }
    } catch (BufferUnderflowException e) {
      throw new KeyImportException("identity export is truncated");
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new KeyImportException("identity export is malformed: " + e.getMessage());
    } catch (PassphraseSeal.WrongPassphrase e) {
      throw new KeyImportException(e.getMessage());
    }
  }

  private static byte[] exportHeader(int version, ParticipantKind kind, String name, PassphraseSeal.Cost cost) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > MAX_NAME) {
      throw new IllegalArgumentException("a display name to export is at most " + MAX_NAME + " bytes");
    }
    return ByteBuffer.allocate(EXPORT_MAGIC.length + 1 + 1 + 2 + nameBytes.length + 4 + 4 + 1).put(EXPORT_MAGIC)
        .put((byte) version).put((byte) kind.ordinal()).putShort((short) nameBytes.length).put(nameBytes)
        .putInt(cost.memoryKib()).putInt(cost.iterations()).put((byte) cost.parallelism()).array();
  }

  /**
   * Wipes the secret keys (the public ones stay). Idempotent. Call it only once no client
   * uses this identity any more.
   */
  @Override
  public void destroy() {
    signingKey.destroy();
    encryptionKey.destroy();
    fragmentSigningKey.destroy();
    researchKey.ifPresent(SecretKey::destroy);
  }

  /** Whether {@link #destroy()} was called. */
  @Override
  public boolean isDestroyed() {
    return signingKey.isDestroyed();
  }

  @Override
  public String toString() {
    return "Identity[" + kind.label() + " " + name + " " + id() + (isDestroyed() ? ", keys destroyed]" : ", keys redacted]");
  }
}
