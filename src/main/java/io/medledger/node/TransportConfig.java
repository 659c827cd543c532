package io.medledger.node;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.Map;
import java.util.Objects;

/**
 * What a networked {@link PeerTransport} needs: this node's identity, where to listen, the chain it
 * serves (peers of another chain are refused in the version handshake), its peers with their
 * addresses, and its limits. Immutable.
 *
 * @param identity this node's ledger key and signer
 * @param listen the address to bind (port 0: any free port, see {@link TlsPeerTransport#boundAddress()})
 * @param chainId the chain both sides must serve
 * @param peers the allowed peers and the addresses to dial
 * @param limits per-peer bounds
 */
public record TransportConfig(TlsIdentity identity, PeerAddress listen, Digest chainId,
    Map<Ed25519PublicKey, PeerAddress> peers, TransportLimits limits) {
  public TransportConfig {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(chainId, "chainId");
    peers = Map.copyOf(Objects.requireNonNull(peers, "peers"));
    Objects.requireNonNull(limits, "limits");
  }
}
