package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;

/**
 * Receives authenticated inbound frames from a {@link PeerTransport}. Called from the transport's
 * threads, possibly several at once: implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface FrameReceiver {
  /**
   * One frame from {@code from}, the key the connection authenticated (for a TLS transport, the
   * ledger key bound to the peer's certificate). The array is the receiver's own; the content is
   * untrusted and must be decoded with bounded decoders.
   */
  void onFrame(Ed25519PublicKey from, byte[] frame);
}
