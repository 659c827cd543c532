package io.medledger.internal.tlog;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.medledger.tlog.LogResources;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A small read-only HTTP(S) server for {@link LogResources} under {@code /<prefix>/}: GET and HEAD
 * only, {@code text/plain; charset=utf-8} for the checkpoint (cached for at most a few seconds),
 * {@code application/octet-stream} for tiles and bundles (immutable), 404 for anything else.
 * Built on the JDK's {@code com.sun.net.httpserver}, so it stays internal; a node runtime may serve
 * the same {@link LogResources} over its own transport instead.
 *
 * <p>Thread-safe; requests run on a small fixed pool.
 */
public final class TileHttpServer implements AutoCloseable {
  private static final int MAX_PATH = 256;
  private final HttpServer server;
  private final ExecutorService pool;
  private final String prefix;

  private TileHttpServer(HttpServer server, ExecutorService pool, String prefix) {
    this.server = server;
    this.pool = pool;
    this.prefix = prefix;
  }

  /**
   * Starts serving {@code resources} at {@code bind} (port 0 picks a free port) under
   * {@code /prefix/}; HTTPS when {@code tls} is given.
   *
   * @throws IOException if the address cannot be bound
   */
  public static TileHttpServer start(InetSocketAddress bind, String prefix, LogResources resources,
      Optional<SSLContext> tls) throws IOException {
    if (!prefix.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")) {
      throw new IllegalArgumentException("prefix must be path segments of [A-Za-z0-9._-]");
    }
    HttpServer s;
    if (tls.isPresent()) {
      HttpsServer https = HttpsServer.create(bind, 16);
      https.setHttpsConfigurator(new HttpsConfigurator(tls.get()));
      s = https;
    } else {
      s = HttpServer.create(bind, 16);
    }
    ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "medledger-tiles");
      t.setDaemon(true);
      return t;
    });
    String root = "/" + prefix + "/";
    s.createContext(root, ex -> handle(ex, root, resources));
    s.setExecutor(pool);
    s.start();
    return new TileHttpServer(s, pool, prefix);
  }

  private static void handle(HttpExchange ex, String root, LogResources resources) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      String path = ex.getRequestURI().getRawPath();
      if (path == null || path.length() > MAX_PATH || ex.getRequestURI().getRawQuery() != null
          || !path.startsWith(root)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      Optional<LogResources.Resource> r = resources.read(path.substring(root.length()));
      if (r.isEmpty()) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      LogResources.Resource res = r.get();
      boolean checkpoint = res.caching() == LogResources.Caching.MUTABLE;
      ex.getResponseHeaders().set("Content-Type", checkpoint ? "text/plain; charset=utf-8" : "application/octet-stream");
      ex.getResponseHeaders().set("Cache-Control", checkpoint ? "no-cache, max-age=2" : "public, max-age=31536000, immutable");
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      if (method.equals("HEAD")) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, res.body().length == 0 ? -1 : res.body().length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(res.body());
      }
    } catch (RuntimeException e) {
      ex.sendResponseHeaders(500, -1);
    }
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The URL prefix path, without slashes. */
  public String prefix() {
    return prefix;
  }

  /** Stops at once and releases the pool. */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
