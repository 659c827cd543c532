package io.medledger.pre;

/** Why a key fragment or capsule fragment did not verify (the reference's error cases). Immutable. */
public enum VerificationFailure {
  /** Key fragment: the commitment is not key·U. */
  INCORRECT_COMMITMENT("invalid key fragment commitment"),
  /** Key fragment: it signs the delegating key but none was supplied. */
  DELEGATING_KEY_NOT_PROVIDED("the key fragment signs the delegating key, but no delegating key was given"),
  /** Key fragment: it signs the receiving key but none was supplied. */
  RECEIVING_KEY_NOT_PROVIDED("the key fragment signs the receiving key, but no receiving key was given"),
  /** Key fragment: the signature for the proxy, or (both keys signed) the one for the receiver, does not verify. */
  INCORRECT_SIGNATURE("the key fragment signature does not verify"),
  /** Capsule fragment: the delegator's signature it carries does not verify for these keys. */
  INCORRECT_KEY_FRAG_SIGNATURE("the capsule fragment's key fragment signature does not verify"),
  /** Capsule fragment: the re-encryption proof does not hold for this capsule. */
  INCORRECT_REENCRYPTION("the re-encryption proof does not verify");

  private final String description;

  VerificationFailure(String description) {
    this.description = description;
  }

  /** A short English description. */
  public String description() {
    return description;
  }
}
