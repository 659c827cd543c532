package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.pre.SecretKey;
import java.util.Arrays;
import java.util.Objects;

/**
 * A participant's three secret keys as a key store or an identity export seals them: 96 bytes, the
 * Ed25519 ledger seed, then the Umbral encryption key, then the Umbral fragment-signing key. Every
 * intermediate copy of a secret made here is wiped. Immutable and thread-safe.
 *
 * @param ledgerKey the Ed25519 ledger (signing) key
 * @param encryptionKey the Umbral key payloads and fragments are encrypted to
 * @param fragmentSigningKey the Umbral key that signs key fragments
 */
public record SealedKeys(Ed25519PrivateKey ledgerKey, SecretKey encryptionKey, SecretKey fragmentSigningKey) {
  /** Length of the sealed secret. */
  public static final int LENGTH = 3 * 32;

  /** Keys from their parts. */
  public SealedKeys {
    Objects.requireNonNull(ledgerKey, "ledgerKey");
    Objects.requireNonNull(encryptionKey, "encryptionKey");
    Objects.requireNonNull(fragmentSigningKey, "fragmentSigningKey");
  }

  /**
   * The keys in {@code secret} (96 bytes, left to the caller to wipe).
   *
   * @throws MalformedEncodingException if its length is wrong or a part is not a valid key
   */
  public static SealedKeys fromSecretBytes(byte[] secret) {
    if (secret.length != LENGTH) {
      throw new MalformedEncodingException("the sealed keys are " + LENGTH + " bytes, not " + secret.length);
    }
    byte[] part = new byte[32];
    Ed25519PrivateKey l = null;
    SecretKey e = null;
    try {
      System.arraycopy(secret, 0, part, 0, 32);
      l = Ed25519PrivateKey.fromSeed(part);
      System.arraycopy(secret, 32, part, 0, 32);
      e = SecretKey.fromSecretBytes(part);
      System.arraycopy(secret, 64, part, 0, 32);
      return new SealedKeys(l, e, SecretKey.fromSecretBytes(part));
    } catch (RuntimeException x) {
      if (l != null) {
        l.destroy();
      }
      if (e != null) {
        e.destroy();
      }
      throw x;
    } finally {
      Arrays.fill(part, (byte) 0);
    }
  }

  /** The 96 bytes to seal, in a fresh array the caller must wipe. */
  public byte[] toSecretBytes() {
    byte[] secret = new byte[LENGTH];
    byte[][] parts = {ledgerKey.exportSecretBytes(), encryptionKey.exportSecretBytes(), fragmentSigningKey.exportSecretBytes()};
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
