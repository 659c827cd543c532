package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.concurrent.CompletableFuture;

/**
 * Serves the requests of authenticated clients on a {@link NodeEndpoint}. Called from transport
 * threads: slow work must complete the future later rather than block. A future completed
 * exceptionally closes the request with an error response carrying no detail.
 */
@FunctionalInterface
public interface RequestHandler {
  /**
   * Handles one request from {@code client}, the Ed25519 key its TLS certificate is bound to and
   * that the endpoint's authorizer admitted. The bytes are untrusted.
   */
  CompletableFuture<byte[]> handle(Ed25519PublicKey client, byte[] request);
}
