package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NettyEndpoint;
import java.util.function.Predicate;

/**
 * A node's listening endpoint for clients: TLS 1.3 with mutual authentication, where each client
 * presents a certificate bound to its participant Ed25519 key (see {@link TlsIdentity}) and the
 * node's authorizer decides, during the handshake, whether that key may connect. Requests go to
 * the {@link RequestHandler}; several may be in flight per connection (bounded), and reading from a
 * connection pauses while its requests in flight hold more than
 * {@link TransportLimits#inboundMemoryBytes()}. Uses Netty (optional dependency).
 *
 * <p>Thread-safe.
 */
public final class NodeEndpoint implements AutoCloseable {
  private final NettyEndpoint impl;

  private NodeEndpoint(NettyEndpoint impl) {
    this.impl = impl;
  }

  /**
   * Binds {@code listen} and serves authenticated clients admitted by {@code authorizer}.
   *
   * @throws TransportException if the address cannot be bound
   */
  public static NodeEndpoint start(PeerAddress listen, TlsIdentity identity, Predicate<Ed25519PublicKey> authorizer,
      RequestHandler handler, TransportLimits limits) {
    return new NodeEndpoint(new NettyEndpoint(listen, identity, authorizer, handler, limits));
  }

  /** The bound address (the actual port when port 0 was asked for). */
  public PeerAddress boundAddress() {
    return impl.boundAddress();
  }

  /** Client connections refused at the handshake since start. */
  public long refusedConnections() {
    return impl.refusedConnections();
  }

  /** Stops listening and closes every client connection; idempotent. */
  @Override
  public void close() {
    impl.close();
  }
}
