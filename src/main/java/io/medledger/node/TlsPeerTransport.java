package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NettyPeerTransport;
import java.util.Map;
import java.util.Set;

/**
 * The networked {@link PeerTransport}: TCP with TLS 1.3 only and mutual authentication, built on
 * Netty (an optional dependency, needed only when this class is used). Each side presents a fresh
 * Ed25519 TLS key certified by its ledger key; a peer whose certificate is not signed by a ledger
 * key of the current peer set, or (when dialled) not by the key expected at that address, is
 * refused during the handshake. Then a version handshake checks the protocol version and the chain
 * id. Frames are length-prefixed and bounded by {@link TransportLimits#maxFrameBytes()} before
 * allocation; each peer has a bounded outbound queue, inbound rate and memory quotas (enforced by
 * pausing reads from that peer only), an idle timeout with keep-alives, and reconnection with
 * exponential backoff. {@link #updatePeers} closes the connections of removed keys.
 *
 * <p>Thread-safe.
 */
public final class TlsPeerTransport implements PeerTransport {
  private final NettyPeerTransport impl;

  private TlsPeerTransport(NettyPeerTransport impl) {
    this.impl = impl;
  }

  /**
   * Binds {@code config.listen()} and starts connecting to the configured peers.
   *
   * @throws TransportException if the address cannot be bound
   */
  public static TlsPeerTransport start(TransportConfig config) {
    return new TlsPeerTransport(new NettyPeerTransport(config));
  }

  /** The bound listen address (the actual port when port 0 was configured). */
  public PeerAddress boundAddress() {
    return impl.boundAddress();
  }

  /** Connections refused at the TLS or version handshake since start. */
  public long refusedConnections() {
    return impl.refusedConnections();
  }

  /** Connections closed for a wire-protocol violation (oversized frame, bad hello) since start. */
  public long protocolViolations() {
    return impl.protocolViolations();
  }

  /** Frames {@link #send} dropped since start. */
  public long droppedFrames() {
    return impl.droppedFrames();
  }

  @Override
  public Ed25519PublicKey self() {
    return impl.self();
  }

  @Override
  public boolean send(Ed25519PublicKey to, byte[] frame) {
    return impl.send(to, frame);
  }

  @Override
  public void setReceiver(FrameReceiver receiver) {
    impl.setReceiver(receiver);
  }

  @Override
  public void updatePeers(Map<Ed25519PublicKey, PeerAddress> peers) {
    impl.updatePeers(peers);
  }

  @Override
  public Set<Ed25519PublicKey> connectedPeers() {
    return impl.connectedPeers();
  }

  @Override
  public void close() {
    impl.close();
  }
}
