package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NettyClientChannel;
import java.util.concurrent.CompletableFuture;

/**
 * A client's mutually authenticated connection to one node's {@link NodeEndpoint}: requests and
 * their responses, matched by the channel, several in flight at once.
 *
 * <p>Thread-safe.
 */
public interface ClientChannel extends AutoCloseable {
  /**
   * Connects to the {@link NodeEndpoint} at {@code node}, which must authenticate as
   * {@code expectedNodeKey}, presenting {@code identity}; returns once the TLS and version
   * handshakes are done. Uses Netty (optional dependency).
   *
   * @throws TransportException if the node cannot be reached, is not {@code expectedNodeKey}, or
   *     refuses this client
   */
  static ClientChannel connect(PeerAddress node, Ed25519PublicKey expectedNodeKey, TlsIdentity identity,
      TransportLimits limits) {
    return new NettyClientChannel(node, expectedNodeKey, identity, limits);
  }

  /**
   * Sends one request; the future completes with the node's response, or fails with
   * {@link TransportException} when the connection is lost, the node answers with an error, or the
   * request or response is larger than the channel's frame limit. A caller that stops waiting
   * cancels the future (or times it out): the request then gives its place among those in flight
   * back, and a late answer is dropped.
   */
  CompletableFuture<byte[]> request(byte[] request);

  /** Whether the connection is open. */
  boolean isOpen();

  /** Closes the connection; pending requests fail with {@link TransportException}. Idempotent. */
  @Override
  void close();
}
