package io.medledger.anchor.bitcoin;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) for replaying Bitcoin Core's RPC
 * answers in tests, built on java.base alone (the main module does not read jdk.httpserver, and
 * patching it in would need build changes). Requests are read with Content-Length bodies and
 * keep-alive; a handler returning null never answers, like a hung node.
 */
public final class LocalHttpServer implements AutoCloseable {
  /** A reply; {@code body} may be empty. */
  public record Reply(int status, String body) {}

  private final ServerSocket server;
  private final BiFunction<Map<String, String>, byte[], Reply> handler;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread acceptor;

  public LocalHttpServer(BiFunction<Map<String, String>, byte[], Reply> handler) throws IOException {
    this.handler = handler;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "local-http-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        if (closed.getCount() == 0) {
          // Accepted in the instant close() ran: the closing listener must not answer.
          s.close();
          return;
        }
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "local-http-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
          return;
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String h;
        while ((h = line(in)) != null && !h.isEmpty()) {
          int c = h.indexOf(':');
          headers.put(h.substring(0, c).trim(), h.substring(c + 1).trim());
        }
        int len = Integer.parseInt(headers.getOrDefault("Content-Length", "0"));
        byte[] body = in.readNBytes(len);
        Reply r = handler.apply(headers, body);
        if (r == null) {
          closed.await(30, TimeUnit.SECONDS);
          return;
        }
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(r.status()).append(' ')
            .append(reason(r.status())).append("\r\n");
        if (r.status() == 401) {
          head.append("WWW-Authenticate: Basic realm=\"jsonrpc\"\r\n");
        }
        head.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // The client went away or the test ended.
    }
  }

  private static String reason(int status) {
    switch (status) {
      case 200: return "OK";
      case 401: return "Unauthorized";
      case 404: return "Not Found";
      default: return status >= 500 ? "Internal Server Error" : "Status";
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /**
   * Stops listening and closes every connection. Returns once the accept thread has ended: a
   * socket closed while a thread is blocked in accept() may still take one connection until that
   * thread is signalled.
   */
  @Override
  public void close() {
    closed.countDown();
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }
}
