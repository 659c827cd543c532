package io.medledger.pre;

import java.util.Objects;

/**
 * The output of {@link Umbral#encrypt}: the capsule (to be re-encrypted by proxies) and the
 * ciphertext {@code nonce(24) ‖ XChaCha20-Poly1305 body ‖ tag(16)}.
 *
 * <p>Immutable (arrays are copied) and thread-safe.
 *
 * @param capsule the capsule
 * @param ciphertext the ciphertext
 */
public record EncryptionResult(Capsule capsule, byte[] ciphertext) {
  /** Copies the ciphertext. */
  public EncryptionResult {
    Objects.requireNonNull(capsule, "capsule");
    ciphertext = ciphertext.clone();
  }

  /** The ciphertext (a copy). */
  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncryptionResult r && capsule.equals(r.capsule)
        && java.util.Arrays.equals(ciphertext, r.ciphertext);
  }

  @Override
  public int hashCode() {
    return capsule.hashCode() * 31 + java.util.Arrays.hashCode(ciphertext);
  }

  @Override
  public String toString() {
    return "EncryptionResult[" + capsule + ", " + ciphertext.length + " ciphertext bytes]";
  }
}
