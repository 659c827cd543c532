package io.medledger.node;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Who this node or client is on the wire: its ledger Ed25519 key and a way to sign with it. A
 * transport generates a fresh Ed25519 TLS key each time it starts and has the ledger key sign a
 * short-lived X.509 certificate for it, so the ledger key itself (possibly in an HSM) is used only
 * to sign that certificate. Peers accept the certificate only when the ledger key that signed it is
 * one they expect. Immutable and thread-safe when the signing function is.
 */
public final class TlsIdentity {
  private final Ed25519PublicKey ledgerKey;
  private final UnaryOperator<byte[]> signer;

  private TlsIdentity(Ed25519PublicKey ledgerKey, UnaryOperator<byte[]> signer) {
    this.ledgerKey = Objects.requireNonNull(ledgerKey, "ledgerKey");
    this.signer = Objects.requireNonNull(signer, "signer");
  }

  /** An identity signing with {@code key} in memory. */
  public static TlsIdentity of(Ed25519PrivateKey key) {
    Objects.requireNonNull(key, "key");
    return new TlsIdentity(key.publicKey(), key::sign);
  }

  /**
   * An identity whose Ed25519 signatures (64 bytes, RFC 8032) under {@code ledgerKey} come from
   * {@code sign}, for example a hardware signer. Each signature is checked before use.
   */
  public static TlsIdentity of(Ed25519PublicKey ledgerKey, UnaryOperator<byte[]> sign) {
    return new TlsIdentity(ledgerKey, sign);
  }

  /** The ledger key this identity speaks for. */
  public Ed25519PublicKey ledgerKey() {
    return ledgerKey;
  }

  /**
   * Signs {@code message} with the ledger key and checks the result.
   *
   * @throws TransportException if the signer returned no valid signature
   */
  public byte[] sign(byte[] message) {
    byte[] sig = signer.apply(message.clone());
    if (sig == null || !ledgerKey.verify(message, sig)) {
      throw new TransportException("the signer of " + ledgerKey.toHex() + " returned an invalid signature");
    }
    return sig;
  }

  @Override
  public String toString() {
    return "TlsIdentity[" + ledgerKey.toHex() + "]";
  }
}
