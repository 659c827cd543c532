package io.medledger.chain;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Ed25519Signatures;

/**
 * One Ed25519 signature with the key that made it. Entries carry the signer's key so their
 * signatures can be checked without the ledger state (and in parallel); validation then checks
 * that the key belongs to a participant entitled to sign.
 *
 * <p>Immutable and thread-safe.
 *
 * @param signer the public key
 * @param signature the 64-byte signature
 */
public record Endorsement(Ed25519PublicKey signer, ByteString signature) implements Comparable<Endorsement> {
  /** Checks the signature length. */
  public Endorsement {
    Checks.notNull(signer, "signer");
    Checks.notNull(signature, "signature");
    if (signature.size() != Ed25519Signatures.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 signature is 64 bytes");
    }
  }

  /** Signs {@code message} with {@code key}. */
  public static Endorsement sign(Ed25519PrivateKey key, byte[] message) {
    return new Endorsement(key.publicKey(), ByteString.of(key.sign(message)));
  }

  /** Whether the signature is valid over {@code message}; false, never an exception, if not. */
  public boolean verify(byte[] message) {
    return signer.verify(message, signature.toByteArray());
  }

  /** Orders by the signer's key bytes (the canonical order in an entry or certificate). */
  @Override
  public int compareTo(Endorsement o) {
    return java.util.Arrays.compareUnsigned(signer.toBytes(), o.signer.toBytes());
  }
}
