package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.pre.SecretKey;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A participant's secret keys as a key store or an identity export seals them: 96 bytes, the
 * Ed25519 ledger seed, then the Umbral encryption key, then the Umbral fragment-signing key, and
 * for a patient with a research key 32 more, the Umbral research key. Every intermediate copy of a
 * secret made here is wiped. Immutable and thread-safe.
 *
 * @param ledgerKey the Ed25519 ledger (signing) key
 * @param encryptionKey the Umbral key payloads and fragments are encrypted to
 * @param fragmentSigningKey the Umbral key that signs key fragments
 * @param researchKey the Umbral key de-identified copies are sealed to, if the participant has one
 */
public record SealedKeys(Ed25519PrivateKey ledgerKey, SecretKey encryptionKey, SecretKey fragmentSigningKey,
    Optional<SecretKey> researchKey) {
  /** Length of the sealed secret without a research key. */
  public static final int LENGTH = 3 * 32;
  /** Length of the sealed secret with a research key. */
  public static final int LENGTH_WITH_RESEARCH = 4 * 32;

  /** Keys from their parts. */
  public SealedKeys {
    Objects.requireNonNull(ledgerKey, "ledgerKey");
    Objects.requireNonNull(encryptionKey, "encryptionKey");
    Objects.requireNonNull(fragmentSigningKey, "fragmentSigningKey");
    Objects.requireNonNull(researchKey, "researchKey");
  }

  /** Keys without a research key. */
  public SealedKeys(Ed25519PrivateKey ledgerKey, SecretKey encryptionKey, SecretKey fragmentSigningKey) {
    this(ledgerKey, encryptionKey, fragmentSigningKey, Optional.empty());
  }

  /**
   * The keys in {@code secret} (96 bytes, or 128 with a research key; left to the caller to wipe).
   *
   * @throws MalformedEncodingException if its length is wrong or a part is not a valid key
   */
  public static SealedKeys fromSecretBytes(byte[] secret) {
    if (secret.length != LENGTH && secret.length != LENGTH_WITH_RESEARCH) {
      throw new MalformedEncodingException("the sealed keys are " + LENGTH + " or " + LENGTH_WITH_RESEARCH
          + " bytes, not " + secret.length);
    }
    byte[] part = new byte[32];
    Ed25519PrivateKey l = null;
    SecretKey e = null;
    SecretKey f = null;
    try {
      System.arraycopy(secret, 0, part, 0, 32);
      l = Ed25519PrivateKey.fromSeed(part);
      System.arraycopy(secret, 32, part, 0, 32);
      e = SecretKey.fromSecretBytes(part);
      System.arraycopy(secret, 64, part, 0, 32);
      f = SecretKey.fromSecretBytes(part);
      Optional<SecretKey> r = Optional.empty();
      if (secret.length == LENGTH_WITH_RESEARCH) {
        System.arraycopy(secret, 96, part, 0, 32);
        r = Optional.of(SecretKey.fromSecretBytes(part));
      }
      return new SealedKeys(l, e, f, r);
    } catch (RuntimeException x) {
      if (l != null) {
        l.destroy();
      }
      if (e != null) {
        e.destroy();
      }
      if (f != null) {
        f.destroy();
      }
      throw x;
    } finally {
      Arrays.fill(part, (byte) 0);
    }
  }

  /** The 96 bytes (128 with a research key) to seal, in a fresh array the caller must wipe. */
  public byte[] toSecretBytes() {
    byte[][] parts = researchKey.isPresent()
        ? new byte[][] {ledgerKey.exportSecretBytes(), encryptionKey.exportSecretBytes(),
            fragmentSigningKey.exportSecretBytes(), researchKey.get().exportSecretBytes()}
        : new byte[][] {ledgerKey.exportSecretBytes(), encryptionKey.exportSecretBytes(),
            fragmentSigningKey.exportSecretBytes()};
    byte[] secret = new byte[32 * parts.length];
    for (int i = 0; i < parts.length; i++) {
      System.arraycopy(parts[i], 0, secret, 32 * i, 32);
      Arrays.fill(parts[i], (byte) 0);
    }
    return secret;
  }

  @Override
  public String toString() {
    return "SealedKeys[" + ledgerKey.publicKey().toHex() + ", secrets redacted]";
  }
}
