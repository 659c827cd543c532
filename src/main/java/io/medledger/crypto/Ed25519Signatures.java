package io.medledger.crypto;

import io.medledger.codec.MalformedEncodingException;

/**
 * Ed25519 verification over raw bytes, for data whose key has not been decoded yet.
 *
 * <p>Thread-safe: stateless.
 */
public final class Ed25519Signatures {
  /** Length of a signature in bytes. */
  public static final int SIGNATURE_LENGTH = 64;

  private Ed25519Signatures() {}

  /**
   * Verifies {@code signature} over {@code message} under the raw 32-byte {@code publicKey}.
   * Returns false, never throws, when the key or signature is malformed.
   */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    Ed25519PublicKey key;
    try {
      key = Ed25519PublicKey.fromBytes(publicKey);
    } catch (MalformedEncodingException e) {
      return false;
    }
    return key.verify(message, signature);
  }
}
