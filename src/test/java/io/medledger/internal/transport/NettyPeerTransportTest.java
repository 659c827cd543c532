package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.node.PeerAddress;
import io.medledger.node.TlsIdentity;
import io.medledger.node.TransportConfig;
import io.medledger.node.TransportLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TLS peer transport over loopback: authentication, bounds, quotas and reconnection. */
@Timeout(60)
class NettyPeerTransportTest {
  private static final Digest CHAIN = Sha256.hash("test chain".getBytes(StandardCharsets.UTF_8));
  private static final PeerAddress ANY = new PeerAddress("127.0.0.1", 0);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /** The socket layer under test: the one a node chooses here ({@link NettyPeerTransportNioTest}: NIO). */
  SocketIo sockets() {
    return SocketIo.get();
  }

  private NettyPeerTransport start(Ed25519PrivateKey key, TransportLimits limits, PeerAddress listen) {
    NettyPeerTransport t =
        new NettyPeerTransport(new TransportConfig(TlsIdentity.of(key), listen, CHAIN, Map.of(), limits), sockets());
    open.add(t);
    return t;
  }

  private static TransportLimits fast() {
    return TransportLimits.defaults().withTiming(Duration.ofSeconds(5), Duration.ofSeconds(3),
        Duration.ofMillis(20), Duration.ofMillis(200));
  }

  private static void await(BooleanSupplier c, String what) throws InterruptedException {
    long end = System.nanoTime() + 15_000_000_000L;
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static void link(NettyPeerTransport... ts) {
    for (NettyPeerTransport t : ts) {
      Map<Ed25519PublicKey, PeerAddress> peers = new HashMap<>();
      for (NettyPeerTransport o : ts) {
        peers.put(o.self(), o.boundAddress());
      }
      t.updatePeers(peers);
    }
  }

  /** Links two transports and waits until each is connected to the other. */
  private static void connect(NettyPeerTransport ta, NettyPeerTransport tb) throws InterruptedException {
    link(ta, tb);
    await(() -> ta.connectedPeers().contains(tb.self()) && tb.connectedPeers().contains(ta.self()), "connection");
  }

  /**
   * A connection still in its handshake is not a link, and closing the transport closed only the
   * links: the event loop's own closing of the rest was lost when its shutdown began while it was
   * still in the turn that closed the listening socket, and the socket stayed open after close().
   */
  @Test
  void closingClosesAConnectionStillInItsHandshakeWhenTheLoopIsBusy() throws Exception {
    NettyPeerTransport t = start(Ed25519PrivateKey.generate(), TransportLimits.defaults(), ANY);
    try (Socket s = new Socket("127.0.0.1", t.boundAddress().port())) {
      await(() -> t.openConnections() == 1, "the connection accepted");
      ShutdownRace.holdLoopWhenClosed(t.listening());
      t.close();
      s.setSoTimeout(10_000);
      try {
        s.getInputStream().readAllBytes(); // to the end of the stream, which the closing makes
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("the transport's connection outlived its event loop", e);
      }
    }
  }

  @Test
  void membersExchangeFramesBothWays() throws Exception {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey b = Ed25519PrivateKey.generate();
    NettyPeerTransport ta = start(a, fast(), ANY);
    NettyPeerTransport tb = start(b, fast(), ANY);
    List<byte[]> atA = new CopyOnWriteArrayList<>();
    List<byte[]> atB = new CopyOnWriteArrayList<>();
    ta.setReceiver((from, f) -> {
      assertEquals(b.publicKey(), from);
      atA.add(f);
    });
    tb.setReceiver((from, f) -> {
      assertEquals(a.publicKey(), from);
      atB.add(f);
    });
    connect(ta, tb);
    for (int i = 0; i < 100; i++) {
      assertTrue(ta.send(b.publicKey(), new byte[] {(byte) i, 1}));
      assertTrue(tb.send(a.publicKey(), new byte[] {(byte) i, 2, 3}));
    }
    await(() -> atA.size() == 100 && atB.size() == 100, "frames");
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(new byte[] {(byte) i, 1}, atB.get(i), "in order");
      assertArrayEquals(new byte[] {(byte) i, 2, 3}, atA.get(i));
    }
    assertFalse(ta.send(Ed25519PrivateKey.generate().publicKey(), new byte[1]), "unknown peer");
    assertFalse(ta.send(b.publicKey(), new byte[fast().maxFrameBytes() + 1]), "oversized");
    // membership change: b removed from a's peers closes the connection
    ta.updatePeers(Map.of());
    await(() -> !tb.connectedPeers().contains(a.publicKey()) && ta.connectedPeers().isEmpty(), "removal closes");
  }

