package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.node.PeerAddress;
import io.medledger.node.RequestHandler;
import io.medledger.node.TlsIdentity;
import io.medledger.node.TransportException;
import io.medledger.node.TransportLimits;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client endpoint and client channel on each socket layer, and across the two. */
@Timeout(60)
class ClientChannelSocketLayersTest {
  private static final TransportLimits LIMITS = TransportLimits.defaults().withMaxFrameBytes(64 << 10)
      .withTiming(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMillis(20), Duration.ofMillis(200));

  private static SocketIo layer(String name) {
    return name.equals("nio") ? SocketIo.nio() : SocketIo.get();
  }

  @ParameterizedTest(name = "endpoint on {0}, client on {1}")
  @CsvSource({"nio, nio", "nio, chosen", "chosen, nio", "chosen, chosen"})
  void admittedClientsGetAnswersAndStrangersAreRefused(String endpointLayer, String clientLayer) throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey stranger = Ed25519PrivateKey.generate();
    RequestHandler reverse = (who, req) -> {
      byte[] out = new byte[req.length];
      for (int i = 0; i < req.length; i++) {
        out[i] = req[req.length - 1 - i];
      }
      return CompletableFuture.completedFuture(out);
    };
    try (NettyEndpoint ep = new NettyEndpoint(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(node),
        client.publicKey()::equals, reverse, LIMITS, layer(endpointLayer))) {
      try (NettyClientChannel ch = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
          LIMITS, layer(clientLayer))) {
        for (int i = 0; i < 50; i++) {
          assertArrayEquals(new byte[] {3, 2, (byte) i}, ch.request(new byte[] {(byte) i, 2, 3}).get(10, TimeUnit.SECONDS));
        }
      }
      assertThrows(TransportException.class, () -> new NettyClientChannel(ep.boundAddress(), node.publicKey(),
          TlsIdentity.of(stranger), LIMITS, layer(clientLayer)).close());
    }
  }
}
