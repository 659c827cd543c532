package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NettyEndpoint;
import java.util.function.Predicate;

/**
 * A node's listening endpoint for clients: TLS 1.3 with mutual authentication, where each client
 * presents a certificate bound to its participant Ed25519 key (see {@link TlsIdentity}) and the
 * node's authorizer decides, during the handshake, whether that key may connect. Requests go to
 * the {@link RequestHandler}. Each client key may hold a few connections and has one inbound rate
 * over all of them ({@link TransportLimits#inboundFramesPerSecond()},
 * {@link TransportLimits#inboundBytesPerSecond()}); per connection, requests in flight are bounded
 * in number and by {@link TransportLimits#inboundMemoryBytes()}, and answers the socket has not
 * taken by {@link TransportLimits#outboundQueueBytes()} (an answer past it is replaced by an
 * error). Reading from a connection pauses while any of these is reached. Uses Netty (optional
 * dependency).
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

  /** Answers replaced by an error since start because their client did not read them in time. */
  public long droppedResponses() {
    return impl.droppedResponses();
  }

  /** Stops listening and closes every client connection; idempotent. */
  @Override
  public void close() {
    impl.close();
  }
}
