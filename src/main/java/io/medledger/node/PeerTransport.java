package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.Map;
import java.util.Set;

/**
 * Carries opaque frames between this node and its authenticated peers, each named by its ledger
 * Ed25519 key. Delivery is best effort and in order per peer while a connection lasts; the
 * consensus protocols tolerate loss and re-send what matters.
 *
 * <p>Implementations are thread-safe; {@link #send} never blocks.
 */
public interface PeerTransport extends AutoCloseable {
  /** This node's ledger key. */
  Ed25519PublicKey self();

  /**
   * Queues {@code frame} for {@code to}. Never blocks. Returns false when the frame was dropped:
   * the peer is unknown or not connected, its outbound queue is full, the frame exceeds
   * {@link TransportLimits#maxFrameBytes()}, or the transport is closed.
   */
  boolean send(Ed25519PublicKey to, byte[] frame);

  /**
   * Sets where authenticated inbound frames go (replacing any earlier receiver); frames that arrive
   * before a receiver is set are dropped. The receiver is called from transport threads and must
   * not block for long.
   */
  void setReceiver(FrameReceiver receiver);

  /**
   * Replaces the set of peers this node may talk to, with the addresses to dial (membership
   * changed). Connections of keys no longer listed are closed, and connections from them are
   * refused from then on. This node's own key, when listed, is ignored.
   */
  void updatePeers(Map<Ed25519PublicKey, PeerAddress> peers);

  /** The peers with an authenticated connection at this moment (a snapshot). */
  Set<Ed25519PublicKey> connectedPeers();

  /** Closes every connection and stops listening; idempotent. Later sends return false. */
  @Override
  void close();
}
