package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A storage node follows the ledger and answers ledger requests, but it is trusted with keeping
 * ciphertext available only: its word must not count as one of the f + 1 ledger nodes that make a
 * finality believed (nor decide the proxies a grant's fragments are encrypted to: see
 * {@link HostileProxyListTest#aStorageNodeDoesNotStateTheProxies}).
 */
@Timeout(120)
class StorageNodeLedgerWordTest {
  private static final EntryLocation AT = new EntryLocation(7, 0, 41);
  private final Ed25519PrivateKey client = Ed25519PrivateKey.generate();

  private static byte[] located(EntryLocation l) {
    LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK).bool(l != null);
    if (l != null) {
      w.i64(l.height()).i32(l.indexInBlock()).i64(l.ledgerIndex());
    }
    return w.toBytes();
  }

  /** Says every submission is final at {@link #AT} and locates every entry there. */
  private static final RequestHandler LIAR = (who, req) -> CompletableFuture.completedFuture(req[0] == ClientWire.SUBMIT
      ? new LedgerWire.Writer(ClientWire.OK).i64(AT.height()).digest(Digest.of(new byte[32])).toBytes()
      : located(AT));

  /** Knows no such entry. */
  private static final RequestHandler HONEST = (who, req) -> CompletableFuture.completedFuture(located(null));

  private NodeEndpoint endpoint(Ed25519PrivateKey key, RequestHandler h) {
    return NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(key), client.publicKey()::equals, h,
        TransportLimits.defaults());
  }

  private static Entry revocation() {
    return Entry.sign(new AccessRevocation(ParticipantId.of(Ed25519PrivateKey.generate().publicKey()),
        Digest.of(new byte[32]), 1, List.of()), Digest.of(new byte[32]), Ed25519PrivateKey.generate());
  }

  /** A configured node: what it answers and its role. */
  private record Fake(RequestHandler answers, ServerRole role) {}

  /** Submits through nodes answering as {@code fakes}, in that order, and expects no finality believed. */
  private void assertUnconfirmed(Fake... fakes) {
    List<NodeEndpoint> started = new java.util.ArrayList<>();
    RemoteConnection.Builder b = RemoteConnection.builder(TlsIdentity.of(client))
        .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10));
    try {
      for (Fake f : fakes) {
        Ed25519PrivateKey key = Ed25519PrivateKey.generate();
        NodeEndpoint e = endpoint(key, f.answers());
        started.add(e);
        b.node(key.publicKey(), e.boundAddress(), f.role());
      }
      try (RemoteConnection c = b.build()) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> c.submit(revocation()).get());
        assertInstanceOf(UnconfirmedAnswerException.class, e.getCause(), String.valueOf(e.getCause()));
      }
    } finally {
      started.forEach(NodeEndpoint::close);
    }
  }

  @Test
  void aStorageNodeDoesNotConfirmWhatOneLedgerNodeSays() {
    assertUnconfirmed(new Fake(LIAR, ServerRole.FEDERATION), new Fake(HONEST, ServerRole.AUDIT),
        new Fake(LIAR, ServerRole.STORAGE));
  }

  @Test
  void aStorageNodeFirstInTheListNeedsAllTheLedgerNodesConfirmationsItself() {
    // two ledger nodes must locate it, and only one does
    assertUnconfirmed(new Fake(LIAR, ServerRole.STORAGE), new Fake(LIAR, ServerRole.FEDERATION),
        new Fake(HONEST, ServerRole.AUDIT));
  }
}
