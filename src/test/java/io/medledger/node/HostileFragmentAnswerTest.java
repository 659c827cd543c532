package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.client.ProxyFailureException;
import io.medledger.codec.ByteString;
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
 * Once a grant is final, the patient's connection asks each proxy whether it took its fragment,
 * and a grant final without some fragments is reported as a {@link ProxyFailureException} naming
 * the proxies (the application then knows the grant is on the ledger). A proxy that answers that
 * question with garbage or a refusal must be named there too, not turn the final grant into
 * another failure that reads as a grant never made.
 */
@Timeout(120)
class HostileFragmentAnswerTest {
  private static final EntryLocation AT = new EntryLocation(3, 0, 9);

  /** Takes every submission as final at {@link #AT}, locates every entry there, answers FRAGMENT with {@code fragment}. */
  private static RequestHandler proxy(byte[] fragment) {
    return (who, req) -> CompletableFuture.completedFuture(switch (req[0]) {
      case ClientWire.SUBMIT -> new LedgerWire.Writer(ClientWire.OK).i64(AT.height()).digest(Digest.of(new byte[32]))
          .toBytes();
      case ClientWire.FRAGMENT -> fragment;
      default -> new LedgerWire.Writer(ClientWire.OK).bool(true).i64(AT.height()).i32(AT.indexInBlock())
          .i64(AT.ledgerIndex()).toBytes();
    });
  }

  @Test
  void aProxyAnsweringGarbageOrARefusalIsNamedAsOneWithoutItsFragment() {
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey garbled = Ed25519PrivateKey.generate();
    Ed25519PrivateKey refusing = Ed25519PrivateKey.generate();
    AccessGrant grant = Entry.sign(new AccessGrant(ParticipantId.of(client.publicKey()),
        ParticipantId.of(Ed25519PrivateKey.generate().publicKey()), AccessScope.all(), Purpose.TREATMENT, 0, 1000,
        List.of(ParticipantId.of(garbled.publicKey()), ParticipantId.of(refusing.publicKey())), 2,
        List.of(ByteString.of(new byte[] {1}), ByteString.of(new byte[] {2})), 0, List.of()), Digest.of(new byte[32]),
        client);
    try (NodeEndpoint a = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(garbled),
        client.publicKey()::equals, proxy(new byte[] {ClientWire.OK}), TransportLimits.defaults());
        NodeEndpoint b = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(refusing),
            client.publicKey()::equals, proxy(ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "busy")),
            TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(garbled.publicKey(), a.boundAddress(), ServerRole.FEDERATION)
            .node(refusing.publicKey(), b.boundAddress(), ServerRole.FEDERATION)
            .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10)).build()) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> c.submit(grant).get());
      ProxyFailureException p = assertInstanceOf(ProxyFailureException.class, e.getCause(), String.valueOf(e.getCause()));
      assertEquals(java.util.Set.copyOf(grant.proxies()), p.failures().keySet(), "both proxies named (a map: no order)");
      assertTrue(p.getMessage().contains("is final"), p.getMessage());
    }
  }
}
