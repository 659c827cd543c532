package io.medledger.pre;

import java.util.Objects;

/**
 * A proxy's answer to a re-encryption request: who answered, and the (still unverified) capsule
 * fragment. Immutable and thread-safe.
 *
 * @param proxyId the answering proxy's identifier
 * @param capsuleFrag its capsule fragment, to be verified by the grantee
 */
public record ProxyResponse(String proxyId, CapsuleFrag capsuleFrag) {
  /** Validates the fields. */
  public ProxyResponse {
    Objects.requireNonNull(proxyId, "proxyId");
    Objects.requireNonNull(capsuleFrag, "capsuleFrag");
  }
}
