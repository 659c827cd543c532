package io.medledger.pre;

import io.medledger.crypto.Sha256;
import io.medledger.internal.umbral.Ecdsa;
import java.util.Arrays;
import java.util.Objects;

/**
 * Signs messages with a secret key (ECDSA secp256k1/SHA-256, low-S), as the delegator does when
 * it signs key fragments. Nonces are RFC 6979 with 32 bytes of fresh randomness mixed in.
 *
 * <p>Immutable and thread-safe; {@code toString} shows only the verifying key.
 */
public final class Signer {
  private final SecretKey key;

  /** A signer for {@code key}. */
  public Signer(SecretKey key) {
    this.key = Objects.requireNonNull(key, "key");
  }

  /** Signs SHA-256({@code message}) with fresh randomness. */
  public Signature sign(byte[] message) {
    return sign(message, EntropySource.secure());
  }

  /** Signs SHA-256({@code message}); draws 32 bytes of nonce additional data from {@code rng}. */
  public Signature sign(byte[] message, EntropySource rng) {
    return signDigest(Sha256.hash(message).toByteArray(), rng);
  }

  Signature signDigest(byte[] digest, EntropySource rng) {
    byte[] extra = new byte[32];
    rng.nextBytes(extra);
    byte[] rs = Ecdsa.sign(key.scalar(), digest, extra);
    Arrays.fill(extra, (byte) 0);
    return Signature.fromBytes(rs);
  }

  /** The public key that verifies this signer's signatures. */
  public PublicKey verifyingKey() {
    return key.publicKey();
  }

  @Override
  public String toString() {
    return "Signer[verifyingKey=" + key.publicKey().toHex() + "]";
  }
}
