package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.internal.transport.TileHttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served resources are byte for byte the exported files, over the API and over HTTP. */
class LogResourcesTest {
  @TempDir Path tmp;

  @Test
  void servesExactlyTheExportedTree() throws Exception {
    Path node = tmp.resolve("node");
    try (LogFixture f = new LogFixture(node, 1)) {
      LogExportTest.populate(f, 2);
      LogResources res = new LogResources(f.log, f.checkpoints, LogResources.ledgerLeaves(f.chain.ledger));
      Path out = tmp.resolve("export");
      LogExport.export(f.chain.store, f.log, f.checkpoints, out);
      int files = 0;
      try (Stream<Path> all = Files.walk(out.resolve("tile"))) {
        for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
          String rel = out.relativize(p).toString();
          assertArrayEquals(Files.readAllBytes(p), res.read(rel).orElseThrow().body(), rel);
          files++;
        }
      }
      assertEquals(5, files);
      assertArrayEquals(Files.readAllBytes(out.resolve("checkpoint")), res.read("checkpoint").orElseThrow().body());
      long n = res.checkpointSize();
      // An older partial width is a prefix; tiles beyond the checkpoint and malformed paths are absent.
      assertTrue(res.read("tile/0/000.p/3").isPresent());
      assertFalse(res.read("tile/0/" + String.format("%03d", n / 256) + ".p/" + (n % 256 + 1)).isPresent());
      assertFalse(res.read("tile/0/999").isPresent());
      assertFalse(res.read("tile/0/000.p/256").isPresent());
      assertFalse(res.read("tile/9/000.p/1").isPresent());
      assertFalse(res.read("../tree").isPresent());
      assertFalse(res.read(null).isPresent());

      try (TileHttpServer http = TileHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
          "medledger/log", res)) {
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + http.port() + "/medledger/log/";
        HttpResponse<byte[]> cp = get(c, base + "checkpoint");
        assertEquals(200, cp.statusCode());
        assertEquals("text/plain; charset=utf-8", cp.headers().firstValue("Content-Type").orElseThrow());
        assertArrayEquals(res.read("checkpoint").orElseThrow().body(), cp.body());
        HttpResponse<byte[]> t = get(c, base + "tile/0/000");
        assertEquals(200, t.statusCode());
        assertEquals("application/octet-stream", t.headers().firstValue("Content-Type").orElseThrow());
        assertArrayEquals(Files.readAllBytes(out.resolve("tile/0/000")), t.body());
        assertArrayEquals(Files.readAllBytes(out.resolve("tile/entries/000")), get(c, base + "tile/entries/000").body());
        for (String bad : List.of("tile/0/999", "tile/0/000?x=1", "tree", "tile/0/x000/000")) {
          assertEquals(404, get(c, base + bad).statusCode(), bad);
        }
        assertEquals(404, get(c, "http://127.0.0.1:" + http.port() + "/other/checkpoint").statusCode());
        HttpResponse<byte[]> post = c.send(HttpRequest.newBuilder(URI.create(base + "checkpoint"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(405, post.statusCode());
      }
    }
  }

  private static HttpResponse<byte[]> get(HttpClient c, String url) throws IOException, InterruptedException {
    return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** What a test does with a running tile server over a one-block log; sockets it adds to {@code held} are closed after. */
  private interface ServerTest {
    void run(TileHttpServer http, List<java.net.Socket> held) throws Exception;
  }

  private void withServer(ServerTest t) throws Exception {
    try (LogFixture f = new LogFixture(tmp.resolve("node"), 1)) {
      LogExportTest.populate(f, 1);
      LogResources res = new LogResources(f.log, f.checkpoints, LogResources.ledgerLeaves(f.chain.ledger));
      try (TileHttpServer http = TileHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
          "log", res)) {
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
          t.run(http, held);
        } finally {
          for (java.net.Socket s : held) {
            s.close();
          }
        }
      }
    }
  }

