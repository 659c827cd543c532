package io.medledger.anchor.bitcoin;

import io.medledger.testing.HeapResidue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run in a JVM of its own by {@link RpcCookieResidueTest}: makes three calls with the cookie file
 * {@code args[0]} to a local server that answers them, writes a heap dump with the unreachable
 * objects too ({@code args[1]}) and prints {@code authorization=} and the last header the server got.
 */
final class CookieResidueChild {
  private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

  private CookieResidueChild() {}

  public static void main(String[] args) throws Exception {
    AtomicReference<String> auth = new AtomicReference<>();
    try (LocalHttpServer s = new LocalHttpServer((headers, body) -> {
      auth.set(headers.get("Authorization"));
      Matcher m = ID.matcher(new String(body, StandardCharsets.US_ASCII));
      return m.find() ? new LocalHttpServer.Reply(200, "{\"result\":\"" + "00".repeat(32) + "\",\"error\":null,\"id\":"
          + m.group(1) + "}") : new LocalHttpServer.Reply(400, "");
    })) {
      BitcoinRpcClient c = BitcoinRpcClient.builder(s.uri()).cookieFile(Path.of(args[0])).build();
      for (int height = 0; height < 3; height++) {
        c.getBlockHash(height);
      }
    }
    HeapResidue.dumpHeap(args[1]);
    System.out.println("authorization=" + auth.get());
  }
}
