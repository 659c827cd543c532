package io.medledger.pre;

import java.util.Objects;

/**
 * A re-encryption proxy's identity and the Umbral public key its key fragments are encrypted to.
 * Immutable and thread-safe.
 *
 * @param proxyId the proxy's identifier (1 to 128 characters)
 * @param publicKey the proxy's Umbral public key
 */
public record ProxyKey(String proxyId, PublicKey publicKey) {
  /** Validates the fields. */
  public ProxyKey {
    Objects.requireNonNull(publicKey, "publicKey");
    if (proxyId == null || proxyId.isEmpty() || proxyId.length() > 128) {
      throw new IllegalArgumentException("a proxy id is 1 to 128 characters");
    }
  }
}