  /**
   * A frame whose delivery ends after the transport closed: handing the event loop its request to
   * resume reading, which a terminated loop refuses, must not throw on the delivery thread.
   */
  @Test
  void aDeliveryThatEndsAfterCloseThrowsNothing() throws Exception {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey b = Ed25519PrivateKey.generate();
    NettyPeerTransport ta = start(a, fast(), ANY);
    NettyPeerTransport tb = start(b, fast(), ANY);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> deliverer = new AtomicReference<>();
    tb.setReceiver((from, f) -> {
      deliverer.set(Thread.currentThread());
      entered.countDown();
      while (release.getCount() > 0) {
        try {
          release.await();
        } catch (InterruptedException e) {
          // close interrupts the delivery thread; this delivery goes on until released
        }
      }
    });
    connect(ta, tb);
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      if (t.getName().startsWith("medledger-deliver-")) {
        uncaught.add(e);
      } else if (before != null) {
        before.uncaughtException(t, e);
      }
    });
    try {
      assertTrue(ta.send(b.publicKey(), new byte[] {1}));
      assertTrue(entered.await(15, TimeUnit.SECONDS), "the frame reached the receiver");
      tb.close(); // the event loop terminates while the frame is still being delivered
      release.countDown();
      deliverer.get().join(15_000);
      assertFalse(deliverer.get().isAlive(), "the delivery thread ended");
      assertEquals(List.of(), uncaught);
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(before);
    }
  }

  /** A raw TLS client with a chosen certificate, speaking bytes of its choice. */
  private static SSLSocket raw(LedgerCertificates.Credential cred, PeerAddress to) throws IOException {
    TlsEngines e = new TlsEngines(cred, k -> true);
    SSLSocket s = (SSLSocket) e.context().getSocketFactory().createSocket();
    s.connect(new InetSocketAddress(to.host(), to.port()), 3000);
    s.setEnabledProtocols(new String[] {"TLSv1.3"});
    s.setSoTimeout(5000);
    return s;
  }

  /**
   * True when the server ends the connection (EOF or an alert) within 2 s without sending us a
   * single byte: well before its idle timeout, and before a hello or keep-alive would arrive on an
   * accepted connection.
   */
  private static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(2000);
      return s.getInputStream().read() < 0;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** True when the server ends the connection within 2 s (bytes it sent first, such as its hello, are skipped). */
  private static boolean closedSoon(Socket s) {
    long end = System.nanoTime() + 2_000_000_000L;
    try {
      byte[] buf = new byte[4096];
      while (System.nanoTime() < end) {
        s.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
        if (s.getInputStream().read(buf) < 0) {
          return true;
        }
      }
      return false;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static void sendHello(OutputStream out) throws IOException {
    byte[] h = FrameCodec.Hello.of(CHAIN).encode();
    out.write(FrameCodec.prefix(h.length));
    out.write(h);
    out.flush();
  }

  @Test
  void unknownKeyAndForgedCertificateAreRefusedAtTheHandshake() throws Exception {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey member = Ed25519PrivateKey.generate();
    NettyPeerTransport ta = start(a, fast(), ANY);
    List<byte[]> got = new CopyOnWriteArrayList<>();
    ta.setReceiver((from, f) -> got.add(f));
    ta.updatePeers(Map.of(member.publicKey(), new PeerAddress("127.0.0.1", 1)));
    SecureRandom rnd = new SecureRandom();
    long now = System.currentTimeMillis();

    // 1. a well-formed certificate of a key the membership does not list
    Ed25519PrivateKey stranger = Ed25519PrivateKey.generate();
    try (SSLSocket s = raw(LedgerCertificates.issue(TlsIdentity.of(stranger), now, 1, rnd), ta.boundAddress())) {
      sendHelloQuietly(s);
      assertTrue(closedByServer(s), "unknown key refused");
    }
    // 2. a certificate naming the member's ledger key but signed by another key
    try (SSLSocket s = raw(LedgerCertificates.issue(member.publicKey(), stranger::sign, now, 1, rnd), ta.boundAddress())) {
      sendHelloQuietly(s);
      assertTrue(closedByServer(s), "certificate not bound to the ledger key refused");
    }
    // 3. an expired certificate of the member
    try (SSLSocket s = raw(LedgerCertificates.issue(member.publicKey(), member::sign, now - 10 * 86_400_000L, 1, rnd),
        ta.boundAddress())) {
      sendHelloQuietly(s);
      assertTrue(closedByServer(s), "expired certificate refused");
    }
    assertTrue(ta.refusedConnections() >= 3, "refusals counted: " + ta.refusedConnections());
    assertTrue(ta.connectedPeers().isEmpty());
    assertTrue(got.isEmpty());
    // control: the member's genuine certificate is accepted and its frames arrive
    try (SSLSocket s = raw(LedgerCertificates.issue(TlsIdentity.of(member), now, 1, rnd), ta.boundAddress())) {
      OutputStream out = s.getOutputStream();
      sendHello(out);
      out.write(FrameCodec.prefix(3));
      out.write(new byte[] {7, 8, 9});
      out.flush();
      await(() -> got.size() == 1, "the member's frame");
      assertArrayEquals(new byte[] {7, 8, 9}, got.get(0));
      assertEquals(java.util.Set.of(member.publicKey()), ta.connectedPeers());
    }
  }

  private static void sendHelloQuietly(SSLSocket s) {
    try {
      sendHello(s.getOutputStream());
    } catch (IOException e) {
      // the server may already have refused the handshake
    }
  }

  @Test
  void oversizedAndGarbageFramesCloseOnlyTheOffendingConnection() throws Exception {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey b = Ed25519PrivateKey.generate();
    Ed25519PrivateKey evil = Ed25519PrivateKey.generate();
    TransportLimits limits = fast().withMaxFrameBytes(64 << 10);
    NettyPeerTransport ta = start(a, limits, ANY);
    NettyPeerTransport tb = start(b, limits, ANY);
    List<byte[]> got = new CopyOnWriteArrayList<>();
    ta.setReceiver((from, f) -> got.add(f));
    Map<Ed25519PublicKey, PeerAddress> peersOfA = new HashMap<>();
    peersOfA.put(b.publicKey(), tb.boundAddress());
    peersOfA.put(evil.publicKey(), new PeerAddress("127.0.0.1", 1));
    ta.updatePeers(peersOfA);
    tb.updatePeers(Map.of(a.publicKey(), ta.boundAddress()));
    await(() -> ta.connectedPeers().contains(b.publicKey()), "a-b connection");
    LedgerCertificates.Credential cred = LedgerCertificates.issue(TlsIdentity.of(evil), System.currentTimeMillis(), 1,
        new SecureRandom());

    // an oversized length prefix after a valid hello: closed before any allocation
    try (SSLSocket s = raw(cred, ta.boundAddress())) {
      OutputStream out = s.getOutputStream();
      sendHello(out);
      out.write(FrameCodec.prefix(Integer.MAX_VALUE));
      out.write(new byte[100]);
      out.flush();
      assertTrue(closedSoon(s), "oversized frame closes the connection");
    }
    // garbage instead of the hello
    try (SSLSocket s = raw(cred, ta.boundAddress())) {
      OutputStream out = s.getOutputStream();
      byte[] junk = new byte[40];
      new SecureRandom().nextBytes(junk);
      out.write(FrameCodec.prefix(junk.length));
      out.write(junk);
      out.flush();
      assertTrue(closedSoon(s), "garbage hello closes the connection");
    }
    // plaintext garbage where TLS is expected
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", ta.boundAddress().port()), 3000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertTrue(closedSoon(s), "plaintext closes the connection");
    }
    assertTrue(ta.protocolViolations() >= 2, "violations counted: " + ta.protocolViolations());
    assertTrue(got.isEmpty(), "nothing from the hostile connections reached the receiver");
    // the node still serves its honest peer
    assertTrue(tb.send(a.publicKey(), new byte[] {42}));
    await(() -> got.size() == 1, "the honest peer's frame");
    assertTrue(ta.connectedPeers().contains(b.publicKey()));
  }

  @Test
  void aFloodingPeerIsHeldToItsQuotaWhileOthersAreServed() throws Exception {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey b = Ed25519PrivateKey.generate();
    Ed25519PrivateKey flooder = Ed25519PrivateKey.generate();
    int framesPerSecond = 2_000;
    TransportLimits limits = fast().withMaxFrameBytes(64 << 10).withInbound(1 << 20, 1 << 20, framesPerSecond);
    NettyPeerTransport ta = start(a, limits, ANY);
    NettyPeerTransport tb = start(b, fast(), ANY);
    AtomicLong fromFlooder = new AtomicLong();
    AtomicLong fromFlooderBytes = new AtomicLong();
    List<Long> honestLatencyMs = new CopyOnWriteArrayList<>();
    ta.setReceiver((from, f) -> {
      if (from.equals(flooder.publicKey())) {
        fromFlooder.incrementAndGet();
        fromFlooderBytes.addAndGet(f.length);
      } else {
        honestLatencyMs.add(System.currentTimeMillis() - java.nio.ByteBuffer.wrap(f).getLong());
      }
    });
    Map<Ed25519PublicKey, PeerAddress> peersOfA = new HashMap<>();
    peersOfA.put(b.publicKey(), tb.boundAddress());
    peersOfA.put(flooder.publicKey(), new PeerAddress("127.0.0.1", 1));
    ta.updatePeers(peersOfA);
    tb.updatePeers(Map.of(a.publicKey(), ta.boundAddress()));
    await(() -> ta.connectedPeers().contains(b.publicKey()), "a-b connection");

    LedgerCertificates.Credential cred = LedgerCertificates.issue(TlsIdentity.of(flooder), System.currentTimeMillis(), 1,
        new SecureRandom());
    SSLSocket s = raw(cred, ta.boundAddress());
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16);
        sendHello(out);
        byte[] frame = new byte[100];
        while (!Thread.currentThread().isInterrupted()) {
          out.write(FrameCodec.prefix(frame.length));
          out.write(frame);
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    });
    long start = System.nanoTime();
    writer.start();
    try {
      for (int i = 0; i < 20; i++) {
        Thread.sleep(100);
        byte[] f = java.nio.ByteBuffer.allocate(8).putLong(System.currentTimeMillis()).array();
        assertTrue(tb.send(a.publicKey(), f), "the honest peer can still send");
      }
      await(() -> honestLatencyMs.size() == 20, "the honest peer's frames during the flood");
    } finally {
      writer.interrupt();
      s.close();
      writer.join(5000);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long n = fromFlooder.get();
    assertTrue(n > 0, "the flooder was connected");
    assertTrue(n <= framesPerSecond * (secs + 1.5), n + " frames in " + secs + " s exceeds the quota of " + framesPerSecond + "/s");
    long worst = honestLatencyMs.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(worst < 1000, "honest frames were delayed by the flood: " + worst + " ms");
  }

  /** Two fresh keys, the one that dials (the smaller in hex order) first. */
  private static Ed25519PrivateKey[] dialerFirst() {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey b = Ed25519PrivateKey.generate();
    return a.publicKey().toHex().compareTo(b.publicKey().toHex()) < 0 ? new Ed25519PrivateKey[] {a, b}
        : new Ed25519PrivateKey[] {b, a};
  }

  @Test
  void reconnectsAfterThePeerRestarts() throws Exception {
    Ed25519PrivateKey[] keys = dialerFirst();
    Ed25519PrivateKey a = keys[0];
    Ed25519PrivateKey b = keys[1];
    // a dials b (smaller key dials); b restarts on the same port, a must re-dial with backoff
    NettyPeerTransport ta = start(a, fast(), ANY);
    NettyPeerTransport tb = start(b, fast(), ANY);
    PeerAddress bAddr = tb.boundAddress();
    link(ta, tb);
    Ed25519PublicKey bk = b.publicKey();
    await(() -> ta.connectedPeers().contains(bk), "first connection");
    tb.close();
    await(() -> ta.connectedPeers().isEmpty(), "loss noticed");
    long failedBefore = ta.failedDials();
    await(() -> ta.failedDials() >= failedBefore + 2, "two re-dials of the stopped peer, failed");
    NettyPeerTransport tb2 = start(b, fast(), bAddr);
    List<byte[]> got = new CopyOnWriteArrayList<>();
    tb2.setReceiver((from, f) -> got.add(f));
    tb2.updatePeers(Map.of(a.publicKey(), ta.boundAddress()));
    await(() -> ta.connectedPeers().contains(bk) && tb2.connectedPeers().contains(ta.self()), "reconnection");
    assertTrue(ta.send(bk, new byte[] {1}));
    await(() -> got.size() == 1, "a frame after reconnection");
    // the other direction: the dialling side restarts and dials again
    ta.close();
    await(() -> tb2.connectedPeers().isEmpty(), "loss of the dialler noticed");
    NettyPeerTransport ta2 = start(a, fast(), ANY);
    ta2.updatePeers(Map.of(bk, bAddr));
    tb2.updatePeers(Map.of(a.publicKey(), ta2.boundAddress()));
    await(() -> tb2.connectedPeers().contains(ta2.self()), "the restarted dialler reconnects");
  }
  /**
   * Strangers at many addresses that hold every handshake slot open (connections that never start
   * TLS) do not keep a member out: the configured peers' addresses have slots of their own.
   */
  @Test
  void strangersHoldingEveryHandshakeSlotDoNotKeepAMemberOut() throws Exception {
    Ed25519PrivateKey[] keys = dialerFirst();
    Ed25519PrivateKey a = keys[0];
    Ed25519PrivateKey b = keys[1];
    // b accepts (a has the smaller key and dials, from 127.0.0.1); strangers' slots last 30 s
    TransportLimits slow = TransportLimits.defaults().withTiming(Duration.ofSeconds(60), Duration.ofSeconds(30),
        Duration.ofMillis(20), Duration.ofMillis(200));
    NettyPeerTransport tb = start(b, slow, ANY);
    NettyPeerTransport ta = start(a, fast(), ANY);
    java.net.InetAddress server = java.net.InetAddress.getByName(tb.boundAddress().host());
    List<Socket> held = new ArrayList<>();
    try {
      int addresses = HandshakeGate.MAX_TOTAL / HandshakeGate.MAX_PER_ADDRESS;
      for (int x = 0; x < addresses; x++) {
        java.net.InetAddress stranger = java.net.InetAddress.getByAddress(new byte[] {127, 0, 1, (byte) (x + 1)});
        for (int i = 0; i < HandshakeGate.MAX_PER_ADDRESS; i++) {
          held.add(new Socket(server, tb.boundAddress().port(), stranger, 0));
        }
      }
      java.net.InetAddress late = java.net.InetAddress.getByAddress(new byte[] {127, 0, 2, 1});
      try (Socket probe = new Socket(server, tb.boundAddress().port(), late, 0)) {
        assertTrue(closedSoon(probe), "every stranger's slot is held");
      }
      link(ta, tb);
      await(() -> tb.memberAddress(java.net.InetAddress.getLoopbackAddress()), "the member's address known");
      await(() -> ta.connectedPeers().contains(tb.self()) && tb.connectedPeers().contains(ta.self()),
          "the member connected while strangers hold every slot");
      try (Socket probe = new Socket(server, tb.boundAddress().port(), late, 0)) {
        assertTrue(closedSoon(probe), "the strangers' slots were still held when the member got in");
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
