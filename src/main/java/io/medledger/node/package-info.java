/**
 * A node on a real network: the authenticated peer transport ({@link io.medledger.node.PeerTransport},
 * TLS 1.3 with certificates bound to ledger keys, or in-JVM for tests), the real-time
 * {@link io.medledger.node.ProtocolDriver} that runs the sans-IO consensus protocols over it and
 * bulk-syncs certified blocks, the client request channel, and the node runtime.
 *
 * <p>No third-party type appears in this package's signatures; the Netty code lives in
 * {@code io.medledger.internal.transport} and is needed only when a networked transport is used.
 */
package io.medledger.node;
