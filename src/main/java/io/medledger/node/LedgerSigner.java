package io.medledger.node;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.Objects;

/**
 * Signs with a node's Ed25519 ledger key, wherever that key lives: in the node's encrypted key
 * store ({@link #of(Ed25519PrivateKey)}) or in a hardware security module (see {@code docs/deployment.md} on PKCS#11).
 * Implementations are thread-safe.
 */
public interface LedgerSigner {
  /** The public half of the key. */
  Ed25519PublicKey publicKey();

  /**
   * A pure Ed25519 (RFC 8032) signature over {@code message}, 64 bytes.
   *
   * @throws NodeException with reason KEY_STORE if the key's holder fails to sign
   */
  byte[] sign(byte[] message);

  /** A signer over an in-memory key. */
  static LedgerSigner of(Ed25519PrivateKey key) {
    Objects.requireNonNull(key, "key");
    return new LedgerSigner() {
      @Override
      public Ed25519PublicKey publicKey() {
        return key.publicKey();
      }

      @Override
      public byte[] sign(byte[] message) {
        return key.sign(message);
      }

      @Override
      public String toString() {
        return "LedgerSigner[" + key.publicKey().toHex() + ", in memory]";
      }
    };
  }
}
