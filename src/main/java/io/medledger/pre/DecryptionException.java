package io.medledger.pre;

import io.medledger.MedLedgerException;

/**
 * Decryption did not produce a plaintext: the ciphertext was altered, the key or capsule is wrong,
 * or the capsule fragments cannot be combined. The message names the reason only, never secrets.
 */
public final class DecryptionException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** The reference's decryption and combination error cases. */
  public enum Reason {
    /** The ciphertext is shorter than its 24-byte nonce. */
    CIPHERTEXT_TOO_SHORT("the ciphertext is shorter than its nonce"),
    /** The AEAD rejected the ciphertext (tampering, wrong key or wrong capsule). */
    AUTHENTICATION_FAILED("decryption failed: the ciphertext was tampered with or the key or capsule is wrong"),
    /** No capsule fragments were given. */
    NO_CAPSULE_FRAGS("no capsule fragments"),
    /** The capsule fragments come from different key-fragment sets. */
    MISMATCHED_CAPSULE_FRAGS("the capsule fragments come from different key-fragment sets"),
    /** The same capsule fragment was given twice. */
    REPEATING_CAPSULE_FRAGS("a capsule fragment is repeated"),
    /**
     * The combined fragments do not open the capsule: fewer than the threshold, a fragment for
     * another capsule, or a wrong receiving secret key or delegating public key.
     */
    VALIDATION_FAILED("the capsule fragments do not open this capsule with these keys");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /** A short English description. */
    public String description() {
      return description;
    }
  }

  private final Reason reason;

  /** An exception for {@code reason}. */
  public DecryptionException(Reason reason) {
    super(reason.description());
    this.reason = reason;
  }

  /** Why decryption failed. */
  public Reason reason() {
    return reason;
  }
}
