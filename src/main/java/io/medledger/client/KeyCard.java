package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.pre.PublicKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The public keys of one participant as published in the key directory: its Ed25519 key (whose
 * hash is its ledger id), its Umbral encryption key and its Umbral fragment-verifying key, signed
 * with the Ed25519 key so that nobody can substitute a key for someone else.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind the participant kind
 * @param signingKey the Ed25519 key
 * @param encryptionKey the Umbral encryption key
 * @param verifyingKey the Umbral key that verifies the participant's key fragments
 * @param signature Ed25519 signature over the other fields
 */
public record KeyCard(ParticipantKind kind, Ed25519PublicKey signingKey, PublicKey encryptionKey,
    PublicKey verifyingKey, ByteString signature) {
  private static final byte[] TAG = "medledger/key-card/v1\0".getBytes(StandardCharsets.US_ASCII);

  /** Checks for nulls. */
  public KeyCard {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(signingKey, "signingKey");
    Objects.requireNonNull(encryptionKey, "encryptionKey");
    Objects.requireNonNull(verifyingKey, "verifyingKey");
    Objects.requireNonNull(signature, "signature");
  }

  static KeyCard sign(Identity id) {
    byte[] msg = message(id.kind(), id.publicKey(), id.encryptionPublicKey(), id.fragmentVerifyingKey());
    return new KeyCard(id.kind(), id.publicKey(), id.encryptionPublicKey(), id.fragmentVerifyingKey(),
        ByteString.of(id.secretSigningKey().sign(msg)));
  }

  /** The participant's ledger id. */
  public ParticipantId id() {
    return ParticipantId.of(signingKey);
  }

  /** Whether the signature verifies. */
  public boolean verify() {
    return signingKey.verify(message(kind, signingKey, encryptionKey, verifyingKey), signature.toByteArray());
  }

  private static byte[] message(ParticipantKind kind, Ed25519PublicKey k, PublicKey enc, PublicKey ver) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(TAG);
    b.write(kind.ordinal());
    b.writeBytes(k.toBytes());
    b.writeBytes(enc.toBytes());
    b.writeBytes(ver.toBytes());
    return b.toByteArray();
  }
}
