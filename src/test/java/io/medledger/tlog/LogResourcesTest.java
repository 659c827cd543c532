package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.internal.tlog.TileHttpServer;
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
          "medledger/log", res, Optional.empty())) {
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
}
