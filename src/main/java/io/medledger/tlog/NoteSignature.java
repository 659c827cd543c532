package io.medledger.tlog;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One signature line of a signed note, {@code — <key name> base64(key ID || signature)}, not yet
 * verified.
 *
 * <p>Immutable and thread-safe; the signature bytes are copied in and out.
 *
 * @param keyName the key name
 * @param keyId the 32-bit key ID
 * @param signature the signature bytes after the key ID (1 to {@link #MAX_SIGNATURE} bytes)
 */
public record NoteSignature(String keyName, int keyId, byte[] signature) {
  /** Longest signature accepted (room for post-quantum signatures, as the specification asks). */
  public static final int MAX_SIGNATURE = 5000;

  /**
   * Checks and copies.
   *
   * @throws IllegalArgumentException if the name is invalid or the signature empty or too long
   */
  public NoteSignature {
    NoteKey.checkName(keyName);
    Objects.requireNonNull(signature, "signature");
    if (signature.length < 1 || signature.length > MAX_SIGNATURE) {
      throw new IllegalArgumentException("signature must be 1.." + MAX_SIGNATURE + " bytes");
    }
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The line as it appears in a note, including the final newline. */
  public String line() {
    byte[] b = new byte[4 + signature.length];
    b[0] = (byte) (keyId >>> 24);
    b[1] = (byte) (keyId >>> 16);
    b[2] = (byte) (keyId >>> 8);
    b[3] = (byte) keyId;
    System.arraycopy(signature, 0, b, 4, signature.length);
    return "\u2014 " + keyName + " " + Base64.getEncoder().encodeToString(b) + "\n";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoteSignature s && s.keyName.equals(keyName) && s.keyId == keyId
        && Arrays.equals(s.signature, signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(keyName, keyId, Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return line().trim();
  }
}