  /**
   * Clients that send half a request and then nothing, or hold many idle connections, do not stall
   * the tile server for others: the request head has a deadline and connections are bounded.
   */
  @Test
  void slowAndHoardingClientsDoNotStallTheTileServer() throws Exception {
    withServer((http, held) -> {
      for (int i = 0; i < 8; i++) { // half a request each, then silence
        java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), http.port());
        s.getOutputStream().write("GET /log/checkpoint HTTP/1.1\r\nHost: x\r\n".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        held.add(s);
      }
      // the slow connections are admitted (holding their places) before the honest reader asks
      awaitConnections(http, 8, 0);
      HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<byte[]> cp = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port()
          + "/log/checkpoint")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, cp.statusCode(), "an honest reader is served beside the slow ones");
    });
  }

  /** Waits until {@code http} has admitted {@code admitted} connections and turned {@code turnedAway} away. */
  private static void awaitConnections(TileHttpServer http, long admitted, long turnedAway) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((http.admittedConnections() < admitted || http.turnedAwayConnections() < turnedAway)
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(admitted, http.admittedConnections(), "connections admitted");
    assertEquals(turnedAway, http.turnedAwayConnections(), "connections turned away");
  }

  private static java.net.Socket connect(TileHttpServer http, String from) throws IOException {
    java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), http.port(), InetAddress.getByName(from), 0);
    s.setSoTimeout(200);
    return s;
  }

  /** True if the server closed {@code s} (bytes it sent first are skipped), false if it is still open. */
  private static boolean closed(java.net.Socket s) throws IOException {
    try {
      while (true) {
        if (s.getInputStream().read(new byte[4096]) < 0) {
          return true;
        }
      }
    } catch (java.net.SocketTimeoutException open) {
      return false;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  /**
   * One address holds at most its share of connections; a request head sent a byte at a time is
   * cut off at its deadline; requests past an address's rate are answered 429.
   */
  @Test
  void theTileServerBoundsWhatOneAddressHoldsAndAsks() throws Exception {
    withServer((http, held) -> {
      for (int i = 0; i < TileHttpServer.MAX_CONNECTIONS_PER_ADDRESS + 3; i++) {
        held.add(connect(http, "127.0.0.5"));
      }
      // counted, not timed: the server has admitted its share and turned the rest away
      awaitConnections(http, TileHttpServer.MAX_CONNECTIONS_PER_ADDRESS, 3);
      int cut = 0;
      for (java.net.Socket s : held) {
        cut += closed(s) ? 1 : 0;
      }
      assertEquals(3, cut, "the connections past one address's share are closed at once");
      // a byte every 400 ms: the head never completes within the deadline, so the connection is cut
      java.net.Socket slow = connect(http, "127.0.0.6");
      held.add(slow);
      byte[] head = "GET /log/checkpoint HTTP/1.1\r\nHost: x\r\nX-Pad: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      long start = System.nanoTime();
      boolean cutOff = false;
      for (int i = 0; !cutOff && System.nanoTime() - start < (TileHttpServer.HEAD_DEADLINE_MILLIS + 5_000) * 1_000_000L; i++) {
        try {
          slow.getOutputStream().write(head[Math.min(i, head.length - 1)]);
          slow.getOutputStream().flush();
        } catch (java.net.SocketException reset) {
          cutOff = true;
        }
        cutOff = cutOff || closed(slow);
        Thread.sleep(200);
      }
      long took = (System.nanoTime() - start) / 1_000_000;
      assertTrue(cutOff, "a head trickled a byte at a time is cut off");
      assertTrue(took >= TileHttpServer.HEAD_DEADLINE_MILLIS - 500, "at its deadline, not before: " + took + " ms");
      // many requests at once on one connection: those past the rate are told to come back
      java.net.Socket burst = connect(http, "127.0.0.7");
      held.add(burst);
      burst.setSoTimeout(5_000);
      int n = 5 * TileHttpServer.REQUESTS_PER_SECOND;
      long sent = System.nanoTime();
      burst.getOutputStream().write("GET /log/checkpoint HTTP/1.1\r\nHost: x\r\n\r\n".repeat(n)
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      burst.getOutputStream().flush();
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(burst.getInputStream(),
          java.nio.charset.StandardCharsets.ISO_8859_1));
      int ok = 0;
      int busy = 0;
      for (String line = in.readLine(); line != null && ok + busy < n; line = in.readLine()) {
        ok += line.startsWith("HTTP/1.1 200") ? 1 : 0;
        busy += line.startsWith("HTTP/1.1 429") ? 1 : 0;
      }
      double seconds = (System.nanoTime() - sent) / 1e9;
      assertEquals(n, ok + busy, "every request is answered, in order");
      // the bucket holds one second's worth and refills at the rate: no more can be served in the
      // time the answers took (a loaded host may take long enough that none has to wait)
      assertTrue(ok >= TileHttpServer.REQUESTS_PER_SECOND, ok + " served");
      assertTrue(ok <= TileHttpServer.REQUESTS_PER_SECOND * (1 + seconds) + 1,
          ok + " served in " + seconds + " s, " + busy + " told to wait");
      if (seconds < 3) {
        assertTrue(busy > 0, ok + " served in " + seconds + " s, none told to wait");
      }
    });
  }
}
