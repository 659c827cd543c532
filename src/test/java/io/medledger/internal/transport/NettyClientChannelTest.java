package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.node.PeerAddress;
import io.medledger.node.RequestHandler;
import io.medledger.node.TlsIdentity;
import io.medledger.node.TransportLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node that never answers some requests: the client stops waiting for them (its callers time
 * out), and each such request must give its place back, or after {@link NettyEndpoint#MAX_IN_FLIGHT}
 * of them every request on the connection fails at once for as long as it stays open.
 */
@Timeout(60)
class NettyClientChannelTest {
  @Test
  void aRequestTheCallerStopsWaitingForGivesItsPlaceBack() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    RequestHandler silentOnZero = (who, req) -> req[0] == 0 ? new CompletableFuture<>()
        : CompletableFuture.completedFuture(req);
    try (NettyEndpoint ep = new NettyEndpoint(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(node),
        client.publicKey()::equals, silentOnZero, TransportLimits.defaults());
        NettyClientChannel ch = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
            TransportLimits.defaults())) {
      List<CompletableFuture<byte[]>> cancelled = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        CompletableFuture<byte[]> f = ch.request(new byte[] {0});
        assertThrows(TimeoutException.class, () -> f.get(1, TimeUnit.MILLISECONDS));
        f.cancel(false);
        cancelled.add(f);
      }
      assertEquals(0, ch.waiting(), "cancelled requests still wait");
      CompletableFuture<byte[]> timed = ch.request(new byte[] {0}).orTimeout(50, TimeUnit.MILLISECONDS);
      assertThrows(ExecutionException.class, timed::get);
      assertEquals(0, ch.waiting(), "a request timed out with orTimeout still waits");
      assertArrayEquals(new byte[] {1, 2}, ch.request(new byte[] {1, 2}).get(10, TimeUnit.SECONDS));
      assertEquals(0, ch.waiting());
    }
  }

  /**
   * A node that drops the connection (a restart, or a hostile node doing it after every answer)
   * left the channel's event-loop thread running until the channel object was closed, and a
   * {@code RemoteConnection} replaces a dead channel without closing it: one idle thread and its
   * selector leaked per reconnect. The thread now ends with the connection.
   */
  @Test
  void aConnectionTheNodeDropsReleasesItsThread() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    String threadName = "medledger-client-" + node.publicKey().toHex().substring(0, 8);
    NettyEndpoint ep = new NettyEndpoint(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(node),
        client.publicKey()::equals, (who, req) -> CompletableFuture.completedFuture(req), TransportLimits.defaults());
    NettyClientChannel ch;
    try {
      ch = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
          TransportLimits.defaults());
      assertArrayEquals(new byte[] {7}, ch.request(new byte[] {7}).get(10, TimeUnit.SECONDS));
      assertEquals(1, threadsNamed(threadName));
    } finally {
      ep.close(); // the node goes away; the client never calls close()
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((ch.isOpen() || threadsNamed(threadName) > 0) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    try {
      assertEquals(false, ch.isOpen(), "the node closed the connection");
      assertEquals(0, threadsNamed(threadName), "the dead channel's event-loop thread still runs");
    } finally {
      ch.close();
    }
  }

  /**
   * Netty closes an event loop's connections only if the loop sees its shutdown begin right after
   * polling for I/O; one that begins while the loop is still in the turn that closed the listening
   * socket (quiet period 0) ended the loop with the accepted connection's socket left open, and the
   * client never saw the node go (the flake of the test above under load). Here the loop is kept
   * in that turn until the shutdown begins (at most 1 s): the endpoint closes its connections
   * itself before stopping the loop, so the client still sees the connection end.
   */
  @Test
  void aConnectionClosesWhenTheNodesShutdownBeginsWhileItsLoopIsBusy() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    NettyEndpoint ep = new NettyEndpoint(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(node),
        client.publicKey()::equals, (who, req) -> CompletableFuture.completedFuture(req), TransportLimits.defaults());
    NettyClientChannel ch = null;
    try {
      ch = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
          TransportLimits.defaults());
      assertArrayEquals(new byte[] {7}, ch.request(new byte[] {7}).get(10, TimeUnit.SECONDS));
      ShutdownRace.holdLoopWhenClosed(ep.listening());
      ep.close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ch.isOpen() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(false, ch.isOpen(), "the node's connection outlived its event loop");
    } finally {
      ep.close();
      if (ch != null) {
        ch.close();
      }
    }
  }

  private static long threadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
  }
}
