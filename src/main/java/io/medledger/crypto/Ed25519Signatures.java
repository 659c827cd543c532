package io.medledger.crypto;

import io.medledger.codec.MalformedEncodingException;
import java.security.SecureRandom;
import java.util.List;

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

  /**
   * Verifies many signatures together: true if every {@code signatures.get(i)} verifies over
   * {@code messages.get(i)} under {@code keys.get(i)} by {@link Ed25519PublicKey#verify}, false
   * if any does not (a false "true" has probability below 2^-128, over the choices of
   * {@code random}). One multi-scalar multiplication checks a random linear combination of the
   * signatures' cofactored equations, which costs less than checking them one at a time from
   * about eight signatures on. A false result does not say which signature failed: check them
   * one at a time for that.
   *
   * @param random the source of the combination's 128-bit multipliers; it must be unpredictable
   *     to whoever chose the signatures
   * @throws IllegalArgumentException if the three lists differ in length
   */
  public static boolean verifyAll(List<Ed25519PublicKey> keys, List<byte[]> messages,
      List<byte[]> signatures, SecureRandom random) {
    if (random == null) {
      throw new IllegalArgumentException("batch verification needs a SecureRandom");
    }
    try {
      return Ed25519Batch.check(keys, messages, signatures, random);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
