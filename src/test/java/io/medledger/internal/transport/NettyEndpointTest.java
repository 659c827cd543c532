package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.node.PeerAddress;
import io.medledger.node.RequestHandler;
import io.medledger.node.TlsIdentity;
import io.medledger.node.TransportException;
import io.medledger.node.TransportLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What one client can make the request endpoint hold or do. */
@Timeout(120)
class NettyEndpointTest {
  private static final PeerAddress ANY = new PeerAddress("127.0.0.1", 0);
  private static final TransportLimits BASE = TransportLimits.defaults().withMaxFrameBytes(64 << 10)
      .withTiming(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofMillis(20), Duration.ofMillis(200));

  @Test
  void aClientThatDoesNotReadCannotMakeTheNodeQueueMoreThanItsBound() throws Exception {
    TransportLimits limits = BASE.withOutboundQueueBytes(1 << 20);
    byte[] answer = new byte[32 << 10];
    AtomicInteger handled = new AtomicInteger();
    RequestHandler big = (who, req) -> {
      handled.incrementAndGet();
      return CompletableFuture.completedFuture(answer);
    };
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    int n = 2000; // 64 MB of answers if nothing bounded them
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node), client.publicKey()::equals, big, limits);
        NettyClientChannel ch = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
            limits)) {
      ch.reading(false);
      List<CompletableFuture<byte[]>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(ch.request(new byte[] {(byte) i}));
      }
      // until every request is handled or the node has paused reading (no progress for a second),
      // well within the idle timeout, which would close a connection silent for longer
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int seen = -1;
      long still = System.nanoTime();
      while (handled.get() < n && System.nanoTime() < deadline
          && (handled.get() != seen || System.nanoTime() - still < TimeUnit.SECONDS.toNanos(1))) {
        if (handled.get() != seen) {
          seen = handled.get();
          still = System.nanoTime();
        }
        Thread.sleep(20);
      }
      // every request handled so far has its answer in the queue (or dropped) before the queue is measured
      int handledSoFar = handled.get();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ep.answeredRequests() < handledSoFar && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertTrue(ep.answeredRequests() >= handledSoFar, "answered " + ep.answeredRequests() + " of " + handledSoFar);
      long queued = ep.queuedResponseBytes();
      assertTrue(queued <= limits.outboundQueueBytes() + NettyEndpoint.MAX_IN_FLIGHT * 16L,
          "responses queued for a client that does not read: " + queued);
      assertTrue(handled.get() < n || ep.droppedResponses() > 0,
          "either reading paused or answers were dropped (handled " + handled.get() + ")");

      ch.reading(true);
      int ok = 0;
      int errors = 0;
      for (int i = 0; i < n; i++) {
        try {
          fs.get(i).get(30, TimeUnit.SECONDS);
          ok++;
        } catch (ExecutionException e) {
          assertTrue(e.getCause() instanceof TransportException);
          errors++;
        }
      }
      assertEquals(n, ok + errors, "every request was answered, with its response or an error");
      assertEquals(ep.droppedResponses(), errors, "each error is a dropped response");
      assertTrue(ch.isOpen(), "the connection stays usable");
      assertEquals(answer.length, ch.request(new byte[] {1}).get(10, TimeUnit.SECONDS).length);
      long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ep.queuedResponseBytes() != 0 && System.nanoTime() < deadline2) {
        Thread.sleep(10);
      }
      assertEquals(0, ep.queuedResponseBytes(), "everything sent is accounted for");
    }
  }

  @Test
  void oneClientKeysConnectionsShareOneInboundRate() throws Exception {
    int perSecond = 2000;
    TransportLimits limits = BASE.withInbound(64L << 20, 128L << 20, perSecond);
    ConcurrentLinkedQueue<Long> seenAt = new ConcurrentLinkedQueue<>();
    RequestHandler echo = (who, req) -> {
      seenAt.add(System.nanoTime());
      return CompletableFuture.completedFuture(new byte[] {1});
    };
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    int perConnection = 5000;
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node), client.publicKey()::equals, echo, limits);
        NettyClientChannel a = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client), limits);
        NettyClientChannel b = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client), limits)) {
      List<CompletableFuture<byte[]>> fs = new ArrayList<>();
      byte[] request = new byte[1000];
      for (int i = 0; i < perConnection; i++) {
        fs.add(a.request(request));
        fs.add(b.request(request));
      }
      for (CompletableFuture<byte[]> f : fs) {
        f.get(30, TimeUnit.SECONDS); // nothing is lost: every request is answered in the end
      }
      long first = seenAt.stream().mapToLong(Long::longValue).min().orElseThrow();
      double window = 1.5;
      long early = seenAt.stream().filter(t -> t - first <= (long) (window * 1e9)).count();
      // a full bucket, the window's refill, and what two reads in progress already held
      long bound = perSecond + (long) (perSecond * window) + 2 * 70;
      assertTrue(early <= bound, early + " requests handled in the first " + window + " s, above " + bound);
      assertEquals(2 * perConnection, seenAt.size());
    }
  }

  @Test
  void aClientFloodingCostlyRequestsDelaysAnotherClientByLittle() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey flood = Ed25519PrivateKey.generate();
    Ed25519PrivateKey honest = Ed25519PrivateKey.generate();
    AtomicInteger floodHandled = new AtomicInteger();
    RequestHandler costly = (who, req) -> {
      if (who.equals(flood.publicKey())) {
        long end = System.nanoTime() + 2_000_000; // 2 ms of work per request
        while (System.nanoTime() < end) {
          Thread.onSpinWait();
        }
        floodHandled.incrementAndGet();
      }
      return CompletableFuture.completedFuture(new byte[] {1});
    };
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node),
        k -> k.equals(flood.publicKey()) || k.equals(honest.publicKey()), costly, BASE);
        NettyClientChannel f = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(flood), BASE);
        NettyClientChannel h = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(honest), BASE)) {
      long start = System.nanoTime();
      int flooded = 3000; // 6 s of the request thread
      for (int i = 0; i < flooded; i++) {
        f.request(new byte[] {(byte) i});
      }
      // the honest client asks once the flood is under way, not after a guessed delay
      long underWay = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (floodHandled.get() < 100 && System.nanoTime() < underWay) {
        Thread.sleep(10);
      }
      assertTrue(floodHandled.get() >= 100, "the flood did not start: " + floodHandled.get());
      long worst = 0;
      for (int i = 0; i < 10; i++) {
        long t0 = System.nanoTime();
        h.request(new byte[] {0}).get(10, TimeUnit.SECONDS);
        worst = Math.max(worst, System.nanoTime() - t0);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      assertTrue(floodHandled.get() < flooded, "control: the flood was still going while the honest client asked");
      assertTrue(worst < 250_000_000L, "an honest request waited " + worst / 1_000_000 + " ms behind the flood");
      // a one-second burst and half a second a second since, at 2 ms a request (and a little slack)
      long bound = (long) ((1.0 + 0.5 * elapsed) / 0.002) + 50;
      assertTrue(floodHandled.get() <= bound, floodHandled.get() + " flood requests served in " + elapsed
          + " s, above its share (" + bound + ")");
    }
  }

  @Test
  void aHostWithoutAKeyCannotHoldEveryHandshakeSlot() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    RequestHandler one = (who, req) -> CompletableFuture.completedFuture(new byte[] {1});
    List<java.net.Socket> held = new ArrayList<>();
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node), client.publicKey()::equals, one, BASE)) {
      java.net.InetAddress stranger = java.net.InetAddress.getByName("127.0.0.2");
      java.net.InetAddress server = java.net.InetAddress.getByName(ep.boundAddress().host());
      // connections that never start TLS, each holding a handshake slot until the deadline
      for (int i = 0; i < HandshakeGate.MAX_PER_ADDRESS + 4; i++) {
        java.net.Socket s = new java.net.Socket(server, ep.boundAddress().port(), stranger, 0);
        s.setSoTimeout(200);
        held.add(s);
      }
      int closedAtOnce = 0;
      // the endpoint has taken every connection: the four past the share are refused (counted before the close)
      long taken = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ep.refusedConnections() < 4 && System.nanoTime() < taken) {
        Thread.sleep(10);
      }
      assertEquals(4, ep.refusedConnections(), "connections refused at the handshake gate");
      for (java.net.Socket s : held) { // 200 ms each, well within the 10 s handshake deadline
        try {
          if (s.getInputStream().read() < 0) {
            closedAtOnce++;
          }
        } catch (java.net.SocketTimeoutException stillOpen) {
          // held open, waiting for a handshake that never comes
        }
      }
      assertEquals(4, closedAtOnce, "the connections past the address's share are closed at once");
      try (NettyClientChannel c = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
          BASE)) {
        assertEquals(1, c.request(new byte[] {0}).get(10, TimeUnit.SECONDS).length, "another address still gets in");
      }
    } finally {
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void aClientKeyHoldsAtMostItsConnections() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey other = Ed25519PrivateKey.generate();
    RequestHandler one = (who, req) -> CompletableFuture.completedFuture(new byte[] {1});
    List<NettyClientChannel> open = new ArrayList<>();
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node),
        k -> k.equals(client.publicKey()) || k.equals(other.publicKey()), one, BASE)) {
      for (int i = 0; i < NettyEndpoint.MAX_CONNECTIONS_PER_CLIENT; i++) {
        open.add(new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client), BASE));
      }
      long refusedBefore = ep.refusedConnections();
      assertThrows(TransportException.class, () -> new NettyClientChannel(ep.boundAddress(), node.publicKey(),
          TlsIdentity.of(client), BASE).close());
      assertEquals(refusedBefore + 1, ep.refusedConnections());
      for (NettyClientChannel c : open) {
        assertEquals(1, c.request(new byte[] {0}).get(10, TimeUnit.SECONDS).length, "the admitted ones still work");
      }
      try (NettyClientChannel o = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(other),
          BASE)) {
        assertEquals(1, o.request(new byte[] {0}).get(10, TimeUnit.SECONDS).length, "another key is not affected");
      }
      open.remove(0).close();
      NettyClientChannel again = reconnect(ep, node, client);
      open.add(again);
      assertEquals(1, again.request(new byte[] {0}).get(10, TimeUnit.SECONDS).length, "a closed slot is free again");
    } finally {
      for (NettyClientChannel c : open) {
        c.close();
      }
    }
  }

  /**
   * While the request thread is busy with one request of a client, the client opens a connection,
   * sends requests, closes it and does so again: each closed connection's requests, which nobody
   * will read the answers of, leave the endpoint, instead of waiting for the thread with their
   * bytes beyond every per-connection bound.
   */
  @Test
  void aClosedConnectionsWaitingRequestsAreDropped() throws Exception {
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger handled = new AtomicInteger();
    RequestHandler blocking = (who, req) -> {
      handled.incrementAndGet();
      if (req[0] == 1) {
        busy.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return CompletableFuture.completedFuture(new byte[] {1});
    };
    int cycles = 2;
    int perConnection = 20;
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node), client.publicKey()::equals, blocking, BASE);
        NettyClientChannel held = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
            BASE)) {
      CompletableFuture<byte[]> first = held.request(new byte[] {1});
      assertTrue(busy.await(10, TimeUnit.SECONDS), "the request thread is busy");
      try {
        for (int c = 0; c < cycles; c++) {
          try (NettyClientChannel ch = reconnect(ep, node, client)) {
            for (int i = 0; i < perConnection; i++) {
              ch.request(new byte[32 << 10]);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ep.waitingRequests() < perConnection && System.nanoTime() < deadline) {
              Thread.sleep(10);
            }
            assertTrue(ep.waitingRequests() >= perConnection, "the connection's requests wait: " + ep.waitingRequests());
          }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ep.waitingRequests() > 0 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals(0, ep.waitingRequests(), "requests of " + cycles + " closed connections still waiting");
      } finally {
        release.countDown();
      }
      assertEquals(1, first.get(10, TimeUnit.SECONDS).length, "the open connection is answered");
      assertEquals(1, held.request(new byte[] {2}).get(10, TimeUnit.SECONDS).length, "and served on");
      assertEquals(2, handled.get(), "no request of a closed connection was handled");
    }
  }

  /**
   * A client key that spent its inbound rate and closes its only connection gets no new second's
   * worth by connecting again: what the endpoint reads of it from then on is at most what the rate
   * refilled since it last read (the new connection asks one request at a time, so no read of it
   * holds more than one).
   */
  @Test
  void reconnectingDoesNotRefillAClientKeysInboundRate() throws Exception {
    int perSecond = 10;
    TransportLimits limits = BASE.withInbound(64L << 20, 128L << 20, perSecond);
    AtomicLong lastHandled = new AtomicLong();
    RequestHandler count = (who, req) -> {
      lastHandled.set(System.nanoTime());
      return CompletableFuture.completedFuture(new byte[] {1});
    };
    Ed25519PrivateKey node = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    try (NettyEndpoint ep = new NettyEndpoint(ANY, TlsIdentity.of(node), client.publicKey()::equals, count, limits)) {
      try (NettyClientChannel a = new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client),
          limits)) {
        List<CompletableFuture<byte[]>> fs = new ArrayList<>();
        for (int i = 0; i < 2 * perSecond; i++) { // two seconds' worth at once: the rate is spent
          fs.add(a.request(new byte[] {1}));
        }
        for (CompletableFuture<byte[]> f : fs) {
          f.get(30, TimeUnit.SECONDS);
        }
      }
      long since = lastHandled.get();
      try (NettyClientChannel b = reconnect(ep, node, client)) {
        for (int i = 0; i < perSecond; i++) {
          b.request(new byte[] {1}).get(30, TimeUnit.SECONDS);
        }
        double elapsed = (System.nanoTime() - since) / 1e9;
        assertTrue(perSecond <= perSecond * elapsed + 2, perSecond + " requests read within " + elapsed
            + " s of the rate's last charge, more than it refilled");
      }
    }
  }

  /** Connects once the endpoint has seen an earlier connection close. */
  private static NettyClientChannel reconnect(NettyEndpoint ep, Ed25519PrivateKey node, Ed25519PrivateKey client)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return new NettyClientChannel(ep.boundAddress(), node.publicKey(), TlsIdentity.of(client), BASE);
      } catch (TransportException e) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("the closed connection's slot was not freed: " + e.getMessage());
        }
        Thread.sleep(50);
      }
    }
  }
}
