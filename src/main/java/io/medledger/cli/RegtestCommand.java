package io.medledger.cli;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.federation.RegtestChain;
import io.medledger.internal.Json;
import io.medledger.internal.bitcoin.RegtestRpcServer;
import io.medledger.internal.node.ConfigObject;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code medledger regtest run --dir D}: the Bitcoin Core JSON-RPC stand-in for demos and tests,
 * over an offline regtest chain in memory ({@code internal.bitcoin.RegtestRpcServer}), configured
 * by {@code D/regtest.json} (written by {@code medledger testnet}):
 * <pre>{"listen": "127.0.0.1:PORT", "cookie_file": ".cookie",
 *  "fund": [{"address": "bcrt1...", "coins": 20, "sats": 1000000}]}</pre>
 * It funds the listed addresses in its first block, writes the cookie (mode 0600) that clients
 * authenticate with, prints {@code {"event":"started",...}} and serves until it is stopped; the
 * chain is not kept across runs. A deployment points its anchoring service at Bitcoin Core instead.
 */
final class RegtestCommand implements Command {
  private static final int MAX_CONFIG_BYTES = 64 * 1024;

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || !args[0].equals("run")) {
      throw new CliException("usage: medledger regtest run --dir DIR");
    }
    Args a = Args.parse(args, 1);
    Path dir = Path.of(a.required("dir"));
    a.rejectUnknown();
    Path file = dir.resolve("regtest.json");
    if (!Files.isRegularFile(file)) {
      throw new CliException("no stand-in configuration " + file + " (medledger testnet writes one)");
    }
    RegtestChain chain = new RegtestChain(new SecureRandom());
    InetSocketAddress bind;
    Path cookie;
    try {
      ConfigObject c = ConfigObject.read(file, MAX_CONFIG_BYTES);
      String listen = c.string("listen", 100);
      int colon = listen.lastIndexOf(':');
      if (colon <= 0) {
        throw c.error("listen", "must be host:port");
      }
      InetAddress host = InetAddress.getByName(listen.substring(0, colon));
      if (!host.isLoopbackAddress()) {
        throw c.error("listen", "the stand-in listens on loopback only");
      }
      bind = new InetSocketAddress(host, port(c, listen.substring(colon + 1)));
      cookie = dir.resolve(cookieName(c));
      for (ConfigObject f : c.objects("fund", 100)) {
        Address address = Address.parse(f.string("address", 100), Network.REGTEST);
        chain.fund(address.scriptPubKey(), (int) f.integer("coins", 1, 1000), f.integer("sats", 1, 1_000_000_000L));
        f.finish();
      }
      c.finish();
    } catch (ConfigObject.ConfigError | NumberFormatException e) {
      throw new CliException(file + ": " + e.getMessage());
    }
    RegtestRpcServer server = RegtestRpcServer.start(bind, chain, cookie, Optional.empty(), Optional.empty(),
        new SecureRandom());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "medledger-regtest-shutdown"));
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("event", "started");
      g.writeStringField("rpc_url", server.uri().toString());
      g.writeStringField("cookie_file", cookie.toAbsolutePath().toString());
      g.writeNumberField("height", chain.bestHeight().orElseThrow());
      g.writeEndObject();
    }));
    out.flush();
    stopped.await();
    return 0;
  }

  private static int port(ConfigObject c, String digits) {
    long port;
    try {
      port = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw c.error("listen", "the port must be 0..65535, got '" + digits + "'");
    }
    return (int) port;
  }

  /**
   * The cookie's file name: a name in the stand-in's directory, never a path, since the stand-in
   * replaces that file at start and deletes it at stop.
   */
  private static String cookieName(ConfigObject c) {
    String name = c.string("cookie_file", 255, ".cookie");
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0
        || name.indexOf('\0') >= 0) {
      throw c.error("cookie_file", "must be a file name in the stand-in's directory, not a path");
    }
    return name;
  }
}
