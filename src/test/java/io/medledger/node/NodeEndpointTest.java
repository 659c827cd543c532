package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client request channel over TLS on loopback. */
@Timeout(60)
class NodeEndpointTest {
  private static final TransportLimits LIMITS = TransportLimits.defaults().withMaxFrameBytes(64 << 10)
      .withTiming(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMillis(20), Duration.ofMillis(200));
  private static final PeerAddress ANY = new PeerAddress("127.0.0.1", 0);

  @Test
  void admittedClientsGetAnswersManyInFlightOthersAreRefused() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey stranger = Ed25519PrivateKey.generate();
    List<Ed25519PublicKey> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    RequestHandler echo = (who, req) -> {
      seen.add(who);
      if (req.length == 1 && req[0] == 'x') {
        return CompletableFuture.failedFuture(new IllegalStateException("refused"));
      }
      // answers later, from another thread, so that requests overlap
      return CompletableFuture.supplyAsync(() -> {
        byte[] out = req.clone();
        for (int i = 0; i < out.length; i++) {
          out[i] ^= 0x5a;
        }
        return out;
      }, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
    };
    try (NodeEndpoint ep = NodeEndpoint.start(ANY, TlsIdentity.of(node), client.publicKey()::equals, echo, LIMITS)) {
      try (ClientChannel ch = ClientChannel.connect(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client), LIMITS)) {
        List<CompletableFuture<byte[]>> fs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
          fs.add(ch.request(new byte[] {(byte) i, (byte) (i >> 8), 7}));
        }
        for (int i = 0; i < 2000; i++) {
          assertArrayEquals(new byte[] {(byte) (i ^ 0x5a), (byte) ((i >> 8) ^ 0x5a), 7 ^ 0x5a}, fs.get(i).get(10, TimeUnit.SECONDS));
        }
        assertEquals(client.publicKey(), seen.get(0), "the handler sees the authenticated client key");
        ExecutionException err = assertThrows(ExecutionException.class, () -> ch.request(new byte[] {'x'}).get(5, TimeUnit.SECONDS));
        assertTrue(err.getCause() instanceof TransportException);
        assertTrue(ch.request(new byte[LIMITS.maxFrameBytes()]).isCompletedExceptionally(), "oversized request refused locally");
        assertTrue(ch.isOpen());
      }
      // a client the authorizer does not admit
      assertThrows(TransportException.class,
          () -> ClientChannel.connect(ep.boundAddress(), node.publicKey(), TlsIdentity.of(stranger), LIMITS).close());
      // a node that is not the expected key
      assertThrows(TransportException.class,
          () -> ClientChannel.connect(ep.boundAddress(), stranger.publicKey(), TlsIdentity.of(client), LIMITS).close());
      assertTrue(ep.refusedConnections() >= 1);
      assertFalse(seen.contains(stranger.publicKey()));
    }
  }
}
