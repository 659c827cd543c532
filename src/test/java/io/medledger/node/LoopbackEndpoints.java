package io.medledger.node;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;

/** Client endpoints on loopback that tests serve with handlers of their own. */
final class LoopbackEndpoints {

  private LoopbackEndpoints() {}

  /** Starts an endpoint with {@code key}'s identity that admits only {@code client}; added to {@code open}. */
  static NodeEndpoint serve(Ed25519PrivateKey key, Ed25519PublicKey client, RequestHandler handler,
      List<AutoCloseable> open) {
    NodeEndpoint e = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(key), client::equals,
        handler, TransportLimits.defaults());
    open.add(e);
    return e;
  }

  /**
   * Serves {@code handlers[i]} as the federation server of {@code keys.get(i)}, names each to
   * {@code b} and builds the connection; endpoints and connection are added to {@code open}.
   */
  static RemoteConnection connect(RemoteConnection.Builder b, List<Ed25519PrivateKey> keys, Ed25519PublicKey client,
      RequestHandler[] handlers, List<AutoCloseable> open) {
    for (int i = 0; i < handlers.length; i++) {
      Ed25519PrivateKey k = keys.get(i);
      b.node(k.publicKey(), serve(k, client, handlers[i], open).boundAddress(), ServerRole.FEDERATION);
    }
    RemoteConnection c = b.build();
    open.add(c);
    return c;
  }
}
